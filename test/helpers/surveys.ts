import { join } from 'node:path';
import type { Config } from '../../src/config/schema.js';
import type { Clock } from '../../src/core/ports/surveys.js';
import { startGateway, type RunningGateway } from '../../src/app/gateway.js';
import type { SimulatedSwitch } from '../../src/adapters/simulated/simulated-switch.js';
import { silentLogger } from './logger.js';
import { eventually, readJsonLines, testConfig } from './gateway.js';

/**
 * A clock that reads `localTime` (RFC 3339 with offset) now and runs on at real speed from there;
 * `set` moves it to another time (tests set it just before the step that depends on it).
 */
export function clockAt(localTime: string): Clock & { offsetMs: number; set(localTime: string): void } {
  const clock = {
    offsetMs: Date.parse(localTime) - Date.now(),
    now: () => Date.now() + clock.offsetMs,
    set(t: string) {
      clock.offsetMs = Date.parse(t) - Date.now();
    },
  };
  return clock;
}

export interface SurveyResultLine {
  storedTime: string;
  result: Record<string, unknown> & { workOrderId: string; outcome: string; attemptLog?: Record<string, unknown>[] };
}

export function surveyLines(config: Config): SurveyResultLine[] {
  return readJsonLines<SurveyResultLine>(config.devCore.surveysFile);
}

/** Waits for the dev core to hold this work order's result and returns it. */
export async function resultOf(config: Config, workOrderId: string, timeoutMs = 20_000): Promise<SurveyResultLine['result']> {
  const lines = await eventually(
    () => surveyLines(config).filter((l) => l.result.workOrderId === workOrderId),
    (l) => l.length > 0,
    timeoutMs,
  );
  return lines[0]!.result;
}

/** Waits for the dev core to hold the call-detail records of a work order's survey calls, in dial order. */
export async function surveyCallRecords(config: Config, workOrderId: string, count = 1, timeoutMs = 10_000): Promise<Record<string, unknown>[]> {
  const mine = () =>
    readJsonLines<{ record: Record<string, unknown> & { entry: { kind: string; context?: Record<string, string> } } }>(config.devCore.callsFile)
      .map((l) => l.record)
      .filter((r) => r.entry.kind === 'survey' && r.entry.context?.workOrderId === workOrderId);
  return eventually(mine, (rs) => rs.length >= count, timeoutMs);
}

/**
 * A composed gateway (in-process dev core, simulated switch, its own Redis prefix) with survey
 * timings compressed: short prompts and key timeouts, retries after 300 ms.
 */
export async function startSurveyGateway(
  redisUrl: string,
  clock: Clock,
  tweak: (c: Config) => void = () => undefined,
  env: Record<string, string> = {},
): Promise<{ gw: RunningGateway; config: Config; sim: SimulatedSwitch }> {
  const config = testConfig({ HOTLINE_REDIS_URL: redisUrl, ...env });
  config.devCore.callsFile = join(config.dataDir, 'dev-core', 'calls.jsonl');
  config.devCore.surveysFile = join(config.dataDir, 'dev-core', 'surveys.jsonl');
  config.telephony.recordingsDir = join(config.dataDir, 'recordings');
  config.telephony.simulated.defaultPromptMs = 100;
  config.surveys.retry = { maxAttempts: 2, firstDelayMs: 300, factor: 1, maxDelayMs: 300 };
  config.surveys.call.keyTimeoutMs = 400;
  config.surveys.call.reason.maxSeconds = 2;
  tweak(config);
  const gw = await startGateway(config, silentLogger(), { clock });
  if (gw.telephony.mode !== 'simulated') throw new Error('expected simulated telephony');
  return { gw, config, sim: gw.telephony.simulated };
}

/** The survey calls the simulated switch placed to this number (newest last). */
export function surveyCallsTo(sim: SimulatedSwitch, number: string) {
  return sim.allCalls().filter((c) => c.entry.kind === 'survey' && c.dialled === `gateway:carrier/${number}`);
}
