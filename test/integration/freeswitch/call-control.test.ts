// The agent desktop's call control (issue 5) carried by the FreeSWITCH adapter over the ESL
// double: bridge, hold with music, attended transfer (complete and cancel), three-way call,
// emergency handoff and blind transfer through a gateway. The double only models what the
// captures show (uuid_bridge of two parked legs, uuid_transfer -both park inline, conference
// kick back to park); anything else it refuses, so these pass only on the captured sequences.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FreeSwitchSwitch } from '../../../src/adapters/freeswitch/freeswitch-switch.js';
import type { CallId, SwitchEvent } from '../../../src/core/ports/switch.js';
import { EslDouble } from '../../doubles/esl-double.js';
import { silentLogger } from '../../helpers/logger.js';

describe('call control for the agent desktop on the ESL double', () => {
  let fs: EslDouble;
  let sw: FreeSwitchSwitch;
  let events: SwitchEvent[];

  const until = async (what: string, ok: () => boolean, timeoutMs = 3000): Promise<void> => {
    const end = Date.now() + timeoutMs;
    while (!ok()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const saw = (type: SwitchEvent['type'], callId: CallId, other?: CallId): boolean =>
    events.some(
      (e) =>
        e.type === type &&
        'callId' in e &&
        e.callId === callId &&
        (other === undefined || ('otherCallId' in e && e.otherCallId === other)),
    );
  const partnerOf = (callId: CallId): string | undefined => fs.channels.get(callId)?.bridgedWith;
  const hearing = (callId: CallId): string | undefined => fs.channels.get(callId)?.running?.app;

  /** A citizen's call, answered, bridged with an agent's leg originated to their phone. */
  async function connectedCall(): Promise<{ caller: CallId; agent: CallId }> {
    const caller = fs.placeCall({ caller: '13800138000', variables: { hotline_entry: 'citizen' } });
    await until('the arrival', () => events.some((e) => e.type === 'call.arrived'));
    await sw.answer(caller);
    const leg = await sw.originate({
      endpoint: { kind: 'user', user: '1001' },
      callerIdNumber: '12345',
      timeoutSec: 20,
      variables: { hotline_entry: 'agent-leg' },
    });
    expect(leg.outcome).toBe('answered');
    await sw.bridge(caller, leg.callId!);
    await until('the bridge', () => saw('call.bridged', caller, leg.callId));
    expect(saw('call.bridged', leg.callId!, caller)).toBe(true); // FreeSWITCH tells the A leg only; both are told
    return { caller, agent: leg.callId! };
  }

  async function originate(gateway: string, number: string): Promise<CallId> {
    const r = await sw.originate({
      endpoint: { kind: 'gateway', gateway, number },
      callerIdNumber: '12345',
      timeoutSec: 20,
    });
    expect(r.outcome).toBe('answered');
    return r.callId!;
  }

  beforeEach(async () => {
    fs = new EslDouble({ mediaMs: 5 });
    const port = await fs.listen();
    sw = new FreeSwitchSwitch({
      server: { host: '127.0.0.1', port, password: 'ClueCon' },
      log: silentLogger(),
    });
    events = [];
    sw.on((e) => events.push(e));
    sw.start();
    await until('the connection', () => sw.connection.connected);
  });

  afterEach(async () => {
    await sw.stop();
    await fs.close();
  });

  it('holds a connected caller with music, both legs staying up, and unholds', async () => {
    const { caller, agent } = await connectedCall();
    await sw.hold(caller, 'local_stream://moh');
    expect(saw('call.unbridged', caller, agent) && saw('call.unbridged', agent, caller)).toBe(true);
    expect(hearing(caller)).toBe('endless_playback');
    expect(fs.channels.get(caller)!.running!.arg).toBe('local_stream://moh');
    expect(fs.channels.has(agent)).toBe(true);
    expect(fs.received).toContain(`bgapi uuid_transfer ${caller} -both park inline`);
    await sw.unhold(caller);
    await until('the music to stop', () => hearing(caller) === undefined);
    await sw.bridge(caller, agent); // back to the agent
    expect(partnerOf(caller)).toBe(agent);
  });

  it('attended transfer: caller on hold, consult leg originated, caller bridged to it, agent hangs up', async () => {
    const { caller, agent } = await connectedCall();
    await sw.hold(caller);
    const consult = await originate('subcentre', '12348');
    await sw.bridge(agent, consult);
    expect(partnerOf(agent)).toBe(consult);
    expect(hearing(caller)).toBe('endless_playback'); // still on hold while the agent consults

    // Complete: the consulted party takes the caller; the agent's leg is left alone in park.
    await sw.bridge(caller, consult);
    await until('caller and consult bridged', () => partnerOf(caller) === consult);
    expect(saw('call.bridged', caller, consult)).toBe(true);
    expect(partnerOf(agent)).toBeUndefined();
    await sw.hangup(agent);
    await until('the agent leg to end', () => saw('call.hungup', agent));
    await new Promise((r) => setTimeout(r, 30));
    expect(fs.channels.has(caller) && fs.channels.has(consult)).toBe(true);
    expect(partnerOf(caller)).toBe(consult);
    expect(saw('call.hungup', caller) || saw('call.hungup', consult)).toBe(false);
  });

  it('attended transfer cancelled: the consult leg ends, caller and agent talk again', async () => {
    const { caller, agent } = await connectedCall();
    await sw.hold(caller);
    const consult = await originate('subcentre', '12348');
    await sw.bridge(agent, consult);
    await sw.bridge(caller, agent);
    await until('caller back with the agent', () => partnerOf(caller) === agent);
    expect(hearing(caller)).toBeUndefined();
    await sw.hangup(consult);
    await until('the consult leg to end', () => saw('call.hungup', consult));
    await new Promise((r) => setTimeout(r, 30));
    expect(partnerOf(caller)).toBe(agent);
    expect(saw('call.hungup', caller) || saw('call.hungup', agent)).toBe(false);
  });

  it('three-way call: caller, agent and expert in one conference; the agent leaves, the other two stay', async () => {
    const { caller, agent } = await connectedCall();
    const conference = `hg-3way-${caller.slice(0, 8)}`;
    await sw.conferenceJoin(caller, conference);
    await sw.conferenceJoin(agent, conference, ['moderator']);
    const expert = await originate('experts', '13700000001');
    await sw.conferenceJoin(expert, conference);
    for (const leg of [caller, agent, expert])
      expect(events).toContainEqual({ type: 'conference.joined', callId: leg, conference });
    expect(fs.channels.get(agent)!.running!.arg).toBe(`${conference}@default+flags{moderator}`);

    await sw.conferenceLeave(agent, conference);
    await until('the agent to leave', () => saw('conference.left', agent));
    expect(fs.channels.get(agent)!.conference).toBeUndefined(); // kicked back to park, still up
    await sw.hangup(agent);
    await until('the agent leg to end', () => saw('call.hungup', agent));
    expect(fs.channels.get(caller)!.conference?.name).toBe(conference);
    expect(fs.channels.get(expert)!.conference?.name).toBe(conference);
    expect(saw('conference.left', caller) || saw('conference.left', expert)).toBe(false);
    // Either hanging up now leaves the other alone in the conference, as FreeSWITCH does.
    await sw.hangup(expert);
    await until('the expert to leave', () => saw('conference.left', expert));
    expect(fs.channels.get(caller)!.conference?.name).toBe(conference);
  });

  it('emergency handoff: 110 originated on the emergency trunk and conferenced in; the agent stays until it answers, then leaves', async () => {
    const { caller, agent } = await connectedCall();
    // The trunk refusing first: nothing changes for the caller, still with the agent.
    fs.originateOutcome = () => 'USER_BUSY';
    const refused = await sw.originate({
      endpoint: { kind: 'gateway', gateway: 'emergency', number: '110' },
      callerIdNumber: '12345',
      timeoutSec: 20,
    });
    expect(refused).toEqual({ outcome: 'busy', cause: 'USER_BUSY' });
    expect(partnerOf(caller)).toBe(agent);

    fs.originateOutcome = () => 'answer';
    const police = await sw.originate({
      endpoint: { kind: 'gateway', gateway: 'emergency', number: '110' },
      callerIdNumber: '12345',
      timeoutSec: 20,
      variables: { hotline_entry: 'other', hotline_emergency_line: '110' },
    });
    expect(police.outcome).toBe('answered'); // resolved only once the operator answered
    expect(fs.channels.get(police.callId!)!.channelName).toBe('sofia/gateway/emergency/110');
    const conference = `hg-sos-${caller.slice(0, 8)}`;
    for (const leg of [caller, agent, police.callId!]) await sw.conferenceJoin(leg, conference);
    await sw.conferenceLeave(agent, conference);
    await sw.hangup(agent);
    await until('the agent leg to end', () => saw('call.hungup', agent));
    expect(fs.channels.get(caller)!.conference?.name).toBe(conference);
    expect(fs.channels.get(police.callId!)!.conference?.name).toBe(conference);
  });

  it('blind transfer to a sub-centre line through its gateway: the agent leg ends, the caller is bridged out', async () => {
    const { caller, agent } = await connectedCall();
    await sw.transfer(caller, { kind: 'gateway', gateway: 'subcentre', number: '12348' });
    expect(fs.received).toContain(
      `bgapi uuid_transfer ${caller} set:continue_on_fail=true,set:hangup_after_bridge=true,bridge:sofia/gateway/subcentre/12348,park inline`,
    );
    // Resolved once the far end answered and the caller is bridged to it; the agent's leg has ended.
    await until('the agent leg to end', () => saw('call.hungup', agent));
    expect(
      events.some((e) => e.type === 'call.bridged' && e.callId === caller && e.otherCallId !== agent),
    ).toBe(true);
    const out = fs.channels.get(partnerOf(caller)!)!;
    expect(out.channelName).toBe('sofia/gateway/subcentre/12348');
    expect(saw('call.hungup', caller)).toBe(false);
  });

  it('blind transfer nobody answers: the caller is not lost but back in park, and the transfer fails', async () => {
    const { caller } = await connectedCall();
    fs.originateOutcome = (dial) => (dial.includes('12366') ? 'NO_ANSWER' : 'answer');
    await expect(
      sw.transfer(caller, { kind: 'gateway', gateway: 'subcentre', number: '12366' }),
    ).rejects.toMatchObject({
      code: 'COMMAND_FAILED',
    });
    expect(fs.channels.get(caller)!.application).toBe('park');
    expect(saw('call.hungup', caller)).toBe(false);
    // Still ours: it can be held and bridged again.
    await sw.hold(caller);
    expect(hearing(caller)).toBe('endless_playback');
  });
});
