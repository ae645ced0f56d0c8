import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisKeys } from '../../../src/adapters/redis/keys.js';
import { RedisCallOwnership } from '../../../src/adapters/redis/redis-call-ownership.js';
import { FreeSwitchSwitch } from '../../../src/adapters/freeswitch/freeswitch-switch.js';
import { OwnedSwitch } from '../../../src/services/owned-switch.js';
import type { SwitchEvent } from '../../../src/core/ports/switch.js';
import { startRedis, type TestRedis } from '../../helpers/redis-server.js';
import { silentLogger } from '../../helpers/logger.js';
import { EslDouble } from '../../doubles/esl-double.js';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisCallStore } from '../../../src/adapters/redis/redis-call-store.js';
import { renderCallWav } from '../../../src/adapters/simulated/wav.js';
import type { CallDetailRecord } from '../../../src/core/calls/call-record.js';
import type { CallRecorder } from '../../../src/services/call-recorder.js';
import { recordLapsedCall } from '../../../src/services/lapsed-call.js';
import { RedisAcd } from '../../../src/adapters/redis/redis-acd.js';
import { acdPolicy } from '../../../src/config/acd.js';
import { loadConfig } from '../../../src/config/load.js';
import type { QueueEvent } from '../../../src/services/ivr-runner.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}

describe('call ownership in Redis', () => {
  it('gives each call to exactly one of two instances claiming it at the same moment', async () => {
    const keys = new RedisKeys('race1:');
    const a = new RedisCallOwnership(redis.client(), keys, 'gw-a', 10_000, 'fs1');
    const b = new RedisCallOwnership(redis.client(), keys, 'gw-b', 10_000, 'fs1');
    const ids = Array.from({ length: 200 }, (_, i) => `call-${i}`);
    const [wonA, wonB] = await Promise.all([
      Promise.all(ids.map((id) => a.claim(id))),
      Promise.all(ids.map((id) => b.claim(id))),
    ]);
    for (let i = 0; i < ids.length; i++) expect(wonA[i] !== wonB[i]).toBe(true);
    expect(wonA.filter(Boolean).length + wonB.filter(Boolean).length).toBe(200);
    const first = ids[wonA.indexOf(true)] ?? ids[0]!;
    expect(await a.owner(first)).toBe(wonA.includes(true) ? 'gw-a' : 'gw-b');
    // Claiming again is idempotent for the owner and refused to the other.
    const ownerOf0 = wonA[0] ? a : b;
    const otherOf0 = wonA[0] ? b : a;
    expect(await ownerOf0.claim('call-0')).toBe(true);
    expect(await otherOf0.claim('call-0')).toBe(false);
  });

  it('renews only for the owner, and lets another instance take a call once the lease lapses', async () => {
    const keys = new RedisKeys('race2:');
    const a = new RedisCallOwnership(redis.client(), keys, 'gw-a', 500, 'fs1');
    const b = new RedisCallOwnership(redis.client(), keys, 'gw-b', 500, 'fs1');
    expect(await a.claim('c1')).toBe(true);
    expect(await b.renew(['c1'])).toEqual(['c1']);
    await sleep(300);
    expect(await a.renew(['c1'])).toEqual([]);
    await sleep(300);
    expect(await b.claim('c1')).toBe(false); // renewed 300 ms ago, 600 ms after the claim: still a's
    await sleep(500);
    expect(await b.claim('c1')).toBe(true); // a stopped renewing
    expect(await a.renew(['c1'])).toEqual(['c1']);
    await a.release('c1'); // not a's any more: no effect
    expect(await b.owner('c1')).toBe('gw-b');
    await b.release('c1');
    expect(await b.owner('c1')).toBeUndefined();
  });
});

