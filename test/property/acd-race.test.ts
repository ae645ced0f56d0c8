// Property test of the ACD (issue 5, "What it must show"): two separate gateway-like processes
// (test/property/acd-driver.ts, each its own RedisAcd) race for agents on one real redis-server
// under random arrivals, hang-ups (also during offers), declines, offer timeouts, overflow,
// offers to a named agent (Acd.reserve) and concurrent dispatching and sweeping. Throughout, the
// Redis state is read in one atomic snapshot and checked; afterwards the event logs are. A failing
// seed replays with ACD_SEED=<seed>.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';

let redis: TestRedis;
let dir: string;
beforeAll(async () => {
  redis = await startRedis();
  dir = mkdtempSync(join(tmpdir(), 'hg-acd-prop-'));
});
afterAll(async () => {
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const SEED = Number(process.env.ACD_SEED ?? Math.floor(Math.random() * 2 ** 31));
const AGENTS = 12;
const DURATION_MS = 5000;
const PREFIX = 'prop:';

// Every ACD key at one instant (a read-only script: nothing changes while it runs).
const SNAPSHOT = `
local out = {}
for _, k in ipairs(redis.call('KEYS', ARGV[1] .. 'acd:agent:*')) do
  local h = redis.call('HGETALL', k); table.insert(out, {'agent', k, h})
end
for _, k in ipairs(redis.call('KEYS', ARGV[1] .. 'acd:call:*')) do
  local h = redis.call('HGETALL', k); table.insert(out, {'call', k, h})
end
table.insert(out, {'reservations', '', redis.call('ZRANGE', ARGV[1] .. 'acd:reservations', 0, -1)})
table.insert(out, {'free', '', redis.call('HGETALL', ARGV[1] .. 'acd:free')})
for _, k in ipairs(redis.call('KEYS', ARGV[1] .. 'acd:avail:*')) do
  table.insert(out, {'avail', k, redis.call('ZRANGE', k, 0, -1)})
end
for _, k in ipairs(redis.call('KEYS', ARGV[1] .. 'acd:queue:*')) do
  table.insert(out, {'queue', k, redis.call('ZRANGE', k, 0, -1)})
end
return out`;

type Snapshot = {
  agents: Map<string, Record<string, string>>;
  calls: Map<string, Record<string, string>>;
  reservations: Set<string>;
  avail: Map<string, string[]>;
  queues: Map<string, string[]>;
  free: Record<string, string>;
};

function parse(raw: [string, string, string[]][]): Snapshot {
  const s: Snapshot = { agents: new Map(), calls: new Map(), reservations: new Set(), avail: new Map(), queues: new Map(), free: {} };
  const hash = (flat: string[]) => Object.fromEntries(flat.flatMap((v, i) => (i % 2 ? [] : [[v, flat[i + 1]!]])));
  for (const [kind, key, value] of raw) {
    const id = key.slice(key.lastIndexOf(':') + 1);
    if (kind === 'agent') s.agents.set(id, hash(value));
    else if (kind === 'call') s.calls.set(id, hash(value));
    else if (kind === 'reservations') value.forEach((v) => s.reservations.add(v));
    else if (kind === 'free') s.free = hash(value);
    else if (kind === 'avail') s.avail.set(key, value);
    else s.queues.set(id, value);
  }
  return s;
}

/** What must hold in every state the store can be seen in. */
function violations(s: Snapshot): string[] {
  const v: string[] = [];
  const holder = new Map<string, string>();
  for (const [agent, h] of s.agents) {
    if (h.state === 'reserved' || h.state === 'on-call') {
      if (!h.call) v.push(`${agent} ${h.state} without a call`);
      else if (holder.has(h.call)) v.push(`call ${h.call} held by ${holder.get(h.call)} and ${agent}`);
      else holder.set(h.call, agent);
    }
    if (h.state === 'reserved') {
      const c = s.calls.get(h.call!);
      if (!c || c.state !== 'reserved' || c.agent !== agent) v.push(`${agent} reserved for ${h.call}, which is ${c ? `${c.state} for ${c.agent}` : 'gone'} (zombie)`);
    }
  }
  for (const [call, c] of s.calls) {
    if (c.state === 'reserved') {
      const a = s.agents.get(c.agent!);
      if (a?.state !== 'reserved' || a.call !== call) v.push(`call ${call} reserved for ${c.agent}, who is ${a?.state} with ${a?.call}`);
      if (!s.reservations.has(call)) v.push(`call ${call} reserved but no offer expiry`);
    }
    if (c.state === 'waiting' && !s.queues.get(c.queue!)?.includes(call)) v.push(`call ${call} waiting but not in queue ${c.queue}`);
    if (c.state !== 'waiting' && [...s.queues.values()].some((q) => q.includes(call))) v.push(`call ${call} ${c.state} and still queued`);
  }
  for (const call of s.reservations) if (s.calls.get(call)?.state !== 'reserved') v.push(`offer expiry for ${call}, which is not reserved`);
  for (const [key, members] of s.avail) {
    for (const agent of members) if (s.agents.get(agent)?.state !== 'available') v.push(`${agent} in ${key} but ${s.agents.get(agent)?.state}`);
    const skill = key.slice(key.lastIndexOf(':') + 1);
    if (Number(s.free[skill] ?? 0) !== members.length) v.push(`free count of ${skill} is ${s.free[skill]}, ${members.length} available`);
  }
  for (const [skill, count] of Object.entries(s.free)) {
    if (Number(count) !== 0 && ![...s.avail.keys()].some((k) => k.endsWith(`:${skill}`))) v.push(`free count of ${skill} is ${count}, nobody available`);
  }
  return v;
}

interface Ev {
  t: number;
  inst: string;
  ev: string;
  call?: string;
  agent?: string;
  releasedAgent?: string;
  named?: boolean;
}

it(`two gateway processes never double-assign, never leave an agent reserved, and every call ends answered or abandoned (seed ${SEED})`, async () => {
  const client = redis.client();
  const logs = ['gw-a', 'gw-b'].map((inst) => join(dir, `${inst}.jsonl`));
  const children = ['gw-a', 'gw-b'].map((inst, index) =>
    spawn(process.execPath, ['--import', 'tsx', 'test/property/acd-driver.ts'], {
      env: {
        ...process.env,
        ACD_INSTANCE: inst,
        ACD_INDEX: String(index),
        ACD_SEED: String(SEED),
        ACD_DURATION_MS: String(DURATION_MS),
        ACD_AGENTS: String(AGENTS),
        ACD_LOG: logs[index]!,
        ACD_PREFIX: PREFIX,
        ACD_REDIS_URL: redis.url,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    }),
  );
  const exited = children.map((c) => new Promise<number | null>((r) => c.once('exit', (code) => r(code))));
  let running = true;
  void Promise.all(exited).then(() => (running = false));

  // Throughout: atomic snapshots of the whole ACD state.
  const seen: string[] = [];
  let snapshots = 0;
  let busiest = 0;
  while (running) {
    const s = parse((await client.eval(SNAPSHOT, 0, PREFIX)) as [string, string, string[]][]);
    snapshots++;
    busiest = Math.max(busiest, [...s.agents.values()].filter((a) => a.state === 'reserved' || a.state === 'on-call').length);
    for (const x of violations(s)) if (seen.length < 20) seen.push(x);
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(await Promise.all(exited)).toEqual([0, 0]);
  expect(seen).toEqual([]);

  // Afterwards: nobody reserved, nothing queued or offered, no call left behind.
  const end = parse((await client.eval(SNAPSHOT, 0, PREFIX)) as [string, string, string[]][]);
  expect(violations(end)).toEqual([]);
  expect([...end.agents.entries()].filter(([, a]) => a.state === 'reserved' || a.state === 'on-call').map(([id]) => id)).toEqual([]);
  expect(end.reservations.size).toBe(0);
  expect([...end.queues.values()].flat()).toEqual([]);
  expect([...end.calls.keys()]).toEqual([]);

  // The event logs of both processes.
  const events: Ev[] = logs.flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev));
  expect(events.filter((e) => e.ev === 'error')).toEqual([]);
  const arrived = new Set(events.filter((e) => e.ev === 'arrived').map((e) => e.call!));
  const accepted = events.filter((e) => e.ev === 'accepted');
  // Never one call with two agents: each call is answered at most once, by an agent it was offered to.
  const answeredBy = new Map<string, string>();
  for (const e of accepted) {
    expect(answeredBy.has(e.call!), `call ${e.call} answered twice`).toBe(false);
    answeredBy.set(e.call!, e.agent!);
    expect(events.some((r) => r.ev === 'reserved' && r.call === e.call && r.agent === e.agent && r.t <= e.t)).toBe(true);
  }
  // Never one agent with two calls: an agent's talks (accepted … ending) never overlap. Each
  // interval is logged inside the true one (after accept returned, before endCall was sent), so an
  // overlap seen here is a real one.
  const talks = new Map<string, [number, number][]>();
  for (const e of accepted) {
    const ending = events.find((x) => x.ev === 'ending' && x.call === e.call)!;
    expect(ending, `call ${e.call} never ended`).toBeDefined();
    talks.set(e.agent!, [...(talks.get(e.agent!) ?? []), [e.t, ending.t]]);
  }
  for (const [agent, list] of talks) {
    list.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < list.length; i++) expect(list[i]![0], `${agent} took a call while on another`).toBeGreaterThanOrEqual(list[i - 1]![1]);
  }
  // Every offered call ends answered or abandoned (some overflowed on the way).
  const offered = new Set(events.filter((e) => e.ev === 'reserved').map((e) => e.call!));
  const hungUp = new Set(events.filter((e) => e.ev === 'hungup').map((e) => e.call!));
  for (const call of arrived) expect(answeredBy.has(call) || hungUp.has(call), `call ${call} has no outcome`).toBe(true);
  for (const call of offered) expect(arrived.has(call)).toBe(true);

  // The run really exercised the races it is about.
  const stats = {
    snapshots,
    arrived: arrived.size,
    offered: offered.size,
    answered: answeredBy.size,
    abandonedDuringOffer: events.filter((e) => e.ev === 'hungup' && e.releasedAgent).length,
    refusedAccepts: events.filter((e) => e.ev === 'accept-refused').length,
    lapsed: events.filter((e) => e.ev === 'lapsed').length,
    declined: events.filter((e) => e.ev === 'declined').length,
    overflowed: events.filter((e) => e.ev === 'overflowed').length,
    reservedByOtherInstance: events.filter((e) => e.ev === 'reserved' && !e.call!.startsWith(e.inst)).length,
    reservedByName: events.filter((e) => e.ev === 'reserved' && e.named).length,
    busiestAgents: busiest,
  };
  console.log(`acd property test, seed ${SEED}:`, JSON.stringify(stats));
  expect(stats.arrived).toBeGreaterThan(100);
  expect(stats.answered).toBeGreaterThan(20);
  expect(stats.abandonedDuringOffer).toBeGreaterThan(0);
  expect(stats.lapsed).toBeGreaterThan(0);
  expect(stats.overflowed).toBeGreaterThan(0);
  expect(stats.reservedByOtherInstance).toBeGreaterThan(0);
  expect(stats.reservedByName).toBeGreaterThan(0);
  expect(snapshots).toBeGreaterThan(50);
}, 60_000);
