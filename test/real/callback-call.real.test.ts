// Opt-in: a callback attempt (issue 6, art. 13 of seeds/002) on a real FreeSWITCH through the
// adapter — the agent's leg (a SIPp UAS) originated and answered first, as the desk does, then the
// citizen's leg (another SIPp UAS) placed by SwitchCallbackCaller with `bgapi originate`: reached,
// bridged with the agent, recorded by FreeSWITCH, the file checksummed. With HOTLINE_FS_CONF_DIR
// the citizen is dialled the production way, through a sofia gateway (a trunk whose proxy is the
// citizen's SIPp), installed for the run and removed after it; without it, as a sofia/external URI.
// HOTLINE_FS_ESL=host:port, HOTLINE_FS_PASSWORD. Everything on 127.0.0.1. CI: skipped.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FreeSwitchSwitch } from '../../src/adapters/freeswitch/freeswitch-switch.js';
import { freePort } from '../../src/adapters/redis/embedded-redis.js';
import { renderCallWav } from '../../src/adapters/simulated/wav.js';
import type { CallDetailRecord, RecordingMetadata } from '../../src/core/calls/call-record.js';
import type { CallId, Endpoint } from '../../src/core/ports/switch.js';
import { trunkEndpoint } from '../../src/core/sip/numbers.js';
import { SwitchCallbackCaller } from '../../src/services/callback-call.js';
import { eventually } from '../helpers/gateway.js';
import { silentLogger } from '../helpers/logger.js';
import { installTrunk, removeTrunk } from './sipp.js';

const FS = process.env.HOTLINE_FS_ESL;
const PASSWORD = process.env.HOTLINE_FS_PASSWORD ?? 'ClueCon';
const CONF = process.env.HOTLINE_FS_CONF_DIR;
const GATEWAY = 'hotline-test-trunk';
const skipMessage = 'real-switch suite: set HOTLINE_FS_ESL=host:port (and HOTLINE_FS_PASSWORD, HOTLINE_FS_CONF_DIR) to run it against a FreeSWITCH';
if (!FS) process.stdout.write(`[skipped] ${skipMessage}\n`);

