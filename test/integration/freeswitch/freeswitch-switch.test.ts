import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FreeSwitchSwitch,
  GONE_WHILE_DISCONNECTED,
} from '../../../src/adapters/freeswitch/freeswitch-switch.js';
import { SwitchError, type SwitchEvent } from '../../../src/core/ports/switch.js';
import { EslDouble } from '../../doubles/esl-double.js';
import { silentLogger } from '../../helpers/logger.js';

function waitFor<T extends SwitchEvent['type']>(
  events: SwitchEvent[],
  sw: FreeSwitchSwitch,
  type: T,
  match: (e: Extract<SwitchEvent, { type: T }>) => boolean = () => true,
  timeoutMs = 3000,
): Promise<Extract<SwitchEvent, { type: T }>> {
  const found = events.find((e) => e.type === type && match(e as Extract<SwitchEvent, { type: T }>));
  if (found) return Promise.resolve(found as Extract<SwitchEvent, { type: T }>);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${type} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = sw.on((e) => {
      if (e.type === type && match(e as Extract<SwitchEvent, { type: T }>)) {
        clearTimeout(timer);
        off();
        resolve(e as Extract<SwitchEvent, { type: T }>);
      }
    });
  });
}

describe('FreeSWITCH adapter on the ESL double', () => {
  let fs: EslDouble;
  let sw: FreeSwitchSwitch;
  let events: SwitchEvent[];

  beforeEach(async () => {
    fs = new EslDouble({ mediaMs: 10 });
    const port = await fs.listen();
    sw = new FreeSwitchSwitch({
      server: { host: '127.0.0.1', port, password: 'ClueCon' },
      log: silentLogger(),
      connection: { reconnectMinMs: 20, reconnectMaxMs: 100 },
    });
    events = [];
    sw.on((e) => events.push(e));
    sw.start();
    await waitFor(events, sw, 'switch.connected');
  });

  afterEach(async () => {
    await sw.stop();
    await fs.close();
  });

  it('a parked call the SIP front captured at overload arrives with that admission', async () => {
    const uuid = fs.placeCall({
      caller: '13800138001',
      variables: { hotline_entry: 'citizen', hotline_admission: 'callback-capture', hotline_dialog: 'dlg-2' },
    });
    const arrived = await waitFor(events, sw, 'call.arrived', (e) => e.call.callId === uuid);
    expect(arrived.call).toMatchObject({ callId: uuid, sipCallId: 'dlg-2', entry: { kind: 'citizen', admission: 'callback-capture' } });
    // Read back from the switch too (reconciliation after a reconnect reads the channel's variables).
    const live = (await sw.liveCalls()).find((c) => c.callId === uuid);
    expect(live?.entry).toEqual({ kind: 'citizen', admission: 'callback-capture' });
  });

  it('takes a parked call through answer, prompt, digits, recording and hang-up', async () => {
    const uuid = fs.placeCall({
      caller: '13800138000',
      callerName: '张三',
      variables: {
        hotline_entry: 'emergency-transfer',
        hotline_from_line: '110',
        hotline_dialog: 'dlg-1',
        hotline_context: 'location=人民路1号&incident=J2026',
      },
    });
    const arrived = await waitFor(events, sw, 'call.arrived');
    expect(arrived.call).toMatchObject({
      callId: uuid,
      direction: 'inbound',
      caller: '13800138000',
      callerName: '张三',
      dialled: '12345',
      answered: false,
      sipCallId: 'dlg-1',
      entry: {
        kind: 'emergency-transfer',
        fromLine: '110',
        context: { location: '人民路1号', incident: 'J2026' },
      },
    });

    await sw.answer(uuid);
    expect(events.some((e) => e.type === 'call.answered' && e.callId === uuid)).toBe(true);
    await sw.startRecording(uuid, '/var/rec/call-1.wav');
    expect(fs.channels.get(uuid)!.vars.get('RECORD_STEREO')).toBe('true');
    expect(fs.channels.get(uuid)!.vars.get('recording_follow_transfer')).toBe('true');
    expect(await sw.play(uuid, 'ivr/welcome.wav')).toEqual({ interrupted: false });

    fs.scriptDigits(uuid, '34#');
    const got = await sw.collectDigits(uuid, { media: 'ivr/menu.wav', min: 1, max: 5, timeoutMs: 2000 });
    expect(got).toEqual({ digits: '34', outcome: 'ok' });
    expect(events.filter((e) => e.type === 'dtmf').map((e) => (e as { digit: string }).digit)).toEqual([
      '3',
      '4',
      '#',
    ]);

    // A timeout afterwards must not return the previous run's digits (FreeSWITCH keeps them).
    expect(await sw.collectDigits(uuid, { media: 'ivr/menu.wav', min: 1, max: 5, timeoutMs: 50 })).toEqual({
      digits: '',
      outcome: 'timeout',
    });
    fs.scriptDigits(uuid, '9');
    expect(
      await sw.collectDigits(uuid, {
        media: 'ivr/menu.wav',
        min: 1,
        max: 1,
        timeoutMs: 2000,
        pattern: '^[1-3]$',
      }),
    ).toEqual({ digits: '', outcome: 'invalid' });

    await sw.hangup(uuid);
    const rec = await waitFor(events, sw, 'recording.finished');
    expect(rec).toEqual({ type: 'recording.finished', callId: uuid, path: '/var/rec/call-1.wav' });
    const hungup = await waitFor(events, sw, 'call.hungup');
    expect(hungup).toMatchObject({ callId: uuid, cause: 'NORMAL_CLEARING' });
    // recording.finished comes before the hang-up, as RECORD_STOP precedes HANGUP_COMPLETE.
    expect(events.findIndex((e) => e.type === 'recording.finished')).toBeLessThan(
      events.findIndex((e) => e.type === 'call.hungup'),
    );
    expect(sw.knownCalls()).toEqual([]);
  });

  it('ends a running prompt when the caller hangs up, and a later command says the call is gone', async () => {
    fs.mediaMs = 5000;
    const uuid = fs.placeCall({ caller: '13900000000' });
    await waitFor(events, sw, 'call.arrived');
    await sw.answer(uuid);
    const playing = sw.play(uuid, 'ivr/long.wav');
    const collecting = sw.collectDigits(uuid, { media: 'ivr/menu.wav', min: 1, max: 1, timeoutMs: 1000 });
    setTimeout(() => fs.hangup(uuid), 30);
    expect(await playing).toEqual({ interrupted: true });
    expect(await collecting).toEqual({ digits: '', outcome: 'hangup' });
    await expect(sw.hangup(uuid)).rejects.toMatchObject({ code: 'NO_SUCH_CALL' });
    await expect(sw.answer(uuid)).rejects.toMatchObject({ code: 'NO_SUCH_CALL' });
  });

  it('stops a prompt on request and reports it interrupted', async () => {
    fs.mediaMs = 5000;
    const uuid = fs.placeCall({ caller: '13900000001' });
    await waitFor(events, sw, 'call.arrived');
    const playing = sw.play(uuid, 'ivr/long.wav');
    await new Promise((r) => setTimeout(r, 30));
    await sw.stopPlayback(uuid);
    expect(await playing).toEqual({ interrupted: true });
  });

  it('originates an agent leg, bridges it, and reports busy numbers', async () => {
    const caller = fs.placeCall({ caller: '13900000002' });
    await waitFor(events, sw, 'call.arrived');
    fs.originateOutcome = (dial) => (dial.endsWith('/busy') ? 'USER_BUSY' : 'answer');
    const agent = await sw.originate({
      endpoint: { kind: 'user', user: '1001' },
      callerIdNumber: '12345',
      timeoutSec: 30,
      variables: { hotline_entry: 'agent-leg' },
    });
    expect(agent.outcome).toBe('answered');
    expect(fs.channels.get(agent.callId!)!.vars.get('hotline_entry')).toBe('agent-leg');
    // Our own leg parks too, but it is not an arrival.
    await new Promise((r) => setTimeout(r, 30));
    expect(events.filter((e) => e.type === 'call.arrived')).toHaveLength(1);
    await sw.bridge(caller, agent.callId!);
    const bridged = await waitFor(events, sw, 'call.bridged');
    expect(bridged).toMatchObject({ callId: caller, otherCallId: agent.callId });
    expect(
      await sw.originate({
        endpoint: { kind: 'gateway', gateway: 'trunk', number: 'busy' },
        callerIdNumber: '12345',
        timeoutSec: 30,
      }),
    ).toEqual({
      outcome: 'busy',
      cause: 'USER_BUSY',
    });
  });

  it('joins and leaves a conference', async () => {
    const uuid = fs.placeCall({ caller: '13900000003' });
    await waitFor(events, sw, 'call.arrived');
    await sw.conferenceJoin(uuid, 'hg-3way-1', ['moderator']);
    expect(
      events.some((e) => e.type === 'conference.joined' && e.callId === uuid && e.conference === 'hg-3way-1'),
    ).toBe(true);
    await sw.conferenceLeave(uuid, 'hg-3way-1');
    await waitFor(events, sw, 'conference.left');
    expect(fs.channels.has(uuid)).toBe(true); // a kicked member stays up, back in park
  });

  it('fails in-flight commands fast on a drop, reconnects, and recovers the call by reconciliation', async () => {
    fs.mediaMs = 5000;
    const kept = fs.placeCall({ caller: '13900000004' });
    const lost = fs.placeCall({ caller: '13900000005' });
    await waitFor(events, sw, 'call.arrived', (e) => e.call.callId === lost);
    const playing = sw.play(kept, 'ivr/long.wav');
    await new Promise((r) => setTimeout(r, 20));
    await fs.pause();
    await expect(playing).rejects.toBeInstanceOf(SwitchError);
    await expect(playing).rejects.toMatchObject({ code: 'DISCONNECTED' });
    await waitFor(events, sw, 'switch.disconnected');
    await expect(sw.answer(kept)).rejects.toMatchObject({ code: 'DISCONNECTED' });

    // While the socket is down: one call ends, another parks and is never announced by an event.
    fs.hangup(lost);
    const newcomer = fs.placeCall({
      caller: '13900000006',
      variables: { hotline_entry: 'sub-centre', hotline_from_line: '12348' },
    });
    const reconnected = events.length;
    await fs.resume();
    const arrived = await waitFor(events, sw, 'call.arrived', (e) => e.call.callId === newcomer);
    expect(arrived.call.entry).toEqual({ kind: 'sub-centre', fromLine: '12348' });
    const gone = await waitFor(events, sw, 'call.hungup', (e) => e.callId === lost);
    expect(gone.cause).toBe(GONE_WHILE_DISCONNECTED);
    expect(events.slice(reconnected).some((e) => e.type === 'switch.connected')).toBe(true);
    expect(events.some((e) => e.type === 'call.hungup' && e.callId === kept)).toBe(false);

    // The kept call is still ours and works; the prompt that was playing when the socket dropped
    // is still playing on the switch (its failure was ours, not FreeSWITCH's), so stop it first.
    fs.mediaMs = 10;
    await sw.stopPlayback(kept);
    await sw.answer(kept);
    expect(await sw.play(kept, 'ivr/welcome.wav')).toEqual({ interrupted: false });
    expect((await sw.liveCalls()).map((c) => c.callId).sort()).toEqual([kept, newcomer].sort());
  });

  it('re-subscribes after a drop and keeps delivering events', async () => {
    fs.dropConnections();
    await waitFor(events, sw, 'switch.disconnected');
    await waitFor(events, sw, 'switch.connected', () => fs.connectedClients > 0);
    const subs = fs.received.filter((l) => l.startsWith('event plain'));
    expect(subs).toHaveLength(2);
    expect(subs[1]).toContain('CHANNEL_PARK');
    expect(subs[1]).toContain('CUSTOM conference::maintenance');
    const uuid = fs.placeCall({ caller: '13900000007' });
    await waitFor(events, sw, 'call.arrived', (e) => e.call.callId === uuid);
  });
});

