// The citizen's leg of a callback attempt (issue 6, art. 13 of seeds/002) on the simulated switch,
// composed from the default configuration (callbacks.call, the IVR file's prompts), with the
// recording metadata in a real redis-server: reached (notice, then the bridge with the agent's
// leg, recording checksummed), every unanswered outcome, the agent gone, the citizen hanging up
// during the notice — and no leg of the citizen's left up. Every attempt that placed a call leaves
// one call-detail record (direction outbound), taken here at the outbox port.
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { composeCallbackCaller } from '../../../src/app/callback-call.js';
import { loadIvrConfig } from '../../../src/config/ivr.js';
import { ConfigError } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/schema.js';
import { RedisKeys } from '../../../src/adapters/redis/keys.js';
import { RedisCallStore } from '../../../src/adapters/redis/redis-call-store.js';
import { SimulatedSwitch } from '../../../src/adapters/simulated/simulated-switch.js';
import type { CallbackDialRequest } from '../../../src/core/ports/callbacks.js';
import type { SwitchEvent } from '../../../src/core/ports/switch.js';
import type { CallDetailRecord } from '../../../src/core/calls/call-record.js';
import type { SwitchCallbackCaller } from '../../../src/services/callback-call.js';
import { eventually, testConfig } from '../../helpers/gateway.js';
import { silentLogger } from '../../helpers/logger.js';
import { startRedis, type TestRedis } from '../../helpers/redis-server.js';

let redis: TestRedis;
let config: Config;
let sim: SimulatedSwitch;
let store: RedisCallStore;
let caller: SwitchCallbackCaller;
let events: SwitchEvent[];
/** The call-detail records the caller queued, by call id. */
const records = new Map<string, CallDetailRecord[]>();
const recordsOf = (callId: string) => records.get(callId) ?? [];

const file = (media: string): string => media.split('/').at(-1)!;

beforeAll(async () => {
  redis = await startRedis();
  config = testConfig({ HOTLINE_REDIS_URL: redis.url });
  config.telephony.recordingsDir = join(config.dataDir, 'recordings');
  // Prompts of 150 ms: long enough to hang up in the middle of one.
  sim = new SimulatedSwitch({ id: 'sim-cb', mediaDurationMs: () => 150, noAnswerAfterMs: 100 });
  events = [];
  sim.on((e) => events.push(e));
  store = new RedisCallStore(redis.client(), new RedisKeys(config.redis.keyPrefix), { factRetentionSeconds: 600 });
  const callRecords = {
    record: async (r: CallDetailRecord) => {
      records.set(r.callId, [...recordsOf(r.callId), r]);
    },
  };
  caller = composeCallbackCaller({ config, ivr: loadIvrConfig(config.telephony.ivrFile), switches: [sim], calls: store, callRecords, log: silentLogger() });
});
afterEach(async () => {
  // Nothing left up by any path: every leg still up belongs to a test's agent, ended here.
  const left = (await sim.liveCalls()).filter((c) => c.entry.kind !== 'agent-leg').map((c) => `${c.entry.kind} ${c.callId}`);
  for (const c of await sim.liveCalls()) await sim.hangup(c.callId);
  await caller.settled();
  expect(left, 'legs left up').toEqual([]);
});
afterAll(async () => {
  caller?.close();
  await redis?.stop();
});

/** The agent's leg, answered, as the desk brings it up before dialling the citizen. */
async function agentLeg(): Promise<string> {
  const r = await sim.originate({ endpoint: { kind: 'user', user: '2001' }, callerIdNumber: '12345', timeoutSec: 5, variables: { origination_uuid: randomUUID(), hotline_entry: 'agent-leg' } });
  expect(r.outcome).toBe('answered');
  return r.callId!;
}

