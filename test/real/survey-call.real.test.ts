// Opt-in: follow-up survey calls (回访, issue 6, art. 16 of seeds/002) on a real FreeSWITCH through
// the adapter. The citizen is a SIPp UAS reached the production way, through a sofia gateway (a
// trunk whose proxy is the SIPp, installed for the run and removed after it): it answers, then
// presses keys as SIP INFO (application/dtmf-relay), which FreeSWITCH hands to play_and_get_digits.
// Checked: the rating key, the dissatisfied citizen's reason clip ended by '#', the whole call
// recorded by FreeSWITCH beside it (art. 17) and checksummed, the call-detail record with the real
// hang-up cause. HOTLINE_FS_ESL=host:port, HOTLINE_FS_PASSWORD, HOTLINE_FS_CONF_DIR (for the
// trunk). Everything on 127.0.0.1. CI: skipped.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FreeSwitchSwitch } from '../../src/adapters/freeswitch/freeswitch-switch.js';
import { freePort } from '../../src/adapters/redis/embedded-redis.js';
import { renderCallWav } from '../../src/adapters/simulated/wav.js';
import type { CallDetailRecord, RecordingMetadata } from '../../src/core/calls/call-record.js';
import type { Rating, SurveyRequest } from '../../src/core/surveys/survey.js';
import { SwitchSurveyCaller } from '../../src/services/survey-call.js';
import { eventually } from '../helpers/gateway.js';
import { silentLogger } from '../helpers/logger.js';
import { installTrunk, removeTrunk, SIPP_SDP } from './sipp.js';

const FS = process.env.HOTLINE_FS_ESL;
const PASSWORD = process.env.HOTLINE_FS_PASSWORD ?? 'ClueCon';
const CONF = process.env.HOTLINE_FS_CONF_DIR;
const GATEWAY = 'hotline-test-survey-trunk';
const skipMessage = 'real-switch suite: set HOTLINE_FS_ESL=host:port, HOTLINE_FS_PASSWORD and HOTLINE_FS_CONF_DIR to run it against a FreeSWITCH';
if (!FS || !CONF) process.stdout.write(`[skipped] ${skipMessage}\n`);

/** A key as SIP INFO in the dialog the UAS answered (From: our side with our tag; To: FreeSWITCH's). */
const info = (cseq: number, key: string) => `  <send>
    <![CDATA[
      INFO [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:citizen@[local_ip]:[local_port]>;tag=[pid]SIPpTag01[call_number]
      To: [$remote_from]
      Call-ID: [call_id]
      CSeq: ${cseq} INFO
      Contact: <sip:citizen@[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/dtmf-relay
      Content-Length: [len]

      Signal=${key}
      Duration=160
    ]]>
  </send>
  <recv response="200"/>
`;

/** A response to the INVITE, in its dialog (our tag on To). */
const answer = (status: string, body?: string) => `  <send${body ? ' retrans="500"' : ''}>
    <![CDATA[
      SIP/2.0 ${status}
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:citizen@[local_ip]:[local_port];transport=[transport]>
${body ? `      Content-Type: application/sdp\n      Content-Length: [len]\n${body}` : '      Content-Length: 0'}
    ]]>
  </send>
`;

/** The citizen's phone: answers, waits, presses `keys` (each after its pause), then waits for FreeSWITCH's BYE. */
function citizenScenario(presses: { afterMs: number; key: string }[]): string {
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="survey citizen">
  <recv request="INVITE" rrs="true">
    <action><ereg regexp=".*" search_in="hdr" header="From:" assign_to="remote_from"/></action>
  </recv>
${answer('180 Ringing')}${answer('200 OK', SIPP_SDP)}  <recv request="ACK"/>
${presses.map((p, i) => `  <pause milliseconds="${p.afterMs}"/>\n${info(i + 1, p.key)}`).join('')}  <recv request="BYE"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
    ]]>
  </send>
