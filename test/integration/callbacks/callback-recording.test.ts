// A callback attempt's recording on the composed gateway (simulated telephony, real redis-server,
// real HTTP): the caller composed at start-up records the citizen's leg, and the recordings API
// serves it like any call recording — to quality inspectors, audited; refused to agents (art. 25).
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../../src/app/gateway.js';
import { RedisKeys } from '../../../src/adapters/redis/keys.js';
import { RedisUserStore } from '../../../src/adapters/redis/redis-user-store.js';
import { testConfig } from '../../helpers/gateway.js';
import { silentLogger } from '../../helpers/logger.js';
import { login, seedUser } from '../../helpers/people.js';
import { startRedis, type TestRedis } from '../../helpers/redis-server.js';

let redis: TestRedis;
let gw: RunningGateway;

beforeAll(async () => {
  redis = await startRedis();
  const config = testConfig({ HOTLINE_REDIS_URL: redis.url });
  config.telephony.simulated.defaultPromptMs = 100;
  gw = await startGateway(config, silentLogger());
  const users = new RedisUserStore(redis.client(), new RedisKeys(config.redis.keyPrefix));
  await seedUser(users, 'zhi.jian', ['quality']);
  await seedUser(users, 'shen.ji', ['auditor']);
  await seedUser(users, 'a2001', ['agent'], { skills: { general: 1 }, endpoint: { kind: 'user', user: '2001' } });
});
afterAll(async () => {
  await gw?.stop();
  await redis?.stop();
});

describe('callback recordings through the recordings API', () => {
  it('a reached callback is recorded and served with its sha256 to quality inspectors, audited; agents are refused', async () => {
    if (gw.telephony.mode !== 'simulated') throw new Error('simulated telephony expected');
    const sim = gw.telephony.simulated;
    const agent = await sim.originate({ endpoint: { kind: 'user', user: '2001' }, callerIdNumber: '12345', timeoutSec: 5, variables: { origination_uuid: randomUUID(), hotline_entry: 'agent-leg' } });
    const callId = randomUUID();
    const result = await gw.callbackCaller.dial({ callbackId: 'cb-rec-1', attempt: 1, number: '+8613812380001', callId, agentLegId: agent.callId!, switchId: sim.id, agentId: 'a2001' });
    expect(result).toEqual({ outcome: 'reached', callId, recordingId: callId });
    await sim.hangup(callId);
    await sim.flush();
    await gw.callbackCaller.settled();

    const quality = await login(gw.url, 'zhi.jian');
    const meta = await fetch(`${gw.url}/v1/recordings/${callId}`, { headers: { authorization: `Bearer ${quality}` } });
    expect(meta.status).toBe(200);
    const body = (await meta.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ callId, caller: '+8613812380001', agentId: 'a2001', entry: { kind: 'callback', context: { callbackId: 'cb-rec-1', attempt: '1' } } });
    const audio = await fetch(`${gw.url}${body.audio as string}`, { headers: { authorization: `Bearer ${quality}` } });
    expect(audio.status).toBe(200);
    expect(createHash('sha256').update(Buffer.from(await audio.arrayBuffer())).digest('hex')).toBe(body.sha256);

    const refused = await fetch(`${gw.url}/v1/recordings/${callId}/audio`, { headers: { authorization: `Bearer ${await login(gw.url, 'a2001')}` } });
    expect(refused.status).toBe(403);
    const audit = await fetch(`${gw.url}/v1/admin/audit?limit=100&target=${encodeURIComponent(`call:${callId}`)}`, { headers: { authorization: `Bearer ${await login(gw.url, 'shen.ji')}` } });
    const entries = ((await audit.json()) as { entries: { action: string; actor: string }[] }).entries;
    expect(entries.map((e) => [e.action, e.actor]).reverse()).toEqual([
      ['recording.metadata', 'user:zhi.jian'],
      ['recording.audio', 'user:zhi.jian'],
    ]);
  });
});