function request(number: string, agentLegId: string, extra: Partial<CallbackDialRequest> = {}): CallbackDialRequest {
  return { callbackId: `cb-${randomUUID().slice(0, 8)}`, attempt: 1, number, callId: randomUUID(), agentLegId, switchId: 'sim-cb', agentId: 'a2001', ...extra };
}

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('callback call: the citizen leg on the simulated switch', () => {
  it('reached: dialled from 12345 through the trunk as the chosen leg id, recorded, the notice, then bridged with the agent', async () => {
    sim.endpoint('gateway:carrier/13812350001', { answer: 'answer', answerAfterMs: 30 });
    const agent = await agentLeg();
    const req = request('+8613812350001', agent, { attempt: 2 });
    const dialled = caller.dial(req);
    // During the notice the two are not yet talking.
    await eventually(
      () => sim.allCalls().some((c) => c.callId === req.callId) && sim.callState(req.callId).heard.length > 0,
      (x) => x,
      5000,
    );
    const citizen = sim.caller(req.callId);
    expect(citizen.hearing).toMatchObject({ kind: 'play' });
    expect(file(citizen.hearing!.media)).toBe('callbackNotice.wav');
    expect(citizen.bridgedWith).toBeUndefined();
    const result = await dialled;
    expect(result).toEqual({ outcome: 'reached', callId: req.callId, recordingId: req.callId });
    expect(citizen.bridgedWith).toBe(agent);
    expect(citizen.heard.map(file)).toEqual(['callbackNotice.wav']);
    const info = sim.allCalls().find((c) => c.callId === req.callId)!;
    expect(info).toMatchObject({ caller: '12345', dialled: 'gateway:carrier/13812350001', direction: 'outbound', entry: { kind: 'callback' } });
    // The notice came before the bridge: the bridge event follows the notice's end.
    expect(events.findIndex((e) => e.type === 'call.bridged' && e.callId === req.callId)).toBeGreaterThan(events.findIndex((e) => e.type === 'call.answered' && e.callId === req.callId));

    // The recording's metadata is there at once (the recordings API finds it) …
    const early = await store.recording(req.callId);
    expect(early).toMatchObject({ recordingId: req.callId, caller: '+8613812350001', agentId: 'a2001', entry: { kind: 'callback', context: { callbackId: req.callbackId, attempt: '2' } } });
    expect(early!.sha256).toBeUndefined();
    // … and complete with its checksum once the call ended.
    await new Promise((r) => setTimeout(r, 200));
    await sim.hangup(agent); // the agent ends the call: the citizen's bridged leg ends with it
    await citizen.ended;
    await sim.flush();
    await caller.settled();
    const rec = await store.recording(req.callId);
    expect(rec!.path).toBe(join(config.telephony.recordingsDir, rec!.startTime.slice(0, 10), `${req.callId}.wav`));
    expect(rec!.sha256).toBe(sha256(rec!.path));
    expect(rec!.bytes).toBe(readFileSync(rec!.path).length);
    expect(rec!.durationSec).toBeGreaterThan(0.2);
    expect(rec!.endTime).toBeDefined();
    expect(rec!.error).toBeUndefined();

    // One call-detail record of the attempt, once the call ended: outbound from 12345, answered
    // and connected with the agent, the recording in it.
    expect(recordsOf(req.callId)).toHaveLength(1);
    const cdr = recordsOf(req.callId)[0]!;
    expect(cdr).toMatchObject({
      callId: req.callId,
      switchId: 'sim-cb',
      direction: 'outbound',
      caller: '12345',
      dialled: '+8613812350001',
      citizenKey: 'tel:+8613812350001',
      entry: { kind: 'callback', context: { callbackId: req.callbackId, attempt: '2' } },
      disposition: 'answered',
      agentId: 'a2001',
      recording: { recordingId: req.callId, sha256: rec!.sha256 },
    });
    expect(cdr.reason).toBeUndefined();
    expect(Date.parse(cdr.arrivedTime)).toBeLessThanOrEqual(Date.parse(cdr.answeredTime!));
    expect(Date.parse(cdr.answeredTime!)).toBeLessThanOrEqual(Date.parse(cdr.connectedTime!));
    expect(Date.parse(cdr.connectedTime!)).toBeLessThanOrEqual(Date.parse(cdr.endTime));
    expect(cdr.durationSec).toBeGreaterThan(0.2);
    expect(cdr.facts.map((f) => f.type)).toEqual(['callback.dialled', 'callback.answered', 'callback.connected', 'callback.outcome']);
  });

  it.each([
    ['no-answer', 'no-answer', 'NO_ANSWER'],
    ['busy', 'busy', 'USER_BUSY'],
    ['invalid-number', 'invalid-number', 'UNALLOCATED_NUMBER'],
    ['reject', 'refused', 'CALL_REJECTED'],
  ] as const)('not answered (%s) → %s, no leg and no recording', async (behaviour, outcome, cause) => {
    const number = `1381235${String(behaviour.length).padStart(4, '0')}`;
    sim.endpoint(`gateway:carrier/${number}`, { answer: behaviour });
    const agent = await agentLeg();
    const req = request(`+86${number}`, agent);
    expect(await caller.dial(req)).toEqual({ outcome, cause });
    expect(sim.allCalls().some((c) => c.callId === req.callId)).toBe(false);
    expect(await store.recording(req.callId)).toBeUndefined();
    // The agent's leg is the desk's: still up, for it to release.
    expect(sim.caller(agent).state).toBe('answered');
    // The attempt is a call all the same: one record, not reached, saying why.
    expect(recordsOf(req.callId)).toEqual([
      expect.objectContaining({ direction: 'outbound', disposition: 'not-reached', reason: `${outcome}: ${cause}`, hangupCause: cause, dialled: `+86${number}` }),
    ]);
    expect(recordsOf(req.callId)[0]!.recording).toBeUndefined();
    expect(recordsOf(req.callId)[0]!.answeredTime).toBeUndefined();
  });

  it("the agent's leg gone during the notice: the citizen hears the apology and is hung up — failed, recording kept", async () => {
    sim.endpoint('gateway:carrier/13812350002', { answer: 'answer' });
    const agent = await agentLeg();
    const req = request('+8613812350002', agent);
    const dialled = caller.dial(req);
    await new Promise((r) => setTimeout(r, 80)); // the citizen answered (20 ms) and hears the notice
    expect(file(sim.caller(req.callId).hearing!.media)).toBe('callbackNotice.wav');
    await sim.hangup(agent);
    expect(await dialled).toEqual({ outcome: 'failed', cause: 'agent-gone', callId: req.callId, recordingId: req.callId });
    const citizen = sim.caller(req.callId);
    expect(citizen.state).toBe('ended');
    expect(citizen.heard.map(file)).toEqual(['callbackNotice.wav', 'callbackAgentGone.wav']);
    expect(citizen.bridgedWith).toBeUndefined();
    await sim.flush();
    await caller.settled();
    const rec = await store.recording(req.callId);
    expect(rec!.sha256).toBe(sha256(rec!.path));
    // Answered by the citizen, never connected with an agent: not reached, with the recording.
    expect(recordsOf(req.callId)).toHaveLength(1);
    const cdr = recordsOf(req.callId)[0]!;
    expect(cdr).toMatchObject({ disposition: 'not-reached', reason: 'failed: agent-gone', recording: { sha256: rec!.sha256 } });
    expect(cdr.answeredTime).toBeDefined();
    expect(cdr.connectedTime).toBeUndefined();
  });

  it("the agent's leg already gone before the dial (its hang-up never seen): the bridge fails, apology, hung up", async () => {
    sim.endpoint('gateway:carrier/13812350003', { answer: 'answer' });
    const agent = await agentLeg();
    await sim.hangup(agent);
    const req = request('+8613812350003', agent);
    const result = await caller.dial(req);
    expect(result).toMatchObject({ outcome: 'failed', callId: req.callId });
    const citizen = sim.caller(req.callId);
    expect(citizen.state).toBe('ended');
    expect(citizen.heard.map(file)).toEqual(['callbackNotice.wav', 'callbackAgentGone.wav']);
  });

  it("the agent hangs up while the citizen's phone rings: failed (agent-gone), not counted against the citizen", async () => {
    sim.endpoint('gateway:carrier/13812350004', { answer: 'answer', answerAfterMs: 200 });
    const agent = await agentLeg();
    const req = request('+8613812350004', agent);
    const dialled = caller.dial(req);
    await new Promise((r) => setTimeout(r, 50));
    await sim.hangup(agent);
    expect(await dialled).toMatchObject({ outcome: 'failed', cause: 'agent-gone' });
    expect(sim.caller(req.callId).state).toBe('ended');
  });

  it('the citizen hangs up during the notice: refused (they answered and heard who called); the agent stays up', async () => {
    sim.endpoint('gateway:carrier/13812350005', { answer: 'answer', script: [{ atMs: 60, hangup: true }] });
    const agent = await agentLeg();
    const req = request('+8613812350005', agent);
    expect(await caller.dial(req)).toEqual({ outcome: 'refused', cause: 'hung up during the notice', callId: req.callId, recordingId: req.callId });
    expect(sim.caller(req.callId).heard.map(file)).toEqual(['callbackNotice.wav']);
    expect(sim.caller(agent).state).toBe('answered');
    await sim.flush();
    await caller.settled();
    expect((await store.recording(req.callId))!.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a number that is not +86 E.164 is never dialled; an unknown switch fails', async () => {
    const agent = await agentLeg();
    const before = sim.allCalls().length;
    const unplaced = [request('13812350006', agent), request('+8613812350006', agent, { switchId: 'fs-nowhere' })];
    expect(await caller.dial(unplaced[0]!)).toMatchObject({ outcome: 'invalid-number' });
    expect(await caller.dial(unplaced[1]!)).toMatchObject({ outcome: 'failed', cause: 'no switch fs-nowhere' });
    expect(sim.allCalls().length).toBe(before);
    // No call was placed, so there is no call record either.
    await caller.settled();
    expect(unplaced.flatMap((r) => recordsOf(r.callId))).toEqual([]);
  });

  it('start-up refuses a prompt id missing from the IVR file, naming the key', () => {
    const broken = structuredClone(config);
    broken.callbacks.call.prompts.agentGone = 'noSuchPrompt';
    const deps = { config: broken, ivr: loadIvrConfig(config.telephony.ivrFile), switches: [sim], calls: store, callRecords: { record: async () => undefined }, log: silentLogger() };
    expect(() => composeCallbackCaller(deps)).toThrow(ConfigError);
    expect(() => composeCallbackCaller(deps)).toThrow(
      'callbacks.call.prompts.agentGone: no prompt noSuchPrompt',
    );
  });
});
