import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../../src/app/gateway.js';
import type { DeskNotice } from '../../../src/core/ports/desk.js';
import { readCoreFile, testConfig } from '../../helpers/gateway.js';
import { startRedis, type TestRedis } from '../../helpers/redis-server.js';
import { silentLogger } from '../../helpers/logger.js';

let redis: TestRedis;
let gw: RunningGateway;
let coreFile: string;

beforeAll(async () => {
  redis = await startRedis();
  const config = testConfig({ HOTLINE_REDIS_URL: redis.url });
  coreFile = config.devCore.file;
  config.telephony.simulated = { devRoutes: true, defaultPromptMs: 100 };
  config.telephony.recordingsDir = `${config.dataDir}/recordings`;
  config.devCore.callsFile = `${config.dataDir}/dev-core/calls.jsonl`;
  config.acd.wrapUpSec = 1;
  gw = await startGateway(config, silentLogger());
});
afterAll(async () => {
  await gw?.stop();
  await redis?.stop();
});

// The desk as the composed gateway wires it: the IVR's queue, the desk, the figures store, the dev core.
describe('gateway desk', () => {
  it('a call to 12345 is offered to a logged-in agent, answered, ended, and its wrap-up reaches the core as a phone intake', async () => {
    if (gw.telephony.mode !== 'simulated') throw new Error('expected simulated telephony');
    const sim = gw.telephony.simulated;
    const notices: DeskNotice[] = [];
    const eventually = async <T>(what: string, find: () => T | undefined): Promise<T> => {
      const t0 = Date.now();
      for (;;) {
        const found = find();
        if (found !== undefined) return found;
        if (Date.now() - t0 > 8000) throw new Error(`${what} not seen; notices ${notices.map((x) => x.type).join(',')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const off = gw.desk.subscribe('8001', (n) => notices.push(n));
    const status = await gw.desk.login({ agentId: '8001', name: '王芳', skills: { general: 1 }, endpoint: { kind: 'user', user: '8001' } });
    expect(status.state).toBe('available');

    const caller = sim.placeCall({ caller: '13800138001' });
    const offer = await eventually('offer', () => notices.find((n) => n.type === 'offer'));
    expect(offer).toMatchObject({ callId: caller.callId, queue: 'general' });
    expect((await gw.desk.command('8001', { type: 'call.answer', callId: caller.callId })).ok).toBe(true);
    expect(await gw.desk.command('8001', { type: 'call.hangup', callId: caller.callId })).toEqual({ ok: true });
    await eventually('wrap-up', () => notices.find((n) => n.type === 'wrapup.due'));
    const r = await gw.desk.command('8001', { type: 'wrapup.submit', callId: caller.callId, form: { type: 'HELP', content: '家里停水两天了，请帮忙联系自来水公司', place: '建设路12号', confidential: false } });
    expect(r.ok).toBe(true);

    const line = await eventually('intake in the core', () => readCoreFile(coreFile).find((l) => (l.intake.links as { callId?: string } | undefined)?.callId === caller.callId));
    expect(line.intake).toMatchObject({ channel: 'CHANNEL_PHONE', links: { callId: caller.callId, agentId: '8001' } });

    // The figures store counted the call offered and answered in the general queue.
    const figures = await gw.figures.store.snapshot(Date.now());
    expect(figures.find((f) => f.queue === 'general' && f.window === 'today')).toMatchObject({ offered: 1, answered: 1 });
    off();
  });
});
