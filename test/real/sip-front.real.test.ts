// Opt-in: the SIP front against a real drachtio-server (HOTLINE_DRACHTIO=host:port, secret in
// HOTLINE_DRACHTIO_SECRET), with SIPp placing calls: a carrier UAC, a UAS standing in for
// FreeSWITCH, a UAS standing in for the emergency trunk, and a UAC standing in for FreeSWITCH's
// outbound leg. Everything on 127.0.0.1. CI has no drachtio-server: there the suite is skipped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { composeSipFront, type ComposedSipFront } from '../../src/app/sip-front.js';
import { RedisKeys } from '../../src/adapters/redis/keys.js';
import { freePort } from '../../src/adapters/redis/embedded-redis.js';
import type { Restriction } from '../../src/core/ports/abuse-limits.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { eventually, testConfig } from '../helpers/gateway.js';
import { memoryLogger } from '../helpers/logger.js';

const DRACHTIO = process.env.HOTLINE_DRACHTIO;
const skipMessage =
  'real-switch suite: set HOTLINE_DRACHTIO=host:port (and HOTLINE_DRACHTIO_SECRET) to run it against a drachtio-server';
if (!DRACHTIO) process.stdout.write(`[skipped] ${skipMessage}\n`);

const dir = mkdtempSync(join(tmpdir(), 'hg-sip-real-'));
const RESTRICTED = '13900000009';

function uacScenario(expect: number, dialled: string, caller: string, extraHeaders: string[] = []): string {
  const ack200 = `
  <send>
    <![CDATA[
      ACK sip:${dialled}@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:${caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:${dialled}@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: <sip:${caller}@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <pause milliseconds="300"/>
  <send retrans="500">
    <![CDATA[
      BYE sip:${dialled}@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:${caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:${dialled}@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Contact: <sip:${caller}@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <recv response="200" crlf="true"/>`;
  const ackFailure = `
  <send>
    <![CDATA[
      ACK sip:${dialled}@[remote_ip]:[remote_port] SIP/2.0
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="hotline-uac-${expect}">
  <send retrans="500">
    <![CDATA[
      INVITE sip:${dialled}@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:${caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:${dialled}@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:${caller}@[local_ip]:[local_port]>
      Max-Forwards: 70${extraHeaders.map((h) => `\n      ${h}`).join('')}
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="${expect}"${expect === 200 ? ' rtd="true"' : ''}/>
  ${expect === 200 ? ack200 : ackFailure}
</scenario>`;
}

interface SippRun {
  code: number | null;
  output: string;
}

