import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { startGateway, type RunningGateway } from '../../../src/app/gateway.js';
import type { DeskNotice } from '../../../src/core/ports/desk.js';
import { startRedis, type TestRedis } from '../../helpers/redis-server.js';
import { silentLogger } from '../../helpers/logger.js';

let redis: TestRedis;
let gw: RunningGateway;
let dir: string;

beforeAll(async () => {
  redis = await startRedis();
  dir = mkdtempSync(join(tmpdir(), 'hg-gw-desk-'));
  const { config } = loadConfig({
    HOTLINE_REDIS_URL: redis.url,
    HOTLINE_DATA_DIR: dir,
    HOTLINE_DEV_CORE_FILE: join(dir, 'intakes.jsonl'),
    HOTLINE_DEV_CORE_CALLS_FILE: join(dir, 'calls.jsonl'),
    HOTLINE_RECORDINGS_DIR: join(dir, 'recordings'),
    HOTLINE_LOG_LEVEL: 'silent',
  });
  gw = await startGateway(
    {
      ...config,
      http: { ...config.http, host: '127.0.0.1', port: 0 },
      telephony: { ...config.telephony, simulated: { devRoutes: true, defaultPromptMs: 100 } },
      acd: { ...config.acd, wrapUpSec: 1 },
    },
    silentLogger(),
  );
});
afterAll(async () => {
  await gw?.stop();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

// The desk as the composed gateway wires it: the IVR's queue, the desk, the figures store, the dev core.
describe('gateway desk', () => {
  it('a call to 12345 is offered to a logged-in agent, answered, ended, and its wrap-up reaches the core as a phone intake', async () => {
    if (gw.telephony.mode !== 'simulated') throw new Error('expected simulated telephony');
    const sim = gw.telephony.simulated;
    const notices: DeskNotice[] = [];
    const seen = (pred: (n: DeskNotice) => boolean) =>
      new Promise<DeskNotice>((resolve, reject) => {
        const t0 = Date.now();
        const poll = () => {
          const n = notices.find(pred);
          if (n) return resolve(n);
          if (Date.now() - t0 > 8000) return reject(new Error(`notice not seen; got ${notices.map((x) => x.type).join(',')}`));
          setTimeout(poll, 20);
        };
        poll();
      });
    const off = gw.desk.subscribe('8001', (n) => notices.push(n));
    const status = await gw.desk.login({ agentId: '8001', name: '王芳', skills: { general: 1 }, endpoint: { kind: 'user', user: '8001' } });
    expect(status.state).toBe('available');

    const caller = sim.placeCall({ caller: '13800138001' });
    const offer = await seen((n) => n.type === 'offer');
    expect(offer).toMatchObject({ callId: caller.callId, queue: 'general' });
    expect((await gw.desk.command('8001', { type: 'call.answer', callId: caller.callId })).ok).toBe(true);
    expect(await gw.desk.command('8001', { type: 'call.hangup', callId: caller.callId })).toEqual({ ok: true });
    await seen((n) => n.type === 'wrapup.due');
    const r = await gw.desk.command('8001', { type: 'wrapup.submit', callId: caller.callId, form: { type: 'HELP', content: '家里停水两天了，请帮忙联系自来水公司', place: '建设路12号', confidential: false } });
    expect(r.ok).toBe(true);

    let line: { intake: { channel: string; links: { callId: string; agentId: string } } } | undefined;
    for (let i = 0; i < 300 && !line; i++) {
      let text = '';
      try {
        text = readFileSync(join(dir, 'intakes.jsonl'), 'utf8');
      } catch {
        // not written yet
      }
      const hit = text.split('\n').find((l) => l.includes(caller.callId));
      if (hit) line = JSON.parse(hit) as typeof line;
      else await new Promise((res) => setTimeout(res, 25));
    }
    expect(line?.intake).toMatchObject({ channel: 'CHANNEL_PHONE', links: { callId: caller.callId, agentId: '8001' } });

    // The figures store counted the call offered and answered in the general queue.
    const figures = await gw.figures.store.snapshot(Date.now());
    expect(figures.find((f) => f.queue === 'general' && f.window === 'today')).toMatchObject({ offered: 1, answered: 1 });
    off();
  });
});
