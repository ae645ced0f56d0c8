// The ESL double is only worth its tests if it sends what FreeSWITCH sends: these compare its
// bytes, reply texts, header order and event order with the real captures.
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EslFrameSplitter, parseEvent, type EslFrame } from '../../../src/adapters/freeswitch/esl-parser.js';
import { EslDouble } from '../../doubles/esl-double.js';

const dir = new URL('../../fixtures/freeswitch-captures/', import.meta.url);
const captured = readFileSync(new URL('stream_plain_received.raw.txt', dir));
const capturedFrames: EslFrame[] = [];
new EslFrameSplitter().push(captured, (f) => capturedFrames.push(f));
const sequence = readFileSync(new URL('sequence.txt', dir), 'utf8');

function expectedStep(step: string): string[] {
  const lines = sequence.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`== ${step}`));
  return lines[at + 1]!.replace(/^\[plain\] /, '').split(', ');
}

class RawClient {
  readonly frames: EslFrame[] = [];
  readonly bytes: Buffer[] = [];
  private readonly splitter = new EslFrameSplitter();
  constructor(readonly socket: Socket) {
    socket.on('data', (c: Buffer) => {
      this.bytes.push(c);
      this.splitter.push(c, (f) => this.frames.push(f));
    });
  }
  async next(count = 1, timeoutMs = 2000): Promise<EslFrame[]> {
    const end = Date.now() + timeoutMs;
    while (this.frames.length < count) {
      if (Date.now() > end) throw new Error(`expected ${count} frames, got ${this.frames.length}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return this.frames.splice(0, count);
  }
  async settle(): Promise<EslFrame[]> {
    await new Promise((r) => setTimeout(r, 60));
    return this.frames.splice(0);
  }
  send(text: string): void {
    this.socket.write(text);
  }
}

const label = (f: EslFrame): string => parseEvent(f)?.name ?? f.headers['Content-Type']!;

describe('ESL double fidelity to FreeSWITCH 1.10.12', () => {
  let fs: EslDouble;
  let client: RawClient;

  beforeEach(async () => {
    fs = new EslDouble({ mediaMs: 5 });
    const port = await fs.listen();
    client = new RawClient(connect({ host: '127.0.0.1', port }));
  });
  afterEach(async () => {
    client.socket.destroy();
    await fs.close();
  });

  it('sends byte for byte the replies FreeSWITCH sent to the same commands', async () => {
    const replies: Buffer[] = [];
    const exchange = async (command: string): Promise<void> => {
      const before = Buffer.concat(client.bytes).length;
      client.send(command);
      await client.next();
      replies.push(Buffer.concat(client.bytes).subarray(before));
    };
    await client.next(); // auth/request
    expect(Buffer.concat(client.bytes).toString()).toBe('Content-Type: auth/request\n\n');
    for (const command of [
      'auth ClueCon\n\n',
      'event plain HEARTBEAT\n\n',
      'api show channels as json\n\n',
      'bogus_command\n\n',
      'api no_such_command\n\n',
      'nixevent HEARTBEAT\n\n',
    ]) {
      await exchange(command);
    }
    // The subscription reply names only the format, whatever the list.
    const expected = [
      'Content-Type: command/reply\nReply-Text: +OK accepted\n\n',
      'Content-Type: command/reply\nReply-Text: +OK event listener enabled plain\n\n',
      'Content-Type: api/response\nContent-Length: 17\n\n{"row_count": 0}\n',
      'Content-Type: command/reply\nReply-Text: -ERR command not found\n\n',
      'Content-Type: api/response\nContent-Length: 40\n\n-ERR no_such_command Command not found!\n',
      'Content-Type: command/reply\nReply-Text: +OK events nixed\n\n',
    ];
    expect(replies.map((r) => r.toString())).toEqual(expected);
    const all =
      readFileSync(new URL('stream_plain_received.raw.txt', dir), 'latin1') +
      readFileSync(new URL('stream_json_received.raw.txt', dir), 'latin1');
    for (const reply of expected) expect(all.includes(reply), reply).toBe(true);

    const before = Buffer.concat(client.bytes).length;
    client.send('exit\n\n');
    await new Promise((r) => client.socket.once('close', r));
    expect(Buffer.concat(client.bytes).subarray(before).toString()).toBe(
      'Content-Type: command/reply\nReply-Text: +OK bye\n\nContent-Type: text/disconnect-notice\nContent-Length: 67\n\nDisconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n',
    );
  });

  it('refuses a wrong password as FreeSWITCH does, then closes', async () => {
    await client.next();
    client.send('auth wrong\n\n');
    await new Promise((r) => client.socket.once('close', r));
    expect(client.frames.map((f) => f.headers['Content-Type'])).toEqual([
      'command/reply',
      'text/disconnect-notice',
    ]);
    expect(client.frames[0]!.headers['Reply-Text']).toBe('-ERR invalid');
  });

  it('parks a call with the events, the order and the header layout of the capture', async () => {
    await client.next();
    client.send('auth ClueCon\n\nevent plain ALL\n\n');
    await client.next(2);
    const uuid = fs.placeCall({ caller: 'sipp' });
    const parkFrames = await client.settle();
    expect(parkFrames.map(label)).toEqual(expectedStep('10_call1_invite_until_park'));

    const names = (f: EslFrame): string[] =>
      Object.keys(parseEvent(f)!.all()).filter((k) => !k.startsWith('variable_'));
    const realPark = capturedFrames.find((f) => parseEvent(f)?.name === 'CHANNEL_PARK')!;
    expect(names(parkFrames.at(-1)!)).toEqual(names(realPark));
    const park = parseEvent(parkFrames.at(-1)!)!;
    expect(park.get('Unique-ID')).toBe(uuid);
    expect(park.get('Channel-Call-State')).toBe('RINGING');
    expect(park.get('Answer-State')).toBe('ringing');
    // Framing: length first, like FreeSWITCH.
    expect(Buffer.concat(client.bytes).toString('latin1')).toContain('Content-Length: ');

    client.send(
      `sendmsg ${uuid}\ncall-command: execute\nexecute-app-name: answer\nEvent-UUID: 0b2ade13-c573-4519-a812-24f286b3664f\n\n`,
    );
    const answer = await client.settle();
    expect(answer.map(label)).toEqual(expectedStep('21_sendmsg_execute_answer'));
    const complete = parseEvent(answer.at(-1)!)!;
    expect(complete.get('Application-UUID')).toBe('0b2ade13-c573-4519-a812-24f286b3664f');
    expect(complete.get('Application-Response')).toBe('_none_');
    expect(complete.get('Application-Data')).toBeUndefined(); // FreeSWITCH omits an empty one

    fs.hangup(uuid);
    expect((await client.settle()).map(label)).toEqual(expectedStep('17_call1_remote_BYE_hangup'));
  });

  it('answers bgapi with the Job-UUID reply, then the BACKGROUND_JOB carrying the output as its body', async () => {
    await client.next();
    client.send('auth ClueCon\n\nevent plain BACKGROUND_JOB\n\n');
    await client.next(2);
    const uuid = fs.placeCall({ caller: 'sipp' });
    client.send(
      `bgapi uuid_record ${uuid} start /srv/fs/rec.wav\nJob-UUID: da22807b-aa93-49d7-90ae-ff5200cb6ec1\n\n`,
    );
    const [reply, job] = await client.next(2);
    expect(reply!.headers).toEqual({
      'Content-Type': 'command/reply',
      'Reply-Text': '+OK Job-UUID: da22807b-aa93-49d7-90ae-ff5200cb6ec1',
      'Job-UUID': 'da22807b-aa93-49d7-90ae-ff5200cb6ec1',
    });
    const ours = parseEvent(job!)!;
    const real = capturedFrames.map(parseEvent).find((e) => e?.name === 'BACKGROUND_JOB')!;
    expect(ours.body).toBe(real.body);
    expect(Object.keys(ours.all())).toEqual(Object.keys(real.all()));
    expect(ours.get('Job-Command-Arg')).toBe(
      real.get('Job-Command-Arg')!.replace(real.get('Job-Command-Arg')!.split(' ')[0]!, uuid),
    );
  });
});

describe('ESL double fidelity: bridge, transfer and conference (capture session 2)', () => {
  const moreSequence = readFileSync(new URL('more_sequence.txt', dir), 'utf8').split('\n');
  /** The events the adapter subscribes to, labelled `NAME@leg` (CUSTOM by its Action), as more_sequence.txt lists them. */
  const KEPT =
    /^(CHANNEL_BRIDGE|CHANNEL_UNBRIDGE|CHANNEL_PARK|CHANNEL_HANGUP_COMPLETE|CHANNEL_EXECUTE_COMPLETE|CUSTOM:(add|del|kick)-member)@/;
  function expectedFiltered(step: string): string[] {
    const at = moreSequence.findIndex((l) => l.startsWith(`== ${step}`));
    return moreSequence[at + 1]!.replace(/^\[plain\] /, '')
      .split(', ')
      .map((item) => {
        const m =
          /^([A-Z_]+)(?::conference::maintenance)?\((?:([a-z-]+) )?(?:[^@)]* )?@([a-z]+)[A-Z]\)$/.exec(item);
        if (!m) return item;
        return item.startsWith('CUSTOM') ? `CUSTOM:${m[2]}@${m[3]}` : `${m[1]}@${m[3]}`;
      })
      .filter((l) => KEPT.test(l));
  }

  let fs: EslDouble;
  let client: RawClient;
  const roles = new Map<string, string>();
  const labelled = (frames: EslFrame[]): string[] =>
    frames
      .map((f) => parseEvent(f))
      .flatMap((e) => {
        if (!e) return [];
        const leg = roles.get(e.get('Unique-ID') ?? '') ?? '?';
        return [e.name === 'CUSTOM' ? `CUSTOM:${e.get('Action')}@${leg}` : `${e.name}@${leg}`];
      })
      .filter((l) => KEPT.test(l));
  const api = async (command: string): Promise<string[]> => {
    client.send(`api ${command}\n\n`);
    return labelled(await client.settle());
  };

  beforeEach(async () => {
    fs = new EslDouble({ mediaMs: 5 });
    const port = await fs.listen();
    client = new RawClient(connect({ host: '127.0.0.1', port }));
    await client.next();
    client.send('auth ClueCon\n\nevent plain ALL\n\n');
    await client.next(2);
  });
  afterEach(async () => {
    client.socket.destroy();
    await fs.close();
  });

  async function parkedPair(): Promise<{ caller: string; agent: string }> {
    const caller = fs.placeCall({ caller: '15550000002' });
    client.send(`api uuid_answer ${caller}\n\n`);
    const agent = 'aaaaaaaa-0000-4000-8000-0000000000b1';
    client.send(
      `bgapi originate {origination_uuid=${agent},origination_caller_id_number=12345}sofia/external/agent@127.0.0.1:5095 &park()\n\n`,
    );
    while (fs.channels.get(agent)?.application !== 'park') await new Promise((r) => setTimeout(r, 5));
    await client.settle();
    roles.set(caller, 'caller').set(agent, 'agent');
    return { caller, agent };
  }

  it('uuid_bridge of two parked legs, then uuid_kill of one while bridged (50_, 51_)', async () => {
    const { caller, agent } = await parkedPair();
    expect(await api(`uuid_bridge ${caller} ${agent}`)).toEqual(expectedFiltered('50_'));
    expect(await api(`uuid_kill ${agent}`)).toEqual(expectedFiltered('51_'));
  });

  it('uuid_transfer -both park inline of a bridged pair: both legs re-park and stay up (61_)', async () => {
    const { caller, agent } = await parkedPair();
    await api(`uuid_bridge ${caller} ${agent}`);
    expect(await api(`uuid_transfer ${caller} -both park inline`)).toEqual(expectedFiltered('61_'));
    expect(fs.channels.has(caller) && fs.channels.has(agent)).toBe(true);
    // Each leg leaves park in its own thread: the captures show both orders (50_ agent first, 62_ caller first).
    expect((await api(`uuid_bridge ${caller} ${agent}`)).sort()).toEqual(expectedFiltered('62_').sort());
  });

  it('three members join a conference, one is kicked back to park (71_, 73_)', async () => {
    const { caller, agent } = await parkedPair();
    const sup = 'aaaaaaaa-0000-4000-8000-0000000000c1';
    client.send(
      `bgapi originate {origination_uuid=${sup}}sofia/external/supervisor@127.0.0.1:5098 &park()\n\n`,
    );
    await client.settle();
    while (fs.channels.get(sup)?.application !== 'park') await new Promise((r) => setTimeout(r, 5));
    await client.settle();
    roles.set(sup, 'super');
    const joins: string[] = [];
    for (const leg of [caller, agent, sup]) {
      client.send(
        `sendmsg ${leg}\ncall-command: execute\nexecute-app-name: conference\nexecute-app-arg: 3way-test@default\n\n`,
      );
      joins.push(...labelled(await client.settle()));
    }
    expect(joins).toEqual(expectedFiltered('71_'));
    expect(await api('conference 3way-test kick 3')).toEqual(expectedFiltered('73_'));
    expect(fs.channels.has(sup)).toBe(true);
  });
});
