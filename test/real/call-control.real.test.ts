// Opt-in: the agent desk's call control (issue 5) on a real FreeSWITCH, through the adapter, with
// SIPp legs for the caller (a UAC calling 12345, parked by our dialplan), the agent and the expert
// (UASs reached by originate … &park()), and a sub-centre line (a UAS reached by a blind
// transfer). HOTLINE_FS_ESL=host:port, HOTLINE_FS_PASSWORD; HOTLINE_FS_CONF_DIR to install our
// dialplan. Everything on 127.0.0.1. CI has no FreeSWITCH: there the suite is skipped.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FreeSwitchSwitch } from '../../src/adapters/freeswitch/freeswitch-switch.js';
import { freePort } from '../../src/adapters/redis/embedded-redis.js';
import type { CallId, SwitchEvent } from '../../src/core/ports/switch.js';
import { eventually } from '../helpers/gateway.js';
import { silentLogger } from '../helpers/logger.js';
import { SIPP_SDP } from './sipp.js';

const FS = process.env.HOTLINE_FS_ESL;
const PASSWORD = process.env.HOTLINE_FS_PASSWORD ?? 'ClueCon';
const SIP = process.env.HOTLINE_FS_SIP ?? '127.0.0.1:5090';
const skipMessage =
  'real-switch suite: set HOTLINE_FS_ESL=host:port (and HOTLINE_FS_PASSWORD, HOTLINE_FS_SIP) to run it against a FreeSWITCH';
if (!FS) process.stdout.write(`[skipped] ${skipMessage}\n`);

