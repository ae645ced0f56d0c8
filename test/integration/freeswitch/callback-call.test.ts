// The citizen's leg of a callback attempt (issue 6) through the FreeSWITCH adapter on the ESL
// double: `bgapi originate` carrying the chosen origination_uuid, caller id 12345, the callback's
// channel variables and the trunk's dial string; uuid_record on the answer; the notice played
// (sendmsg execute) before `uuid_bridge` with the agent's leg; the unanswered causes mapped; the
// apology and uuid_kill when the agent's leg is gone.
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FreeSwitchSwitch } from '../../../src/adapters/freeswitch/freeswitch-switch.js';
import type { CallDetailRecord, RecordingMetadata } from '../../../src/core/calls/call-record.js';
import type { CallbackDialRequest } from '../../../src/core/ports/callbacks.js';
import type { CallId, SwitchEvent } from '../../../src/core/ports/switch.js';
import { trunkEndpoint } from '../../../src/core/sip/numbers.js';
import { SwitchCallbackCaller } from '../../../src/services/callback-call.js';
import { EslDouble } from '../../doubles/esl-double.js';
import { silentLogger } from '../../helpers/logger.js';

const CAUSES: Record<string, string> = { '13812360002': 'USER_BUSY', '13812360003': 'NO_ANSWER', '13812360004': 'UNALLOCATED_NUMBER', '13812360005': 'CALL_REJECTED' };