function sipp(args: string[]): { done: Promise<SippRun>; kill: () => void } {
  const p = spawn(
    'sipp',
    ['-i', '127.0.0.1', '-m', '1', '-timeout', '15s', '-timeout_error', '-nostdin', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  p.stdout.on('data', (d: Buffer) => (output += d.toString()));
  p.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const done = new Promise<SippRun>((r) => p.on('exit', (code) => r({ code, output })));
  return { done, kill: () => p.kill('SIGKILL') };
}

/** A SIPp UAS on a port (FreeSWITCH's or a trunk's stand-in), logging every message it gets. */
async function uas(port: number, name: string) {
  const messages = join(dir, `${name}-${port}.log`);
  const run = sipp(['-sn', 'uas', '-p', String(port), '-trace_msg', '-message_file', messages]);
  await sleep(300); // let it bind
  return {
    run,
    /** The INVITE it received, as text. */
    invite: () => {
      const text = existsSync(messages) ? readFileSync(messages, 'utf8') : '';
      const m = /(INVITE sip:[\s\S]*?)(?:\r?\n\r?\n)/.exec(text);
      return m ? m[1]! : '';
    },
  };
}

/** Places one call from a SIPp UAC bound to `port`. */
function call(
  sipAddress: string,
  port: number,
  dialled: string,
  caller: string,
  expectStatus: number,
  extraHeaders: string[] = [],
) {
  const file = join(dir, `uac-${port}-${dialled}-${caller}.xml`);
  writeFileSync(file, uacScenario(expectStatus, dialled, caller, extraHeaders));
  return sipp([
    '-sf',
    file,
    '-p',
    String(port),
    '-trace_msg',
    '-message_file',
    join(dir, `uac-${port}.log`),
    sipAddress,
  ]).done;
}

const header = (invite: string, name: string) =>
  new RegExp(`^${name}:\\s*(.*)$`, 'mi').exec(invite)?.[1]?.trim();

describe.skipIf(!DRACHTIO)('SIP front against a real drachtio-server (SIPp calls)', () => {
  let redis: TestRedis;
  let front: ComposedSipFront;
  let sipTarget = '';
  const ports = { carrier: 0, police: 0, fsIn: 0, fsOut: 0, emergency: 0 };
  const logs = memoryLogger('info');

  beforeAll(async () => {
    redis = await startRedis();
    for (const k of Object.keys(ports) as Array<keyof typeof ports>) ports[k] = await freePort();
    const config = testConfig({
      HOTLINE_REDIS_URL: redis.url,
      HOTLINE_DRACHTIO: DRACHTIO!,
      HOTLINE_DRACHTIO_SECRET: process.env.HOTLINE_DRACHTIO_SECRET ?? 'cymru',
    });
    config.sip = {
      ...config.sip,
      freeswitchUri: `sip:127.0.0.1:${ports.fsIn}`,
      freeswitchAddresses: [`127.0.0.1:${ports.fsOut}`],
      peers: [
        { name: 'carrier', kind: 'carrier', addresses: [`127.0.0.1:${ports.carrier}`] },
        {
          name: 'police-110',
          kind: 'emergency',
          addresses: [`127.0.0.1:${ports.police}`],
          line: '110',
          contextHeaders: { incident: 'X-Incident-Id' },
        },
      ],
      emergency: {
        lines: ['110', '119', '120', '122'],
        trunk: `127.0.0.1:${ports.emergency}`,
        callerId: '03961234500',
      },
    };
    const limits = {
      async get(k: string): Promise<Restriction | undefined> {
        return k === `tel:+86${RESTRICTED}`
          ? {
              citizenKey: k,
              reason: '多次无故占线',
              until: new Date(Date.now() + 3600_000).toISOString(),
              setBy: 'sup',
              setAt: new Date().toISOString(),
            }
          : undefined;
      },
    };
    front = composeSipFront(config, redis.client(), new RedisKeys(config.redis.keyPrefix), limits, logs.log);
    const h = await eventually(
      () => front.check.check(),
      (s) => s.ok,
      10_000,
    );
    // drachtio-server tells us its SIP addresses on connect: "tcp/127.0.0.1:5080,udp/127.0.0.1:5080".
    const udp = /udp\/([^,]+)/.exec(String(h.sipAddress))?.[1];
    sipTarget = udp ?? '127.0.0.1:5080';
  });
  afterAll(async () => {
    await front?.stop();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a citizen’s call to 12345 is forwarded to FreeSWITCH with the X-Hotline headers, answered and hung up', async () => {
    const fs = await uas(ports.fsIn, 'freeswitch');
    const result = await call(sipTarget, ports.carrier, '12345', '13812345678', 200);
    expect(result.code, result.output.slice(-2000)).toBe(0);
    expect((await fs.run.done).code).toBe(0);
    const invite = fs.invite();
    expect(invite).toMatch(new RegExp(`^INVITE sip:12345@127\\.0\\.0\\.1:${ports.fsIn} SIP/2\\.0`));
    expect(header(invite, 'X-Hotline-Entry')).toBe('citizen');
    expect(header(invite, 'X-Hotline-Admission')).toBe('normal');
    const uacLog = readFileSync(join(dir, `uac-${ports.carrier}.log`), 'utf8');
    const inboundCallId = /^Call-ID:\s*(\S+)/m.exec(uacLog)?.[1];
    expect(header(invite, 'X-Hotline-Dialog')).toBe(inboundCallId);
    expect(header(invite, 'From')).toContain('13812345678');
    // The citizen's BYE reached FreeSWITCH's leg (its UAS ended cleanly) and freed the place.
    await eventually(
      () => front.check.check(),
      (h) => h.activeCalls === 0,
      5_000,
    );
  });

  it('a restricted caller reaches FreeSWITCH marked restricted (the IVR plays the notice), not rejected — and cannot forge the marks', async () => {
    const fs = await uas(ports.fsIn, 'freeswitch-restricted');
    // A carrier-side caller sending our own headers: the B2BUA builds the B leg's headers itself.
    const forged = ['X-Hotline-Admission: normal', 'X-Hotline-Entry: emergency-transfer'];
    const result = await call(sipTarget, ports.carrier, '12345', RESTRICTED, 200, forged);
    expect(result.code, result.output.slice(-2000)).toBe(0);
    await fs.run.done;
    const invite = fs.invite();
    expect(header(invite, 'X-Hotline-Admission')).toBe('restricted');
    expect(header(invite, 'X-Hotline-Entry')).toBe('citizen');
    expect(invite.match(/^X-Hotline-Admission:/gim)).toHaveLength(1);
  });

  it('a call 110 transfers in arrives marked as such, with its incident context — even from a restricted caller', async () => {
    const fs = await uas(ports.fsIn, 'freeswitch-110');
    const result = await call(sipTarget, ports.police, '12345', RESTRICTED, 200, [
      'X-Incident-Id: JJ-2026-0042',
    ]);
    expect(result.code, result.output.slice(-2000)).toBe(0);
    await fs.run.done;
    const invite = fs.invite();
    expect(header(invite, 'X-Hotline-Entry')).toBe('emergency-transfer');
    expect(header(invite, 'X-Hotline-From-Line')).toBe('110');
    expect(header(invite, 'X-Hotline-Admission')).toBe('normal');
    expect(header(invite, 'X-Hotline-Context')).toBe('incident=JJ-2026-0042');
  });

  it('FreeSWITCH’s outbound leg to 120 leaves on the emergency trunk with priority and the fixed caller id', async () => {
    const trunk = await uas(ports.emergency, 'emergency');
    const result = await call(sipTarget, ports.fsOut, '120', '13812345678', 200);
    expect(result.code, result.output.slice(-2000)).toBe(0);
    await trunk.run.done;
    const invite = trunk.invite();
    expect(invite).toMatch(new RegExp(`^INVITE sip:120@127\\.0\\.0\\.1:${ports.emergency} SIP/2\\.0`));
    expect(header(invite, 'Priority')).toBe('emergency');
    expect(header(invite, 'From')).toContain('sip:03961234500@');
  });

  it('a number the centre does not serve is refused with 404, and a stranger with 403', async () => {
    const notOurs = await call(sipTarget, ports.carrier, '10086', '13812345678', 404);
    expect(notOurs.code, notOurs.output.slice(-2000)).toBe(0);
    const stranger = await call(sipTarget, await freePort(), '12345', '13812345678', 403);
    expect(stranger.code, stranger.output.slice(-2000)).toBe(0);
  });
});