describe('FreeSWITCH adapter connection handling', () => {
  it('does not go up with a wrong password, and keeps retrying with backoff', async () => {
    const fs = new EslDouble({ password: 'secret' });
    const port = await fs.listen();
    const sw = new FreeSwitchSwitch({
      server: { host: '127.0.0.1', port, password: 'ClueCon' },
      log: silentLogger(),
      connection: { reconnectMinMs: 10, reconnectMaxMs: 40 },
    });
    const seen: SwitchEvent[] = [];
    sw.on((e) => seen.push(e));
    sw.start();
    await new Promise((r) => setTimeout(r, 300));
    const attempts = fs.received.filter((l) => l.startsWith('auth ')).length;
    expect(seen.some((e) => e.type === 'switch.connected')).toBe(false);
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThan(30);
    await expect(sw.answer('00000000-0000-0000-0000-000000000000')).rejects.toMatchObject({
      code: 'DISCONNECTED',
    });
    await sw.stop();
    await fs.close();
  });

  it('works with event json as well', async () => {
    const fs = new EslDouble({ mediaMs: 5 });
    const port = await fs.listen();
    const sw = new FreeSwitchSwitch({
      server: { host: '127.0.0.1', port, password: 'ClueCon' },
      log: silentLogger(),
      format: 'json',
    });
    const events: SwitchEvent[] = [];
    sw.on((e) => events.push(e));
    sw.start();
    await waitFor(events, sw, 'switch.connected');
    const uuid = fs.placeCall({
      caller: '13700000000',
      callerName: '李四',
      variables: { hotline_entry: 'citizen' },
    });
    const arrived = await waitFor(events, sw, 'call.arrived');
    expect(arrived.call).toMatchObject({ callId: uuid, callerName: '李四', entry: { kind: 'citizen' } });
    fs.scriptDigits(uuid, '12#');
    expect(await sw.collectDigits(uuid, { media: 'ivr/menu.wav', min: 1, max: 5, timeoutMs: 1000 })).toEqual({
      digits: '12',
      outcome: 'ok',
    });
    await sw.hangup(uuid);
    await waitFor(events, sw, 'call.hungup');
    await sw.stop();
    await fs.close();
  });
});