describe.skipIf(!FS)(`call control on a real FreeSWITCH (${skipMessage.replace('set ', 'needs ')})`, () => {
  let sw: FreeSwitchSwitch;
  let events: SwitchEvent[];
  const sipps: ChildProcess[] = [];
  const ports: Record<'agent' | 'expert' | 'subcentre' | 'nobody', number> = {
    agent: 0,
    expert: 0,
    subcentre: 0,
    nobody: 0,
  };

  const sipp = (args: string[]): ChildProcess => {
    const p = spawn('sipp', ['-i', '127.0.0.1', '-nostdin', ...args], { stdio: 'ignore' });
    sipps.push(p);
    return p;
  };
  const saw = (type: SwitchEvent['type'], callId: CallId): boolean =>
    events.some((e) => e.type === type && 'callId' in e && e.callId === callId);
  const api = async (command: string): Promise<string> => sw.connection.bgapi(command, 10_000);
  /** FreeSWITCH's core, not its channel database (show channels lags behind new and transferred legs). */
  const up = async (...ids: CallId[]): Promise<boolean> => {
    for (const id of ids) if ((await api(`uuid_exists ${id}`)).trim() !== 'true') return false;
    return true;
  };
  /** Members of a conference as FreeSWITCH lists them (one line each). */
  const members = async (conference: string): Promise<number> =>
    (await api(`conference ${conference} list`)).split('\n').filter((l) => l.includes(';')).length;
  /** FreeSWITCH says the two legs are bridged with each other. */
  const bridgedWith = (a: CallId, b: CallId): Promise<boolean> =>
    eventually(
      async () => (await api(`uuid_getvar ${a} bridge_uuid`)) === b,
      (x) => x,
      5000,
    );
  const seen = (type: SwitchEvent['type'], callId: CallId): Promise<boolean> =>
    eventually(
      () => saw(type, callId),
      (x) => x,
      5000,
    );
  /** Apps that ran on a channel and completed (CHANNEL_EXECUTE_COMPLETE), in order. */
  const completed = new Map<CallId, string[]>();

  /** A SIPp caller dials 12345; our dialplan parks it; the adapter reports it; answered. */
  async function caller(): Promise<CallId> {
    const before = new Set(events.flatMap((e) => (e.type === 'call.arrived' ? [e.call.callId] : [])));
    sipp(['-sn', 'uac', '-s', '12345', '-m', '1', '-d', '60000', '-p', String(await freePort()), SIP]);
    const arrived = await eventually(
      () => events.find((e) => e.type === 'call.arrived' && !before.has(e.call.callId)),
      (e) => e !== undefined,
      10_000,
    );
    const id = (arrived as Extract<SwitchEvent, { type: 'call.arrived' }>).call.callId;
    await sw.answer(id);
    return id;
  }

  /**
   * A SIPp caller that offers RFC 2833 telephone-events and, once answered, plays SIPp's own
   * recording of the key `digit` sent as RTP events (pcap/dtmf_2833_<digit>.pcap), then hangs up.
   */
  function dtmfCallerScenario(digit: string): string {
    const file = join(mkdtempSync(join(tmpdir(), 'hg-dtmf-')), 'uac-dtmf.xml');
    const headers = (method: string, cseq: string): string => `
      ${method} sip:12345@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:13800138000@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:12345@[remote_ip]:[remote_port]>${method === 'INVITE' ? '' : '[peer_tag_param]'}
      Call-ID: [call_id]
      CSeq: ${cseq}
      Contact: <sip:13800138000@[local_ip]:[local_port]>
      Max-Forwards: 70`;
    writeFileSync(
      file,
      `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="hotline-dtmf-caller">
  <send retrans="500"><![CDATA[${headers('INVITE', '1 INVITE')}
      Content-Type: application/sdp
      Content-Length: [len]
${SIPP_SDP}
  ]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true"/>
  <send><![CDATA[${headers('ACK', '1 ACK')}
      Content-Length: 0
  ]]></send>
  <pause milliseconds="2500"/>
  <nop><action><exec play_pcap_audio="/usr/share/sip-tester/dtmf_2833_${digit}.pcap"/></action></nop>
  <pause milliseconds="4000"/>
  <send retrans="500"><![CDATA[${headers('BYE', '2 BYE')}
      Content-Length: 0
  ]]></send>
  <recv response="200" crlf="true"/>
</scenario>`,
    );
    return file;
  }

  async function leg(who: 'agent' | 'expert'): Promise<CallId> {
    const r = await sw.originate({
      endpoint: { kind: 'uri', uri: `${who}@127.0.0.1:${ports[who]}` },
      callerIdNumber: '12345',
      timeoutSec: 10,
      variables: { hotline_entry: who === 'agent' ? 'agent-leg' : 'other' },
    });
    expect(r.outcome).toBe('answered');
    return r.callId!;
  }

  beforeAll(async () => {
    const [host, port] = FS!.split(':');
    if (process.env.HOTLINE_FS_CONF_DIR) {
      copyFileSync(
        new URL('../../dialplans/public/00_hotline_12345.xml', import.meta.url),
        `${process.env.HOTLINE_FS_CONF_DIR}/dialplan/public/00_hotline_12345.xml`,
      );
    }
    sw = new FreeSwitchSwitch({
      server: { host: host!, port: Number(port ?? 8021), password: PASSWORD },
      log: silentLogger(),
    });
    events = [];
    sw.on((e) => events.push(e));
    sw.connection.onEvent((e) => {
      if (e.name !== 'CHANNEL_EXECUTE_COMPLETE') return;
      const id = e.get('Unique-ID') ?? '';
      completed.set(id, [...(completed.get(id) ?? []), e.get('Application') ?? '']);
    });
    sw.start();
    await eventually(
      () => sw.connection.connected,
      (up) => up,
      10_000,
    );
    if (process.env.HOTLINE_FS_CONF_DIR) await api('reloadxml');
    for (const who of ['agent', 'expert', 'subcentre'] as const) {
      ports[who] = await freePort();
      sipp(['-sn', 'uas', '-p', String(ports[who])]);
    }
    ports.nobody = await freePort(); // nothing listens there
    await new Promise((r) => setTimeout(r, 500));
  }, 30_000);

  afterEach(async () => {
    // Leave nothing behind on the switch for the next test.
    for (const c of sw.knownCalls()) await sw.hangup(c.callId).catch(() => undefined);
  });

  afterAll(async () => {
    await sw?.stop();
    for (const p of sipps) p.kill('SIGKILL');
  });

  it('attended transfer: caller bridged with the agent, held with music, expert consulted, then caller ↔ expert and the agent hangs up', async () => {
    const c = await caller();
    const a = await leg('agent');
    await sw.bridge(c, a);
    await seen('call.bridged', c);
    expect(await api(`uuid_getvar ${c} bridge_uuid`)).toBe(a);

    await sw.hold(c, 'tone_stream://%(400,200,440,480);loops=-1');
    await seen('call.unbridged', c);
    const e = await leg('expert');
    await sw.bridge(a, e);
    await bridgedWith(a, e);

    expect(completed.get(c) ?? []).not.toContain('endless_playback'); // the music is still playing
    await sw.bridge(c, e); // complete
    await bridgedWith(c, e);
    expect(completed.get(c)).toContain('endless_playback'); // the hold music ran until the bridge
    await sw.hangup(a);
    await seen('call.hungup', a);
    await new Promise((r) => setTimeout(r, 500));
    expect(await up(c, e)).toBe(true);
    expect(await up(a)).toBe(false);
    expect(await api(`uuid_getvar ${e} bridge_uuid`)).toBe(c);
  }, 60_000);

  it('attended transfer cancelled: the expert leg ends, caller and agent are bridged again', async () => {
    const c = await caller();
    const a = await leg('agent');
    await sw.bridge(c, a);
    await sw.hold(c);
    const e = await leg('expert');
    await sw.bridge(a, e);
    await sw.bridge(c, a); // cancel: back to the agent
    await bridgedWith(c, a);
    await sw.hangup(e);
    await seen('call.hungup', e);
    await new Promise((r) => setTimeout(r, 500));
    expect(await up(c, a)).toBe(true);
    expect(await api(`uuid_getvar ${a} bridge_uuid`)).toBe(c);
  }, 60_000);

  it('three-way call in a conference: caller, agent, expert; the agent leaves and hangs up, the other two stay', async () => {
    const c = await caller();
    const a = await leg('agent');
    await sw.bridge(c, a);
    const conference = `hg-3way-${c.slice(0, 8)}`;
    await sw.conferenceJoin(c, conference);
    await sw.conferenceJoin(a, conference, ['moderator']);
    const e = await leg('expert');
    await sw.conferenceJoin(e, conference);
    expect(await members(conference), await api(`conference ${conference} list`)).toBe(3);
    await sw.conferenceLeave(a, conference);
    await seen('conference.left', a);
    expect(await up(a)).toBe(true); // kicked back to park, still up
    await sw.hangup(a);
    await seen('call.hungup', a);
    expect(await members(conference)).toBe(2);
    expect(await up(c, e)).toBe(true);
  }, 60_000);

  it('blind transfer (uuid_transfer) to a sub-centre line: the agent leg ends, the caller is bridged out; nobody answering leaves the caller parked', async () => {
    const c = await caller();
    const a = await leg('agent');
    await sw.bridge(c, a);
    await expect(
      sw.transfer(c, { kind: 'uri', uri: `12366@127.0.0.1:${ports.nobody}` }),
    ).rejects.toMatchObject({
      code: 'COMMAND_FAILED',
    });
    expect(await up(c)).toBe(true);
    await seen('call.hungup', a); // the agent left with the transfer

    await sw.transfer(c, { kind: 'uri', uri: `12348@127.0.0.1:${ports.subcentre}` });
    const out = events.find((x) => x.type === 'call.bridged' && x.callId === c && x.otherCallId !== a);
    expect(out).toBeDefined();
    expect(await up(c)).toBe(true);
  }, 60_000);

  it('DTMF over RTP (RFC 2833) from a SIPp caller reaches play_and_get_digits, as the IVR collects keys', async () => {
    expect(
      existsSync('/usr/share/sip-tester/dtmf_2833_1.pcap'),
      'sip-tester ships pcap/dtmf_2833_*.pcap',
    ).toBe(true);
    const before = new Set(events.flatMap((e) => (e.type === 'call.arrived' ? [e.call.callId] : [])));
    sipp([
      '-sf',
      dtmfCallerScenario('1'),
      '-m',
      '1',
      '-p',
      String(await freePort()),
      '-mp',
      String(await freePort()),
      SIP,
    ]);
    const arrived = (await eventually(
      () => events.find((e) => e.type === 'call.arrived' && !before.has(e.call.callId)),
      (e) => e !== undefined,
      10_000,
    )) as Extract<SwitchEvent, { type: 'call.arrived' }>;
    const c = arrived.call.callId;
    await sw.answer(c);
    const result = await sw.collectDigits(c, {
      media: 'silence_stream://8000',
      min: 1,
      max: 1,
      timeoutMs: 8000,
    });
    expect(result).toEqual({ digits: '1', outcome: 'ok' });
    expect(events).toContainEqual({ type: 'dtmf', callId: c, digit: '1' });
  }, 60_000);
});