describe.skipIf(!FS)(`a callback attempt on a real FreeSWITCH (${skipMessage.replace('set ', 'needs ')})`, () => {
  let sw: FreeSwitchSwitch;
  let caller: SwitchCallbackCaller;
  const sipps: ChildProcess[] = [];
  const saved: RecordingMetadata[] = [];
  const records: CallDetailRecord[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'hg-cb-real-'));
  const ports = { agent: 0, citizen: 0 };
  let citizenEndpoint: (e164: string) => Endpoint;

  /** Apps that ran on a channel and completed (CHANNEL_EXECUTE_COMPLETE), in order. */
  const completed = new Map<CallId, string[]>();
  const api = (command: string): Promise<string> => sw.connection.bgapi(command, 10_000);
  const up = async (id: CallId): Promise<boolean> => (await api(`uuid_exists ${id}`)).trim() === 'true';

  /** The agent's leg (a SIPp UAS), answered, as the desk brings it up before the citizen is dialled. */
  async function agentLeg(): Promise<CallId> {
    const r = await sw.originate({
      endpoint: { kind: 'uri', uri: `agent@127.0.0.1:${ports.agent}` },
      callerIdNumber: '12345',
      timeoutSec: 10,
      variables: { origination_uuid: randomUUID(), hotline_entry: 'agent-leg' },
    });
    expect(r.outcome).toBe('answered');
    return r.callId!;
  }

  beforeAll(async () => {
    const [host, port] = FS!.split(':');
    sw = new FreeSwitchSwitch({ server: { host: host!, port: Number(port ?? 8021), password: PASSWORD }, log: silentLogger() });
    sw.connection.onEvent((e) => {
      if (e.name !== 'CHANNEL_EXECUTE_COMPLETE') return;
      const id = e.get('Unique-ID') ?? '';
      completed.set(id, [...(completed.get(id) ?? []), `${e.get('Application') ?? ''} ${e.get('Application-Data') ?? ''}`]);
    });
    sw.start();
    await eventually(
      () => sw.connection.connected,
      (c) => c,
      10_000,
    );
    for (const who of ['agent', 'citizen'] as const) {
      ports[who] = await freePort();
      sipps.push(spawn('sipp', ['-i', '127.0.0.1', '-nostdin', '-sn', 'uas', '-p', String(ports[who])], { stdio: 'ignore' }));
    }
    if (CONF) {
      // A trunk as production has one (no registration), whose proxy is the citizen's SIPp.
      await installTrunk(api, CONF, GATEWAY, ports.citizen);
      citizenEndpoint = (n) => trunkEndpoint(GATEWAY, n);
    } else {
      citizenEndpoint = (n) => ({ kind: 'uri', uri: `${n.replace('+86', '')}@127.0.0.1:${ports.citizen}` });
    }
    for (const id of ['callbackNotice', 'callbackAgentGone']) {
      writeFileSync(join(dir, `${id}.wav`), renderCallWav(1200, []));
    }
    caller = new SwitchCallbackCaller({
      switches: new Map([[sw.id, sw]]),
      endpoint: (n) => citizenEndpoint(n),
      callerIdNumber: '12345',
      ringTimeoutSec: 15,
      prompts: { notice: 'callbackNotice', agentGone: 'callbackAgentGone' },
      media: (id) => join(dir, `${id}.wav`),
      recordingsDir: join(dir, 'recordings'),
      calls: { saveRecording: async (m) => void saved.push(structuredClone(m)) },
      callRecords: { record: async (r) => void records.push(r) },
      log: silentLogger(),
    });
    await new Promise((r) => setTimeout(r, 500));
  }, 40_000);

  afterAll(async () => {
    caller?.close();
    for (const c of sw?.knownCalls() ?? []) await sw.hangup(c.callId).catch(() => undefined);
    if (CONF) await removeTrunk(api, CONF, GATEWAY).catch(() => undefined);
    await sw?.stop();
    for (const p of sipps) p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('the agent on the line, the citizen dialled from 12345 (bgapi originate), told, bridged with the agent and recorded', async () => {
    const agent = await agentLeg();
    const callId = randomUUID();
    const result = await caller.dial({ callbackId: 'cb-real-1', attempt: 1, number: '+8613812370001', callId, agentLegId: agent, switchId: sw.id, agentId: 'a2001' });
    expect(result).toEqual({ outcome: 'reached', callId, recordingId: callId });
    expect((await api(`uuid_getvar ${callId} bridge_uuid`)).trim()).toBe(agent);
    // The notice ran to its end on the citizen's leg before the bridge (which ended its park).
    expect(completed.get(callId)).toEqual([`playback ${join(dir, 'callbackNotice.wav')}`, 'park ']);
    expect((await api(`uuid_getvar ${callId} hotline_entry`)).trim()).toBe('callback');
    expect((await api(`uuid_getvar ${callId} origination_caller_id_number`)).trim()).toBe('12345');
    if (CONF) expect((await api(`uuid_getvar ${callId} sip_gateway_name`)).trim()).toBe(GATEWAY);

    await new Promise((r) => setTimeout(r, 1500)); // a moment of conversation on the recording
    await sw.hangup(agent); // the agent ends the call; the bridged citizen's leg ends with it
    await eventually(
      () => up(callId),
      (u) => !u,
      10_000,
    );
    await caller.settled();
    const rec = saved.filter((r) => r.callId === callId).at(-1)!;
    expect(rec.error).toBeUndefined();
    expect(existsSync(rec.path)).toBe(true);
    expect(statSync(rec.path).size).toBeGreaterThan(44);
    expect(rec.sha256).toBe(createHash('sha256').update(readFileSync(rec.path)).digest('hex'));
    expect(rec).toMatchObject({ caller: '+8613812370001', agentId: 'a2001', entry: { kind: 'callback', context: { callbackId: 'cb-real-1' } } });
    // The attempt's call-detail record, with the hang-up cause the real switch reported.
    const cdr = records.find((r) => r.callId === callId);
    expect(cdr).toMatchObject({ direction: 'outbound', disposition: 'answered', agentId: 'a2001', recording: { sha256: rec.sha256 } });
    expect(cdr!.hangupCause).toMatch(/^[A-Z_]+$/);
  }, 60_000);

  it("the agent hangs up during the notice: the citizen hears the apology and is hung up (failed, agent-gone)", async () => {
    const agent = await agentLeg();
    const callId = randomUUID();
    const dialled = caller.dial({ callbackId: 'cb-real-2', attempt: 1, number: '+8613812370002', callId, agentLegId: agent, switchId: sw.id });
    await eventually(
      () => up(callId),
      (u) => u,
      10_000,
    );
    await new Promise((r) => setTimeout(r, 500)); // into the 1.2 s notice
    await sw.hangup(agent);
    expect(await dialled).toEqual({ outcome: 'failed', cause: 'agent-gone', callId, recordingId: callId });
    expect(await up(callId)).toBe(false);
    // What the citizen heard (the leg's park also completes at the hang-up, whenever its event comes).
    expect(completed.get(callId)?.filter((a) => a.startsWith('playback ')).map((a) => a.split('/').at(-1))).toEqual(['callbackNotice.wav', 'callbackAgentGone.wav']);
    const rec = await eventually(
      () => saved.filter((r) => r.callId === callId).at(-1),
      (r) => r?.sha256 !== undefined || r?.error !== undefined,
      15_000,
    );
    expect(rec!.sha256).toBe(createHash('sha256').update(readFileSync(rec!.path)).digest('hex'));
  }, 60_000);
});
