import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/adapters/redis/embedded-redis.js';
import type { RunningGateway } from '../../../src/app/gateway.js';
import type { Config } from '../../../src/config/schema.js';
import { DevCore } from '../../../src/dev-core/dev-core.js';
import { ControlClient } from '../../../src/dev-core/control-client.js';
import type { SimulatedSwitch } from '../../../src/adapters/simulated/simulated-switch.js';
import { silentLogger } from '../../helpers/logger.js';
import { startRedis, type TestRedis } from '../../helpers/redis-server.js';
import { clockAt, resultOf, startSurveyGateway, surveyCallsTo, surveyLines } from '../../helpers/surveys.js';

let redis: TestRedis;
let gw: RunningGateway;
let config: Config;
let sim: SimulatedSwitch;
let core: DevCore | undefined;
let corePort: number;
const TOKEN = 'control-token-core-down-test';

const newCore = () => new DevCore({ intakesFile: config.devCore.file, surveysFile: config.devCore.surveysFile, log: silentLogger() });

beforeAll(async () => {
  redis = await startRedis();
  corePort = await freePort();
  // An external core (HOTLINE_CORE_ADDRESS) that is down when the result is ready.
  ({ gw, config, sim } = await startSurveyGateway(redis.url, clockAt('2026-11-23T11:00:00+08:00'), (c) => {
    c.devCore.surveysFile = join(c.dataDir, 'external-core', 'surveys.jsonl');
    c.devCore.file = join(c.dataDir, 'external-core', 'intakes.jsonl');
  }, { HOTLINE_CORE_ADDRESS: `127.0.0.1:${corePort}`, HOTLINE_CONTROL_TOKEN: TOKEN }));
});
afterAll(async () => {
  await gw?.stop();
  await core?.stop();
  await redis?.stop();
});

describe('survey results while the core is down', () => {
  it('are kept and delivered once when it comes back', async () => {
    sim.endpoint('gateway:carrier/13812343001', { answer: 'answer', script: [{ atMs: 60, press: '1' }] });
    const control = new ControlClient({ address: gw.surveys.control!.address.replace('0.0.0.0', '127.0.0.1'), token: TOKEN });
    expect(await control.requestSurvey({ workOrderId: 'WO-CORE-DOWN', phone: '13812343001' })).toBe('accepted');
    control.close();
    // The call happens and is rated with no core to tell.
    await (async () => {
      for (let i = 0; i < 200 && surveyCallsTo(sim, '13812343001').every((c) => sim.caller(c.callId).state !== 'ended'); i++) await new Promise((r) => setTimeout(r, 25));
    })();
    await new Promise((r) => setTimeout(r, 1500));
    expect(surveyLines(config)).toHaveLength(0);
    core = newCore();
    await core.start('127.0.0.1', corePort);
    const result = await resultOf(config, 'WO-CORE-DOWN', 30_000);
    expect(result).toMatchObject({ outcome: 'OUTCOME_RATED', rating: 'RATING_VERY_SATISFIED' });
    await new Promise((r) => setTimeout(r, 1000));
    expect(surveyLines(config)).toHaveLength(1);
  });
});
