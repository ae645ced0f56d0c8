import { existsSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SimulatedSwitch } from '../../src/adapters/simulated/simulated-switch.js';
import type { SwitchEvent } from '../../src/core/ports/switch.js';

// The habits of the simulated switch the IVR relies on, as a real switch has them.
function setup() {
  const sw = new SimulatedSwitch({ mediaDurationMs: () => 100 });
  const events: SwitchEvent[] = [];
  sw.on((e) => events.push(e));
  const c = sw.placeCall({ caller: '13800138000' });
  return { sw, c, events };
}

describe('simulated switch', () => {
  it('collects digits up to max or a terminator; keys interrupt the prompt', async () => {
    const { sw, c } = setup();
    await sw.answer(c.callId);
    const p = sw.collectDigits(c.callId, { media: 'ask', min: 1, max: 3, timeoutMs: 1000 });
    void c.press('123');
    expect(await p).toEqual({ digits: '123', outcome: 'ok' });
    const q = sw.collectDigits(c.callId, { media: 'ask', min: 1, max: 9, timeoutMs: 1000, terminators: '#' });
    void c.press('45#');
    expect(await q).toEqual({ digits: '45', outcome: 'ok' });
  });

  it('reports timeout with no key, invalid against the pattern, hangup when the caller hangs up', async () => {
    const { sw, c } = setup();
    await sw.answer(c.callId);
    expect(await sw.collectDigits(c.callId, { media: 'ask', min: 1, max: 1, timeoutMs: 50 })).toEqual({ digits: '', outcome: 'timeout' });
    const inv = sw.collectDigits(c.callId, { media: 'ask', min: 2, max: 2, timeoutMs: 500, pattern: '^1\\d$' });
    void c.press('22');
    expect(await inv).toEqual({ digits: '22', outcome: 'invalid' });
    const hung = sw.collectDigits(c.callId, { media: 'ask', min: 1, max: 1, timeoutMs: 1000 });
    await c.hangup();
    expect((await hung).outcome).toBe('hangup');
  });

  it('plays to the end or until stopped; hold lasts until unhold; events arrive in order', async () => {
    const { sw, c, events } = setup();
    await sw.answer(c.callId);
    expect(await sw.play(c.callId, 'a')).toEqual({ interrupted: false });
    const p = sw.play(c.callId, 'b');
    await sw.stopPlayback(c.callId);
    expect(await p).toEqual({ interrupted: true });
    await sw.hold(c.callId, 'music');
    expect(c.hearing).toEqual({ kind: 'hold', media: 'music' });
    await sw.unhold(c.callId);
    expect(c.hearing).toBeUndefined();
    await c.press('5');
    await c.hangup();
    await new Promise((r) => setTimeout(r, 10));
    expect(events.map((e) => e.type)).toEqual(['call.arrived', 'call.answered', 'dtmf', 'call.hungup']);
    await expect(sw.play(c.callId, 'x')).rejects.toMatchObject({ code: 'NO_SUCH_CALL' });
  });

  it('writes a recording at hang-up and then reports it finished', async () => {
    const { sw, c, events } = setup();
    await sw.answer(c.callId);
    const path = `/tmp/hg-sim-${c.callId}.wav`;
    await sw.startRecording(c.callId, path);
    await c.hangup();
    await sw.flush();
    await new Promise((r) => setTimeout(r, 10));
    expect(events.at(-1)).toEqual({ type: 'recording.finished', callId: c.callId, path });
    expect(existsSync(path)).toBe(true);
    rmSync(path);
  });

  it('records one call to several files at once, as FreeSWITCH does: stopping one leaves the others running to the hang-up', async () => {
    const { sw, c, events } = setup();
    await sw.answer(c.callId);
    const whole = `/tmp/hg-sim-${c.callId}-whole.wav`;
    const clip = `/tmp/hg-sim-${c.callId}-clip.wav`;
    await sw.startRecording(c.callId, whole);
    await sw.startRecording(c.callId, clip);
    await sw.stopRecording(c.callId, clip);
    await sw.flush();
    const finished = () => events.filter((e) => e.type === 'recording.finished').map((e) => (e as { path: string }).path);
    expect(finished()).toEqual([clip]);
    await c.hangup();
    await sw.flush();
    await new Promise((r) => setTimeout(r, 10));
    expect(finished()).toEqual([clip, whole]);
    for (const p of [whole, clip]) {
      expect(existsSync(p)).toBe(true);
      rmSync(p);
    }
  });

  it('attended transfer as on FreeSWITCH: hold leaves the bridge, a bridge with a third takes the leg out of its old one, the agent hangs up alone', async () => {
    const { sw, c, events } = setup();
    await sw.answer(c.callId);
    const leg = async (): Promise<string> =>
      (await sw.originate({ endpoint: { kind: 'user', user: '1001' }, callerIdNumber: '12345', timeoutSec: 5 })).callId!;
    const agent = await leg();
    await sw.bridge(c.callId, agent);
    await sw.hold(c.callId);
    expect(events).toContainEqual({ type: 'call.unbridged', callId: agent, otherCallId: c.callId });
    const consult = await leg();
    await sw.bridge(agent, consult);
    await sw.bridge(c.callId, consult);
    expect(events).toContainEqual({ type: 'call.unbridged', callId: agent, otherCallId: consult });
    await sw.hangup(agent);
    const hungUp = events.flatMap((e) => (e.type === 'call.hungup' ? [e.callId] : []));
    expect(hungUp).toEqual([agent]);
    expect(c.hearing).toBeUndefined(); // the music ended with the bridge
  });
});
