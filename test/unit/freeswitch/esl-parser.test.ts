import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  EslFrameSplitter,
  decodeEslValue,
  parseEvent,
  type EslFrame,
} from '../../../src/adapters/freeswitch/esl-parser.js';

const dir = new URL('../../fixtures/freeswitch-captures/', import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, dir));

function splitAll(data: Buffer, chunkSizes: (i: number) => number): EslFrame[] {
  const splitter = new EslFrameSplitter();
  const frames: EslFrame[] = [];
  for (let pos = 0, i = 0; pos < data.length; i++) {
    const n = Math.max(1, chunkSizes(i));
    splitter.push(data.subarray(pos, pos + n), (f) => frames.push(f));
    pos += n;
  }
  return frames;
}

/** What sequence.txt calls each frame: its event name, or its Content-Type when not an event. */
function label(frame: EslFrame): string {
  const event = parseEvent(frame);
  return event ? event.name : frame.headers['Content-Type']!;
}

function expectedFromSequence(file: string, socket: string): string[] {
  return fixture(file)
    .toString('utf8')
    .split('\n')
    .filter((l) => l.startsWith(`[${socket}] `))
    .flatMap((l) => l.slice(socket.length + 3).split(', '))
    .map((s) => s.replace(/\(.*$/, '').trim());
}

describe('Event Socket framing replayed from real FreeSWITCH 1.10.12 streams', () => {
  it('cuts the plain session into exactly the frames sequence.txt lists, in order', () => {
    const frames = splitAll(fixture('stream_plain_received.raw.txt'), () => 1 << 20);
    expect(frames.map(label)).toEqual(expectedFromSequence('sequence.txt', 'plain'));
  });

  it('cuts the json session the same way', () => {
    const frames = splitAll(fixture('stream_json_received.raw.txt'), () => 1 << 20);
    // Both sockets were subscribed to ALL during the same calls: the json one must yield the same
    // channel events, in the same order, as the plain one.
    const channelEvents = (fs: EslFrame[]): string[] =>
      fs
        .map((f) => parseEvent(f))
        .flatMap((e) =>
          e && e.name !== 'API' && e.name !== 'HEARTBEAT' ? [`${e.name}/${e.get('Unique-ID') ?? ''}`] : [],
        );
    const plain = channelEvents(splitAll(fixture('stream_plain_received.raw.txt'), () => 1 << 20));
    const json = channelEvents(frames);
    expect(json.length).toBeGreaterThan(50);
    expect(json).toEqual(plain.slice(0, json.length));
    expect(
      frames.every((f) => f.headers['Content-Type'] !== 'text/event-json' || parseEvent(f) !== undefined),
    ).toBe(true);
  });

  it('gives the same frames whether the bytes come one at a time, in odd chunks or all at once', () => {
    const data = fixture('more_stream_plain_a_received.raw.txt');
    const whole = splitAll(data, () => data.length);
    const bytewise = splitAll(data, () => 1);
    const odd = splitAll(data, (i) => [7, 1, 4096, 13, 65536, 2][i % 6]!);
    const key = (fs: EslFrame[]): string[] =>
      fs.map((f) => `${JSON.stringify(f.headers)}|${f.body?.toString('base64') ?? ''}`);
    expect(whole.length).toBeGreaterThan(100);
    expect(key(bytewise)).toEqual(key(whole));
    expect(key(odd)).toEqual(key(whole));
  });

  it('reads the values the adapter relies on from the captured events', () => {
    const events = splitAll(fixture('more_stream_plain_a_received.raw.txt'), () => 1 << 20)
      .map(parseEvent)
      .filter((e) => e !== undefined);
    expect(events.filter((e) => e.name === 'DTMF').map((e) => e.get('DTMF-Digit'))).toEqual([
      '1',
      '2',
      '3',
      '4',
      '#',
    ]);
    const pagd = events.filter(
      (e) => e.name === 'CHANNEL_EXECUTE_COMPLETE' && e.get('Application') === 'play_and_get_digits',
    );
    expect(pagd.map((e) => e.get('variable_pagd_result'))).toEqual(['34', '34']); // stale on the timeout run
    expect(pagd.map((e) => e.get('variable_read_result'))).toEqual(['success', 'failure']);
    expect(pagd[0]!.get('Application-Data')).toBe(
      '1 5 1 6000 # tone_stream://%(200,0,440) silence_stream://250 pagd_result \\d+ 4000',
    );
    expect(pagd[0]!.get('Application-UUID')).toBe('aaaaaaaa-0000-4000-8000-000000000020');
  });

  it('reads BACKGROUND_JOB bodies (originate outcomes) and the CUSTOM conference events', () => {
    const b = splitAll(fixture('more_stream_plain_b_received.raw.txt'), () => 1 << 20)
      .map(parseEvent)
      .filter((e) => e?.name === 'BACKGROUND_JOB');
    const bodies = b.map((e) => e!.body!);
    expect(bodies.some((x) => /^\+OK [0-9a-f-]{36}\n$/.test(x))).toBe(true);
    expect(bodies).toContain('-ERR USER_BUSY\n');
    const d = splitAll(fixture('more_stream_custom_d_received.raw.txt'), () => 3)
      .map(parseEvent)
      .filter((e) => e !== undefined);
    expect(d.every((e) => e.name === 'CUSTOM' && e.get('Event-Subclass') === 'conference::maintenance')).toBe(
      true,
    );
    expect(d.filter((e) => e.get('Action') === 'add-member').map((e) => e.get('Member-ID'))).toEqual([
      '1',
      '2',
      '3',
    ]);
  });

  it('finds every header of every captured event, whatever order they are asked in, and nothing from a body', () => {
    // The lookup continues from the last header found (FreeSWITCH's order is what the adapter asks
    // in); out of order, asked twice, absent, or present only in the event's body, it must still
    // answer exactly what a full parse of the header block answers.
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let checked = 0;
    for (const file of [
      'stream_plain_received.raw.txt',
      'more_stream_plain_a_received.raw.txt',
      'more_stream_plain_b_received.raw.txt',
      'more_stream_custom_d_received.raw.txt',
    ]) {
      for (const frame of splitAll(fixture(file), () => 1 << 20)) {
        if (frame.headers['Content-Type'] !== 'text/event-plain') continue;
        const text = frame.body!.toString('latin1');
        const blank = text.indexOf('\n\n');
        const first = new Map<string, string>();
        for (const line of text.slice(0, blank === -1 ? text.length : blank).split('\n')) {
          const colon = line.indexOf(': ');
          if (colon > 0 && !first.has(line.slice(0, colon)))
            first.set(line.slice(0, colon), line.slice(colon + 2));
        }
        const bodyLines =
          blank === -1
            ? []
            : text
                .slice(blank + 2)
                .split('\n')
                .map((l) => l.split(': ')[0]!);
        const names = [...first.keys(), ...bodyLines.filter((n) => n && !first.has(n)), 'No-Such-Header'];
        for (let round = 0; round < 2; round++) {
          const e = parseEvent(frame)!;
          const order = round === 0 ? names : [...names].sort(() => random() - 0.5);
          for (const name of [...order, ...order.slice(0, 5)]) {
            const raw = first.get(name);
            expect(e.get(name), `${e.name} ${name}`).toBe(
              raw === undefined ? undefined : decodeEslValue(raw),
            );
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(20_000);
  });

  it('reads the json event body (_body) like the plain one', () => {
    const jobs = splitAll(fixture('stream_json_received.raw.txt'), () => 1 << 20)
      .map(parseEvent)
      .filter((e) => e?.name === 'BACKGROUND_JOB');
    expect(jobs[0]!.body).toBe('+OK Success\n');
    expect(jobs[0]!.get('Job-UUID')).toBe('da22807b-aa93-49d7-90ae-ff5200cb6ec1');
  });
});

describe('Event Socket framing edge cases', () => {
  const event = (body: string): Buffer =>
    Buffer.concat([
      Buffer.from(`Content-Length: ${Buffer.byteLength(body)}\nContent-Type: text/event-plain\n\n`),
      Buffer.from(body),
    ]);

  it('counts Content-Length in bytes: a Chinese body is cut where its bytes end', () => {
    const jobBody = '工单 12345 已受理\n';
    const inner = `Event-Name: BACKGROUND_JOB\nJob-UUID: j1\nContent-Length: ${Buffer.byteLength(jobBody)}\n\n${jobBody}`;
    const data = Buffer.concat([
      event(inner),
      Buffer.from('Content-Type: command/reply\nReply-Text: +OK\n\n'),
    ]);
    const frames = splitAll(data, () => 1);
    expect(frames).toHaveLength(2);
    expect(parseEvent(frames[0]!)!.body).toBe(jobBody);
    expect(frames[1]!.headers['Reply-Text']).toBe('+OK');
  });

  it('decodes URL-encoded UTF-8 values and survives a malformed % escape', () => {
    const name = encodeURIComponent('张三');
    const inner = `Event-Name: CHANNEL_PARK\nUnique-ID: u1\nCaller-Caller-ID-Name: ${name}\nvariable_bad: 100%zz%E5%BC\nvariable_sip_from_uri: sipp%40127.0.0.1%3A5070\n\n`;
    const frames = splitAll(Buffer.concat([event(inner), event(inner)]), () => 1 << 20);
    expect(frames).toHaveLength(2);
    const e = parseEvent(frames[0]!)!;
    expect(e.get('Caller-Caller-ID-Name')).toBe('张三');
    expect(e.get('variable_sip_from_uri')).toBe('sipp@127.0.0.1:5070');
    expect(() => e.get('variable_bad')).not.toThrow();
    expect(e.get('variable_bad')!.startsWith('100%zz')).toBe(true);
    expect(decodeEslValue('%')).toBe('%');
  });

  it('never answers a header from the event body, even asked out of order or after the body was reached', () => {
    const jobBody =
      'Event-Name: CHANNEL_DATA\nUnique-ID: from-the-body\nJob-UUID: body-job\n\nAnswer-State: x\n';
    const inner =
      `Event-Name: BACKGROUND_JOB\nJob-UUID: j1\nJob-Command: uuid_dump\n` +
      `Content-Length: ${Buffer.byteLength(jobBody)}\n\n${jobBody}`;
    for (const order of [
      ['Job-Command', 'Job-UUID', 'Unique-ID', 'Answer-State'],
      ['Unique-ID', 'Job-UUID', 'Answer-State', 'Job-Command'],
      ['Answer-State', 'Job-Command', 'Unique-ID', 'Job-UUID'],
    ]) {
      const e = parseEvent(splitAll(event(inner), () => 1 << 20)[0]!)!;
      const got = Object.fromEntries(order.map((h) => [h, e.get(h)]));
      expect(got).toEqual({
        'Job-Command': 'uuid_dump',
        'Job-UUID': 'j1',
        'Unique-ID': undefined,
        'Answer-State': undefined,
      });
      expect(e.body).toBe(jobBody);
      expect(e.withPrefix('Unique')).toEqual({});
    }
  });

  it('ends the headers at the Content-Length line a blank line follows, not at another header of that name', () => {
    // The body announces itself last (switch_event_serialize); a header named Content-Length
    // before it (or one whose name ends so) is a header like any other.
    const jobBody = 'Unique-ID: from-the-body\nContent-Length: 3\n\nabc\n';
    const inner =
      `Event-Name: BACKGROUND_JOB\nvariable_sip_h_Content-Length: 12\nContent-Length: 7\nJob-UUID: j1\n` +
      `Content-Length: ${Buffer.byteLength(jobBody)}\n\n${jobBody}`;
    for (const chunk of [1, 5, 1 << 20]) {
      const e = parseEvent(splitAll(event(inner), () => chunk)[0]!)!;
      expect(e.get('Job-UUID')).toBe('j1');
      expect(e.get('Unique-ID')).toBeUndefined();
      expect(e.get('variable_sip_h_Content-Length')).toBe('12');
      expect(e.body).toBe(jobBody);
      expect(Object.keys(e.all())).toEqual([
        'Event-Name',
        'variable_sip_h_Content-Length',
        'Content-Length',
        'Job-UUID',
      ]);
    }
    const bodiless = parseEvent(
      splitAll(event('Event-Name: DTMF\nUnique-ID: u1\nDTMF-Digit: 5\n\n'), () => 7)[0]!,
    )!;
    expect(bodiless.body).toBeUndefined();
    expect(bodiless.get('DTMF-Digit')).toBe('5');
  });

  it('matches a header at the start of a line only (Conference-Unique-ID is not Unique-ID)', () => {
    const inner =
      'Event-Subclass: conference%3A%3Amaintenance\nEvent-Name: CUSTOM\nConference-Unique-ID: c1\nUnique-ID: u1\n\n';
    const e = parseEvent(splitAll(event(inner), () => 5)[0]!)!;
    expect(e.name).toBe('CUSTOM');
    expect(e.get('Unique-ID')).toBe('u1');
    expect(e.get('Event-Subclass')).toBe('conference::maintenance');
  });

  it('keeps several frames that arrive in one packet apart, including bodiless replies and api bodies without a newline', () => {
    const data = Buffer.from(
      'Content-Type: api/response\nContent-Length: 5\n\nfalse' +
        'Content-Type: command/reply\nReply-Text: +OK Job-UUID: x\nJob-UUID: x\n\n' +
        'Content-Type: text/disconnect-notice\nContent-Length: 67\n\nDisconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n',
    );
    const frames = splitAll(data, () => data.length);
    expect(frames.map((f) => f.headers['Content-Type'])).toEqual([
      'api/response',
      'command/reply',
      'text/disconnect-notice',
    ]);
    expect(frames[0]!.body!.toString()).toBe('false');
    expect(frames[1]!.headers['Job-UUID']).toBe('x');
  });
});