</scenario>
`;
}

describe.skipIf(!FS || !CONF)(`survey calls on a real FreeSWITCH (${skipMessage.replace('set ', 'needs ')})`, () => {
  let sw: FreeSwitchSwitch;
  let caller: SwitchSurveyCaller;
  const sipps: ChildProcess[] = [];
  const saved: RecordingMetadata[] = [];
  const records: CallDetailRecord[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'hg-survey-real-'));
  const api = (command: string): Promise<string> => sw.connection.bgapi(command, 10_000);

  /** Installs the trunk to a fresh SIPp citizen running `presses`. */
  async function citizen(presses: { afterMs: number; key: string }[]): Promise<void> {
    for (const p of sipps.splice(0)) p.kill('SIGKILL');
    const port = await freePort();
    const scenario = join(dir, `citizen-${port}.xml`);
    writeFileSync(scenario, citizenScenario(presses));
    sipps.push(spawn('sipp', ['-i', '127.0.0.1', '-nostdin', '-sf', scenario, '-p', String(port), '-m', '1'], { stdio: 'ignore' }));
    await installTrunk(api, CONF!, GATEWAY, port);
    await new Promise((r) => setTimeout(r, 300));
  }

  const request = (workOrderId: string, phone: string): SurveyRequest => ({
    workOrderId,
    phone,
    deadline: Date.now() + 3600_000,
    channelPreference: 'phone-only',
    confidential: false,
    requestedAt: Date.now(),
  });

  beforeAll(async () => {
    const [host, port] = FS!.split(':');
    sw = new FreeSwitchSwitch({ server: { host: host!, port: Number(port ?? 8021), password: PASSWORD }, log: silentLogger() });
    sw.start();
    await eventually(
      () => sw.connection.connected,
      (c) => c,
      10_000,
    );
    for (const id of ['surveyQuestion', 'surveyInvalid', 'surveyReason', 'surveyThanks']) writeFileSync(join(dir, `${id}.wav`), renderCallWav(1500, []));
    caller = new SwitchSurveyCaller({
      switch: sw,
      gateway: GATEWAY,
      callerIdNumber: '12345',
      ringTimeoutSec: 15,
      keyTimeoutMs: 4000,
      keys: { '1': 'very-satisfied', '2': 'satisfied', '3': 'dissatisfied' },
      reason: { record: true, maxSeconds: 10 },
      prompts: { question: 'surveyQuestion', invalid: 'surveyInvalid', reason: 'surveyReason', thanks: 'surveyThanks' },
      media: (id) => join(dir, `${id}.wav`),
      recordingsDir: join(dir, 'recordings'),
      calls: { saveRecording: async (m) => void saved.push(structuredClone(m)) },
      callRecords: { record: async (r) => void records.push(r) },
      log: silentLogger(),
    });
  }, 40_000);

  afterAll(async () => {
    caller?.close();
    for (const c of sw?.knownCalls() ?? []) await sw.hangup(c.callId).catch(() => undefined);
    if (sw) await removeTrunk(api, CONF!, GATEWAY).catch(() => undefined);
    await sw?.stop();
    for (const p of sipps) p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  /** The whole call's recording, as saved after the call: present, checksummed, of the call. */
  function wholeRecording(callId: string): RecordingMetadata {
    const rec = saved.filter((r) => r.callId === callId).at(-1)!;
    expect(rec.error).toBeUndefined();
    expect(rec.sha256).toBe(createHash('sha256').update(readFileSync(rec.path)).digest('hex'));
    expect(rec.bytes).toBeGreaterThan(44);
    return rec;
  }

  it('from 12345 through the trunk: the question, the key (SIP INFO), thanks; the whole call recorded; its record', async () => {
    await citizen([{ afterMs: 800, key: '2' }]);
    const rated: Rating[] = [];
    const outcome = await caller.call(request('WO-REAL-1', '+8613812370011'), 1, async (r) => void rated.push(r));
    expect(outcome).toMatchObject({ outcome: 'answered-rated', rating: 'satisfied' });
    expect(rated).toEqual(['satisfied']);
    const rec = wholeRecording(outcome.callId!);
    expect(rec).toMatchObject({ caller: '+8613812370011', entry: { kind: 'survey', context: { workOrderId: 'WO-REAL-1', attempt: '1' } } });
    const cdr = await eventually(
      async () => records.find((r) => r.callId === outcome.callId),
      (r) => !!r,
      10_000,
    );
    expect(cdr).toMatchObject({ direction: 'outbound', caller: '12345', dialled: '+8613812370011', disposition: 'ended-in-ivr', reason: 'answered-rated', recording: { sha256: rec.sha256 } });
    expect(cdr!.hangupCause).toMatch(/^[A-Z_]+$/);
  }, 60_000);

  it("dissatisfied: the reason prompt, the citizen's words until '#' in their own clip, beside the whole call's recording", async () => {
    await citizen([
      { afterMs: 800, key: '3' },
      { afterMs: 3500, key: '#' },
    ]);
    const outcome = await caller.call(request('WO-REAL-2', '+8613812370012'), 1, async () => undefined);
    expect(outcome).toMatchObject({ outcome: 'answered-rated', rating: 'dissatisfied' });
    const reason = outcome.reasonRecording!;
    expect(reason.sha256).toBe(createHash('sha256').update(readFileSync(reason.path)).digest('hex'));
    // Ended by '#' (about 2 s after the 1.5 s prompt), not by the 10 s limit.
    expect(reason.durationSec).toBeLessThan(8);
    const rec = wholeRecording(outcome.callId!);
    expect(rec.path).not.toBe(reason.path);
    expect(rec.sha256).not.toBe(reason.sha256);
  }, 60_000);
});