describe('callback call through the FreeSWITCH adapter on the ESL double', () => {
  let fs: EslDouble;
  let sw: FreeSwitchSwitch;
  let caller: SwitchCallbackCaller;
  let events: SwitchEvent[];
  let saved: RecordingMetadata[];
  let records: CallDetailRecord[];

  const until = async (what: string, ok: () => boolean, timeoutMs = 3000): Promise<void> => {
    const end = Date.now() + timeoutMs;
    while (!ok()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  async function agentLeg(): Promise<CallId> {
    const r = await sw.originate({ endpoint: { kind: 'user', user: '1001' }, callerIdNumber: '12345', timeoutSec: 20, variables: { origination_uuid: randomUUID(), hotline_entry: 'agent-leg' } });
    expect(r.outcome).toBe('answered');
    return r.callId!;
  }
  const request = (number: string, agentLegId: CallId): CallbackDialRequest => ({
    callbackId: 'cb-01KCALLBACK',
    attempt: 1,
    number,
    callId: randomUUID(),
    agentLegId,
    switchId: sw.id,
  });

  beforeEach(async () => {
    fs = new EslDouble({ mediaMs: 20, writeRecordings: true, originate: (dial) => CAUSES[dial.split('/').pop()!] ?? 'answer' });
    const port = await fs.listen();
    sw = new FreeSwitchSwitch({ server: { host: '127.0.0.1', port, password: 'ClueCon' }, log: silentLogger() });
    events = [];
    saved = [];
    records = [];
    sw.on((e) => events.push(e));
    sw.start();
    await until('the connection', () => sw.connection.connected);
    caller = new SwitchCallbackCaller({
      switches: new Map([[sw.id, sw]]),
      endpoint: (n) => trunkEndpoint('carrier', n),
      callerIdNumber: '12345',
      ringTimeoutSec: 25,
      prompts: { notice: 'callbackNotice', agentGone: 'callbackAgentGone' },
      media: (id) => `/prompts/${id}.wav`,
      recordingsDir: mkdtempSync(join(tmpdir(), 'hg-cb-fs-')),
      calls: { saveRecording: async (m) => void saved.push(structuredClone(m)) },
      callRecords: { record: async (r) => void records.push(r) },
      recordingWaitMs: 2000,
      log: silentLogger(),
    });
  });

  afterEach(async () => {
    caller.close();
    await sw.stop();
    await fs.close();
  });

  it('bgapi originate with origination_uuid, caller id 12345 and the trunk dial string; recorded, the notice, then uuid_bridge with the agent', async () => {
    const agent = await agentLeg();
    const req = request('+8613812360001', agent);
    const result = await caller.dial(req);
    expect(result).toEqual({ outcome: 'reached', callId: req.callId, recordingId: req.callId });

    const originate = fs.received.find((l) => l.startsWith('bgapi originate') && l.includes(req.callId))!;
    expect(originate).toMatch(/\}sofia\/gateway\/carrier\/13812360001 &park\(\)$/);
    const vars = Object.fromEntries(/\{([^}]*)\}/.exec(originate)![1]!.split(',').map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
    expect(vars).toMatchObject({
      origination_uuid: req.callId,
      origination_caller_id_number: '12345',
      originate_timeout: '25',
      hotline_entry: 'callback',
      hotline_context: 'callbackId=cb-01KCALLBACK&attempt=1',
    });
    // In order on the citizen's leg: recording, the notice (an app), then the bridge.
    const at = (prefix: string): number => fs.received.findIndex((l) => l.startsWith(prefix));
    expect(at(`bgapi uuid_record ${req.callId} start`)).toBeGreaterThan(fs.received.indexOf(originate));
    expect(at(`sendmsg ${req.callId}`)).toBeGreaterThan(at(`bgapi uuid_record ${req.callId} start`));
    expect(at(`bgapi uuid_bridge ${req.callId} ${agent}`)).toBeGreaterThan(at(`sendmsg ${req.callId}`));
    expect(fs.channels.get(req.callId)!.bridgedWith).toBe(agent);
    expect(sw.knownCalls().find((c) => c.callId === req.callId)?.entry).toMatchObject({ kind: 'callback', context: { callbackId: 'cb-01KCALLBACK', attempt: '1' } });

    // The call ends; the file FreeSWITCH wrote is checksummed into the metadata.
    await sw.hangup(req.callId);
    await caller.settled();
    const last = saved.at(-1)!;
    expect(last).toMatchObject({ recordingId: req.callId, caller: '+8613812360001', entry: { kind: 'callback' } });
    expect(last.sha256).toBe(createHash('sha256').update(readFileSync(last.path)).digest('hex'));
    // The attempt's call-detail record: the cause from FreeSWITCH's CHANNEL_HANGUP_COMPLETE.
    expect(records).toEqual([expect.objectContaining({ callId: req.callId, switchId: sw.id, direction: 'outbound', disposition: 'answered', hangupCause: 'NORMAL_CLEARING', recording: expect.objectContaining({ sha256: last.sha256 }) })]);
    expect(records[0]!.connectedTime).toBeDefined();
  });

  it('the adapter takes a requested origination_uuid only when it is a new UUID (it goes into the command line)', async () => {
    const agent = await agentLeg();
    for (const bad of ['not-a-uuid', `${randomUUID()},origination_caller_id_number=110`, agent]) {
      await expect(sw.originate({ endpoint: { kind: 'user', user: '1002' }, callerIdNumber: '12345', timeoutSec: 5, variables: { origination_uuid: bad } })).rejects.toMatchObject({ code: 'COMMAND_FAILED' });
    }
    expect(fs.received.filter((l) => l.startsWith('bgapi originate'))).toHaveLength(1); // the agent's only
  });

  it.each([
    ['13812360002', 'busy', 'USER_BUSY'],
    ['13812360003', 'no-answer', 'NO_ANSWER'],
    ['13812360004', 'invalid-number', 'UNALLOCATED_NUMBER'],
    ['13812360005', 'refused', 'CALL_REJECTED'],
  ])('%s: hang-up cause mapped to %s; no leg left', async (number, outcome, cause) => {
    const agent = await agentLeg();
    const req = request(`+86${number}`, agent);
    expect(await caller.dial(req)).toEqual({ outcome, cause });
    expect(fs.channels.has(req.callId)).toBe(false);
    expect(fs.channels.has(agent)).toBe(true);
    expect(saved).toEqual([]);
  });

  it('the citizen hangs up during the notice: refused, no bridge attempted, the agent left up', async () => {
    fs.mediaMs = 150;
    const agent = await agentLeg();
    const req = request('+8613812360007', agent);
    const dialled = caller.dial(req);
    await until('the notice', () => fs.channels.get(req.callId)?.running?.arg === '/prompts/callbackNotice.wav');
    fs.hangup(req.callId, 'NORMAL_CLEARING');
    expect(await dialled).toEqual({ outcome: 'refused', cause: 'hung up during the notice', callId: req.callId, recordingId: req.callId });
    expect(fs.received.some((l) => l.startsWith(`bgapi uuid_bridge ${req.callId}`))).toBe(false);
    expect(fs.channels.has(agent)).toBe(true);
  });

  it("the agent's leg gone during the notice: the apology, then uuid_kill of the citizen's leg", async () => {
    fs.mediaMs = 150;
    const agent = await agentLeg();
    const req = request('+8613812360006', agent);
    const dialled = caller.dial(req);
    await until('the notice', () => fs.channels.get(req.callId)?.running?.arg === '/prompts/callbackNotice.wav');
    await sw.hangup(agent);
    expect(await dialled).toEqual({ outcome: 'failed', cause: 'agent-gone', callId: req.callId, recordingId: req.callId });
    expect(fs.received.some((l) => l.startsWith(`bgapi uuid_bridge ${req.callId}`))).toBe(false);
    expect(fs.received.filter((l) => l === `sendmsg ${req.callId}`)).toHaveLength(2); // notice, apology
    await until('the citizen hung up', () => !fs.channels.has(req.callId));
    expect(fs.received).toContain(`bgapi uuid_kill ${req.callId} NORMAL_CLEARING`);
  });
});