/** A gateway instance's call side on the ESL double: its own socket and lease, records taken at the port. */
function instance(o: {
  port: number;
  keys: RedisKeys;
  leaseMs: number;
  name: string;
  records: { by: string; callId: string; disposition: string; hangupCause?: string; endTime?: string }[];
  recordQueued?: (callId: string) => Promise<void>;
  queues?: Parameters<typeof recordLapsedCall>[1]['queues'];
}) {
  const sw = new FreeSwitchSwitch({ server: { host: '127.0.0.1', port: o.port, password: 'ClueCon' }, log: silentLogger() });
  const calls = new RedisCallStore(redis.client(), o.keys, { factRetentionSeconds: 3600 });
  const recorder: CallRecorder = { record: async (r) => void o.records.push({ by: o.name, callId: r.callId, disposition: r.disposition, hangupCause: r.hangupCause, endTime: r.endTime }) };
  const ownership = new RedisCallOwnership(redis.client(), o.keys, o.name, o.leaseMs, sw.id);
  const owned = new OwnedSwitch(sw, ownership, {
    renewEveryMs: o.leaseMs / 3,
    onLapsed: (call, ended) => recordLapsedCall(call, { calls, recorder, log: silentLogger(), ...(o.queues ? { queues: o.queues } : {}) }, ended),
    ...(o.recordQueued ? { recordQueued: o.recordQueued } : {}),
    log: silentLogger(),
  });
  const arrived: string[] = [];
  owned.on((e) => void (e.type === 'call.arrived' && arrived.push(e.call.callId)));
  sw.start();
  owned.start();
  return { name: o.name, sw, owned, arrived, ownership };
}

