import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/adapters/redis/embedded-redis.js';
import { DevCore } from '../../../src/dev-core/dev-core.js';
import { ControlClient } from '../../../src/dev-core/control-client.js';
import { silentLogger } from '../../helpers/logger.js';
import { eventually, spawnGateway, testConfig, waitReady } from '../../helpers/gateway.js';
import { startRedis, type TestRedis } from '../../helpers/redis-server.js';
import { resultOf } from '../../helpers/surveys.js';

const children: ChildProcess[] = [];
let redis: TestRedis;
let core: DevCore;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await core?.stop();
  await redis?.stop();
});

describe('a gateway killed during a survey call', () => {
  it('is taken over after a restart without dialling the interrupted attempt again', async () => {
    const base = testConfig();
    base.devCore.surveysFile = join(base.dataDir, 'dev-core', 'surveys.jsonl');
    core = new DevCore({ intakesFile: base.devCore.file, surveysFile: base.devCore.surveysFile, log: silentLogger() });
    const coreAddress = await core.start('127.0.0.1', 0);
    const configFile = join(base.dataDir, 'surveys.yaml');
    // One attempt, a long wait for the key (the kill lands in it), locks that lapse after 1 s;
    // a window open all day so the test does not depend on the hour it runs at.
    writeFileSync(
      configFile,
      [
        'telephony: { simulated: { devRoutes: false, defaultPromptMs: 100 } }',
        'surveys:',
        '  window: { start: "00:00", end: "23:59", timeZone: Asia/Shanghai }',
        '  retry: { maxAttempts: 1, firstDelayMs: 300, factor: 1, maxDelayMs: 300 }',
        '  call: { keyTimeoutMs: 30000 }',
        '  lockMs: 1000',
      ].join('\n'),
    );
    const httpPort = await freePort();
    const controlPort = await freePort();
    const prefix = `tr${Math.random().toString(36).slice(2, 8)}:`;
    const env = {
      HOTLINE_CONFIG: configFile,
      HOTLINE_DATA_DIR: base.dataDir,
      HOTLINE_REDIS_URL: redis.url,
      HOTLINE_REDIS_PREFIX: prefix,
      HOTLINE_CORE_ADDRESS: coreAddress,
      HOTLINE_HTTP_HOST: '127.0.0.1',
      HOTLINE_HTTP_PORT: String(httpPort),
      HOTLINE_GRPC_PORT: String(controlPort),
      HOTLINE_CONTROL_TOKEN: 'control-token-for-the-restart-test',
      HOTLINE_LOG_LEVEL: 'warn',
    };
    const url = `http://127.0.0.1:${httpPort}`;
    const first = spawnGateway(env);
    children.push(first.child);
    await waitReady(url, 120_000);

    const control = new ControlClient({ address: `127.0.0.1:${controlPort}`, token: env.HOTLINE_CONTROL_TOKEN });
    expect(await control.requestSurvey({ workOrderId: 'WO-CRASH', phone: '13812342001', channelPreference: 'phone-only' })).toBe('accepted');
    const r = redis.client();
    const key = `${prefix}survey:WO-CRASH`;
    // The first gateway has dialled: attempt 1 is claimed, and it waits for the key.
    await eventually(() => r.hget(key, 'started'), (v) => v === '1', 60_000);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = spawnGateway(env);
    children.push(second.child);
    await waitReady(url, 120_000);
    const result = await resultOf(base, 'WO-CRASH', 90_000);
    expect(result).toMatchObject({ outcome: 'OUTCOME_NO_RESPONSE', attempts: 1, reason: 'attempts-used' });
    expect(result.attemptLog!.map((a) => [a.channel, a.outcome])).toEqual([['CHANNEL_PHONE', 'interrupted']]);
    // Never a second claim: the attempt counter stayed at one.
    expect(await r.hget(key, 'started')).toBe('1');
    // The request survives too: asking again is a duplicate.
    expect(await control.requestSurvey({ workOrderId: 'WO-CRASH', phone: '13812342001' })).toBe('duplicate');
    control.close();
    second.child.kill('SIGTERM');
    await second.exited;
    // Two gateway starts from source and a lock takeover: generous on a loaded 2-core machine.
  }, 300_000);
});