describe('two gateway instances on one FreeSWITCH (ESL double)', () => {
  it('drive every call exactly once, the survivor takes over the calls of an instance that died, and records the one that ended meanwhile', async () => {
    const fs = new EslDouble({ mediaMs: 5 });
    const port = await fs.listen();
    const keys = new RedisKeys('race3:');
    const leaseMs = 600;
    const calls$ = new RedisCallStore(redis.client(), keys, { factRetentionSeconds: 3600 });
    const acd = new RedisAcd(redis.client(), keys, acdPolicy(loadConfig({}).config.acd));
    const left: QueueEvent[] = [];
    const records: { by: string; record: CallDetailRecord }[] = [];
    const make = (name: string): { sw: FreeSwitchSwitch; owned: OwnedSwitch; events: SwitchEvent[] } => {
      const sw = new FreeSwitchSwitch({
        server: { host: '127.0.0.1', port, password: 'ClueCon' },
        log: silentLogger(),
      });
      const recorder: CallRecorder = { record: async (record) => void records.push({ by: name, record }) };
      const owned = new OwnedSwitch(sw, new RedisCallOwnership(redis.client(), keys, name, leaseMs, sw.id), {
        renewEveryMs: leaseMs / 3,
        onLapsed: (call) => recordLapsedCall(call, { calls: calls$, recorder, log: silentLogger(), queues: { acd, left: (e) => left.push(e) } }),
        log: silentLogger(),
      });
      const events: SwitchEvent[] = [];
      owned.on((e) => events.push(e));
      sw.start();
      owned.start();
      return { sw, owned, events };
    };
    const a = make('gw-a');
    const b = make('gw-b');
    await until(() => fs.connectedClients === 2);
    await sleep(50); // both have reconciled their (empty) view

    const calls = Array.from({ length: 30 }, (_, i) =>
      fs.placeCall({ caller: `1380000${String(i).padStart(4, '0')}` }),
    );
    const arrivals = (s: { events: SwitchEvent[] }): string[] =>
      s.events.flatMap((e) => (e.type === 'call.arrived' ? [e.call.callId] : []));
    await until(() => arrivals(a).length + arrivals(b).length === 30);
    await sleep(50);
    expect([...arrivals(a), ...arrivals(b)].sort()).toEqual([...calls].sort());

    // Only the owner hears a call's later events.
    const one = calls[0]!;
    const ownerOfOne = arrivals(a).includes(one) ? a : b;
    const otherOfOne = ownerOfOne === a ? b : a;
    fs.pressDigits(one, '5');
    await until(() => ownerOfOne.events.some((e) => e.type === 'dtmf' && e.callId === one));
    expect(otherOfOne.events.some((e) => e.type === 'dtmf' && e.callId === one)).toBe(false);

    // A call its live owner sees end is the owner's to record: the watcher records nothing.
    const endedNormally = calls[1]!;
    fs.hangup(endedNormally);
    await until(() => [a, b].every((s) => s.events.some((e) => e.type === 'call.hungup' && e.callId === endedNormally) || !arrivals(s).includes(endedNormally)));

    // One instance dies (the one holding more calls): no more renewals, no more socket.
    // One of its calls ends meanwhile.
    const [dead, survivor] = arrivals(a).length >= arrivals(b).length ? [a, b] : [b, a];
    const deadCalls = arrivals(dead).filter((c) => c !== endedNormally);
    // What the dead owner had stored of the call that will end meanwhile: a fact, and a recording
    // the switch had been writing (here a file of ours).
    const dir = mkdtempSync(join(tmpdir(), 'hg-lapsed-'));
    const wav = join(dir, `${deadCalls[0]}.wav`);
    writeFileSync(wav, renderCallWav(800, []));
    const arrivedAt = dead.events.find((e) => e.type === 'call.arrived' && e.call.callId === deadCalls[0])!;
    await calls$.appendFact(deadCalls[0]!, { at: new Date().toISOString(), type: 'queue.entered', detail: { queue: 'general' } });
    await calls$.saveRecording({ recordingId: deadCalls[0]!, callId: deadCalls[0]!, caller: '+8613800000000', entry: { kind: 'citizen' }, path: wav, startTime: new Date().toISOString() });
    // It waits in a queue, as the dead owner's IVR had put it there.
    await acd.enqueue({ callId: deadCalls[0]!, queue: 'general', priority: 'normal', enqueuedAtMs: Date.now(), owner: dead === a ? 'gw-a' : 'gw-b' });
    dead.owned.stop();
    await dead.sw.stop();
    const endedMeanwhile = deadCalls[0]!;
    fs.hangup(endedMeanwhile);
    const before = arrivals(survivor).length;
    await until(() => arrivals(survivor).length === before + deadCalls.length - 1, 3000);
    // The normally ended call's mark outlives the survivor's watch of it (two leases): past them,
    // still no record of it from anyone but its owner's IVR (not running here).
    await sleep(2.5 * leaseMs);
    expect(arrivals(survivor).slice(before).sort()).toEqual(
      deadCalls.filter((c) => c !== endedMeanwhile).sort(),
    );
    expect(survivor.owned.ownedCalls().sort()).toEqual(calls.filter((c) => c !== endedMeanwhile && c !== endedNormally).sort());
    // The call that ended while nobody owned it has its record, once, from the survivor: interrupted,
    // with the dead owner's fact and the recording's checksum (art. 17: every call archived).
    await until(() => records.length > 0);
    expect(records.map((r) => [r.by, r.record.callId, r.record.disposition])).toEqual([[survivor === a ? 'gw-a' : 'gw-b', endedMeanwhile, 'interrupted']]);
    const lapsed = records[0]!.record;
    expect(lapsed).toMatchObject({ direction: 'inbound', arrivedTime: (arrivedAt as { call: { createdAt: string } }).call.createdAt, hangupCause: '', callbackRequested: false });
    expect(lapsed.facts.map((f) => f.type)).toEqual(['queue.entered']);
    expect(lapsed.recording).toMatchObject({ sha256: createHash('sha256').update(readFileSync(wav)).digest('hex'), bytes: readFileSync(wav).length });
    expect((await calls$.recording(endedMeanwhile))!.sha256).toBe(lapsed.recording!.sha256);
    // Out of its queue: no agent will be offered a call that is gone.
    expect(await acd.standing(endedMeanwhile)).toBeUndefined();
    expect(await acd.waiting('general')).toEqual([]);
    expect(left).toEqual([{ type: 'left', callId: endedMeanwhile, queue: 'general' }]);

    // The survivor now drives a taken-over call.
    const taken = deadCalls.find((c) => c !== endedMeanwhile)!;
    await survivor.owned.answer(taken);
    await until(() => survivor.events.some((e) => e.type === 'call.answered' && e.callId === taken));

    survivor.owned.stop();
    await survivor.sw.stop();
    await fs.close();
  });

  it("keep a call's lease until its record is queued: an owner dying in between leaves it to the survivor, a slow live one is waited for", async () => {
    const fs = new EslDouble({ mediaMs: 5 });
    const port = await fs.listen();
    const keys = new RedisKeys('race4:');
    const leaseMs = 600;
    const records: { by: string; callId: string; disposition: string }[] = [];
    /** Per call, when its owner's IVR has queued the record (resolved by the test). */
    const queued = new Map<string, () => void>();
    // The IVR still completing the recording and writing the record after the hang-up.
    const recordQueued = (callId: string) => new Promise<void>((resolve) => queued.set(callId, resolve));
    const make = (name: string) => instance({ port, keys, leaseMs, name, records, recordQueued });
    const a = make('gw-a');
    const b = make('gw-b');
    await until(() => fs.connectedClients === 2);
    await sleep(50);
    const calls = [fs.placeCall({ caller: '13800000001' }), fs.placeCall({ caller: '13800000002' }), fs.placeCall({ caller: '13800000003' })];
    await until(() => a.arrived.length + b.arrived.length === 3);
    const ownerOf = (c: string) => (a.arrived.includes(c) ? a : b);

    // A live owner slow to queue its record (three leases): the watcher waits, and records nothing.
    const slow = calls[0]!;
    fs.hangup(slow);
    await until(() => queued.has(slow));
    await sleep(3 * leaseMs);
    expect(records).toEqual([]);
    queued.get(slow)!();

    // An owner that dies after the hang-up, still writing the record two and a half leases on:
    // the survivor, still watching, records it.
    const dying = ownerOf(calls[1]!);
    const survivor = dying === a ? b : a;
    const cut = calls[1]!;
    fs.hangup(cut);
    await until(() => queued.has(cut));
    await sleep(2.5 * leaseMs);
    dying.owned.stop();
    await dying.sw.stop();
    await until(() => records.length > 0, 5 * leaseMs);
    await sleep(leaseMs);
    expect(records).toMatchObject([{ by: survivor.name, callId: cut, disposition: "interrupted" }]);

    // The survivor's own call, recorded by its IVR: released after it, no second record.
    const own = calls[2]!; // the survivor's from the start, or taken over from the dead one
    await until(() => survivor.owned.ownedCalls().includes(own), 5 * leaseMs);
    fs.hangup(own);
    await until(() => queued.has(own));
    queued.get(own)!();
    await sleep(3 * leaseMs);
    expect(records).toHaveLength(1);

    survivor.owned.stop();
    await survivor.sw.stop();
    await fs.close();
  });

  it('a single gateway restarted: the call that ended while it was down is recorded once, from the registry; the one still waiting is taken over', async () => {
    const fs = new EslDouble({ mediaMs: 5 });
    const port = await fs.listen();
    const keys = new RedisKeys('race5:');
    const leaseMs = 600;
    const records: { by: string; callId: string; disposition: string }[] = [];
    const make = (name: string) => instance({ port, keys, leaseMs, name, records });
    const first = make('gw-run-1');
    await until(() => fs.connectedClients === 1);
    await sleep(50);
    const ending = fs.placeCall({ caller: '13800000011' });
    const waiting = fs.placeCall({ caller: '13800000012' });
    await until(() => first.arrived.length === 2);
    expect((await first.ownership.unreleased()).sort()).toEqual([ending, waiting].sort());

    // The gateway stops (no release), one call ends while it is down, and it starts again as a new instance.
    first.owned.stop();
    await first.sw.stop();
    await until(() => fs.connectedClients === 0);
    fs.hangup(ending);
    const second = make('gw-run-2');
    await until(() => second.arrived.includes(waiting), 6 * leaseMs);
    await until(() => records.length > 0, 6 * leaseMs);
    await sleep(2 * leaseMs); // more sweeps: still one record
    expect(records).toMatchObject([{ by: 'gw-run-2', callId: ending, disposition: 'interrupted' }]);
    expect(second.owned.ownedCalls()).toEqual([waiting]);
    expect(await second.ownership.unreleased()).toEqual([waiting]);

    second.owned.stop();
    await second.sw.stop();
    await fs.close();
  });

  it('a call bridged with an agent when its owner died is adopted, not driven: left talking, recorded when it ends, the agent leg hung up and the agent\'s call ended', async () => {
    const fs = new EslDouble({ mediaMs: 5 });
    const port = await fs.listen();
    const keys = new RedisKeys('race6:');
    const leaseMs = 600;
    const acd = new RedisAcd(redis.client(), keys, acdPolicy(loadConfig({}).config.acd));
    const left: QueueEvent[] = [];
    const records: { by: string; callId: string; disposition: string; hangupCause?: string; endTime?: string }[] = [];
    const make = (name: string) => instance({ port, keys, leaseMs, name, records, queues: { acd, left: (e) => left.push(e) } });
    const a = make('gw-a');
    const b = make('gw-b');
    await until(() => fs.connectedClients === 2);
    await sleep(50);
    const citizen = fs.placeCall({ caller: '13800000021' });
    await until(() => a.arrived.length + b.arrived.length === 1);
    const owner = a.arrived.includes(citizen) ? a : b;
    const survivor = owner === a ? b : a;
    // The owner's desk rang the agent's phone (a leg it placed: nobody else watches it).
    const leg = await owner.owned.originate({ endpoint: { kind: 'user', user: '2001' }, callerIdNumber: '12345', timeoutSec: 5, variables: { origination_uuid: randomUUID(), hotline_entry: 'agent-leg' } });
    expect(leg.outcome).toBe('answered');
    const agentLeg = leg.callId!;
    // The owner's desk put an agent on the call, then bridged the citizen with the agent's leg.
    const t = Date.now();
    await acd.login('a9', { general: 1 }, t);
    await acd.enqueue({ callId: citizen, queue: 'general', priority: 'normal', enqueuedAtMs: t, owner: owner.name });
    expect(await acd.dispatch(['general'], t)).toHaveLength(1);
    expect(await acd.accept('a9', citizen, t)).toBe(true);
    await owner.owned.bridge(citizen, agentLeg);
    await until(() => fs.channels.get(citizen)?.application === 'uuid_bridge');
    const arrivalsBefore = survivor.arrived.length;

    // The owner dies; the survivor claims the call once the lease lapses and finds it bridged.
    owner.owned.stop();
    await owner.sw.stop();
    await sleep(4 * leaseMs);
    expect(survivor.arrived.length).toBe(arrivalsBefore); // not driven as a new arrival (no IVR over the conversation)
    expect(await redis.client().get(`race6:call:owner:${citizen}`)).toBe(survivor.name);
    expect(fs.channels.get(citizen)?.application).toBe('uuid_bridge'); // still talking
    expect(records).toEqual([]);

    // The citizen hangs up: recorded once with the end as seen, the agent's leg hung up, the agent's call ended.
    const hungUpAt = Date.now();
    fs.hangup(citizen);
    await until(() => records.length > 0, 4000);
    await until(() => !fs.channels.get(agentLeg), 2000);
    expect(records).toMatchObject([{ by: survivor.name, callId: citizen, disposition: 'interrupted', hangupCause: 'NORMAL_CLEARING' }]);
    expect(Math.abs(Date.parse(records[0]!.endTime!) - hungUpAt)).toBeLessThan(1000);
    await until(() => left.length > 0, 2000); // the queues are seen to after the record
    expect((await acd.status('a9')).state).toMatch(/^(wrap-up|available)$/);
    expect(left).toEqual([{ type: 'left', callId: citizen, queue: 'general', endedAgent: 'a9' }]);
    await sleep(2 * leaseMs);
    expect(records).toHaveLength(1);

    survivor.owned.stop();
    await survivor.sw.stop();
    await fs.close();
  });
});
