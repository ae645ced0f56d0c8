// One "gateway-like process" of the ACD property test (test/property/acd-race.test.ts): RedisAcd
// plus a small driver with a seeded random generator — callers arriving, hanging up at random
// moments (also while an agent is being offered their call), agents answering, declining or
// letting offers lapse, calls ending, overflow from the enterprise queue, waiting calls offered to
// a named agent (Acd.reserve, as a blind transfer does) racing the dispatches, and this process
// dispatching and sweeping lapsed offers concurrently with the other one. Every outcome is written
// to an event log (one JSON line per event) the test checks afterwards.
import { appendFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { RedisAcd } from '../../src/adapters/redis/redis-acd.js';
import { RedisKeys } from '../../src/adapters/redis/keys.js';
import type { AcdPolicy, CallPriority, QueueDef } from '../../src/core/acd/model.js';

const env = (k: string) => {
  const v = process.env[k];
  if (v === undefined) throw new Error(`acd-driver: ${k} is not set`);
  return v;
};
const INSTANCE = env('ACD_INSTANCE');
const INDEX = Number(env('ACD_INDEX'));
const SEED = Number(env('ACD_SEED'));
const DURATION_MS = Number(env('ACD_DURATION_MS'));
const AGENTS = Number(env('ACD_AGENTS'));
const LOG = env('ACD_LOG');
const OFFER_MS = 150;

/** mulberry32: small, fast, and the same sequence for the same seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = prng(SEED * 7919 + INDEX);
const between = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo));

const tiers = [
  { afterSec: 0, maxLevel: 1 },
  { afterSec: 0.2, maxLevel: 3 },
];
const queue = (id: string, extra: Partial<QueueDef> = {}): QueueDef => ({ id, name: id, kind: 'general', skill: id, tiers, announceEverySec: 30, callbackOfferAfterSec: 90, ...extra });
const general = queue('general');
const enterprise = queue('enterprise', { kind: 'enterprise', overflow: { afterSec: 0.4, to: 'general' } });
const policy: AcdPolicy = {
  general: 'general',
  queues: new Map([general, enterprise].map((q) => [q.id, q])),
  leaderDuty: {},
  offerTimeoutMs: OFFER_MS,
  wrapUpMs: 20,
  afterMissedOffer: 'not-ready',
  estimate: { recentCalls: 10, defaultHandleSec: 60 },
};

const redis = new Redis(env('ACD_REDIS_URL'), { maxRetriesPerRequest: 2 });
const acd = new RedisAcd(redis, new RedisKeys(env('ACD_PREFIX')), policy, 4);

function log(ev: Record<string, unknown>): void {
  appendFileSync(LOG, `${JSON.stringify({ t: Date.now(), inst: INSTANCE, ...ev })}\n`);
}

const pending = new Set<Promise<unknown>>();
/** Runs work later, tracked so the process can wait for everything it started. */
function later(ms: number, work: () => Promise<unknown>): void {
  const p = new Promise((r) => setTimeout(r, ms))
    .then(work)
    .catch((err: unknown) => {
      log({ ev: 'error', message: (err as Error).message });
    });
  pending.add(p);
  void p.finally(() => pending.delete(p));
}

const myCalls = new Map<string, { queue: string; priority: CallPriority; enqueuedAtMs: number; hungUp: boolean }>();
let seq = 0;
let stopping = false;

async function arrive(): Promise<void> {
  const callId = `${INSTANCE}-c${++seq}`;
  const q = rnd() < 0.3 ? 'enterprise' : 'general';
  const r = rnd();
  const priority: CallPriority = r < 0.05 ? 'emergency-transfer' : r < 0.15 ? 'critical' : 'normal';
  const now = Date.now();
  myCalls.set(callId, { queue: q, priority, enqueuedAtMs: now, hungUp: false });
  await acd.enqueue({ callId, queue: q, priority, enqueuedAtMs: now, owner: INSTANCE });
  log({ ev: 'arrived', call: callId, queue: q, priority });
  // Patience: some callers hang up quickly (often while an offer rings), some wait long.
  later(between(20, 1500), () => hangUp(callId));
  if (q === 'enterprise') later(400 + between(0, 20), () => overflow(callId));
}

async function hangUp(callId: string): Promise<void> {
  const c = myCalls.get(callId);
  if (!c || c.hungUp) return;
  c.hungUp = true;
  const { releasedAgent } = await acd.remove(callId);
  log({ ev: 'hungup', call: callId, ...(releasedAgent ? { releasedAgent } : {}) });
}

async function overflow(callId: string): Promise<void> {
  const c = myCalls.get(callId);
  if (!c || c.hungUp) return;
  const s = await acd.standing(callId);
  if (s?.state !== 'waiting' || s.queue !== 'enterprise') return;
  // 0: answered or gone since (the overflow raced an answer or a hang-up).
  if ((await acd.move(callId, 'general')).position > 0) log({ ev: 'overflowed', call: callId });
}

/** The agent's side of an offer made by this process's dispatch. */
function offer(callId: string, agentId: string): void {
  const r = rnd();
  if (r < 0.65) {
    later(between(0, OFFER_MS + 40), async () => {
      const ok = await acd.accept(agentId, callId, Date.now());
      if (!ok) {
        log({ ev: 'accept-refused', call: callId, agent: agentId });
        return;
      }
      log({ ev: 'accepted', call: callId, agent: agentId });
      // Bridged: the call leaves its queue (the IVR's leave-queue), the agent talks.
      await acd.remove(callId);
      later(between(10, 200), async () => {
        log({ ev: 'ending', call: callId, agent: agentId });
        await acd.endCall(agentId, Date.now());
      });
    });
  } else if (r < 0.8) {
    later(between(0, OFFER_MS), async () => {
      await acd.release(agentId, callId, Date.now(), rnd() < 0.5 ? { state: 'available' } : { state: 'not-ready', reason: 'missed-offer' });
      log({ ev: 'declined', call: callId, agent: agentId });
    });
  }
  // Otherwise the agent does nothing and the offer lapses; any instance sweeps it.
}

async function dispatchLoop(): Promise<void> {
  while (!stopping || myCalls.size > 0 || pending.size > 0) {
    const made = await acd.dispatch(['general', 'enterprise'], Date.now());
    for (const r of made) {
      log({ ev: 'reserved', call: r.callId, agent: r.agentId, owner: r.owner });
      offer(r.callId, r.agentId);
    }
    await new Promise((res) => setTimeout(res, between(2, 20)));
    if (stopping && pending.size === 0) break;
  }
}

async function sweepLoop(): Promise<void> {
  for (;;) {
    for (const r of await acd.lapsed(Date.now())) {
      await acd.release(r.agentId, r.callId, Date.now(), { state: 'not-ready', reason: 'missed-offer' });
      log({ ev: 'lapsed', call: r.callId, agent: r.agentId });
    }
    if (stopping && pending.size === 0) return;
    await new Promise((res) => setTimeout(res, between(10, 40)));
  }
}

/** One of this process's waiting calls offered to a named agent (either process's), racing the dispatches. */
async function offerByName(): Promise<void> {
  const open = [...myCalls.entries()].filter(([, c]) => !c.hungUp);
  if (open.length === 0) return;
  const [callId, c] = open[between(0, open.length)]!;
  // An agent who looked available a moment ago: the reservation races the dispatches for them.
  const free = (await acd.agents()).filter((a) => a.state === 'available');
  const agentId = free.length > 0 ? free[between(0, free.length)]!.agentId : `ag${between(0, AGENTS)}`;
  const queue = (await acd.standing(callId))?.queue ?? c.queue;
  const r = await acd.reserve(agentId, Date.now(), { kind: 'offer', call: { callId, queue, priority: c.priority, enqueuedAtMs: c.enqueuedAtMs, owner: INSTANCE } });
  if (!r) return;
  log({ ev: 'reserved', call: r.callId, agent: r.agentId, owner: r.owner, named: true });
  offer(r.callId, r.agentId);
}

/** This process's agents' desks: back to available after a missed offer or a break; breaks now and then. */
async function deskLoop(): Promise<void> {
  const mine = [...Array(AGENTS).keys()].filter((i) => i % 2 === INDEX).map((i) => `ag${i}`);
  for (const a of mine) {
    await acd.login(a, i2skills(Number(a.slice(2))), Date.now());
  }
  while (!(stopping && pending.size === 0)) {
    const a = mine[between(0, mine.length)]!;
    const s = await acd.status(a);
    if (s.state === 'not-ready') await acd.setState(a, 'available', Date.now());
    else if (s.state === 'available' && rnd() < 0.05) await acd.setState(a, 'not-ready', Date.now(), 'break');
    if (!stopping && rnd() < 0.2) await offerByName();
    await new Promise((res) => setTimeout(res, between(2, 15)));
  }
}

function i2skills(i: number): Record<string, number> {
  const k = i % 4;
  if (k === 0) return { general: 1 };
  if (k === 1) return { general: 2, enterprise: 1 };
  if (k === 2) return { enterprise: 2, general: 3 };
  return { general: 1, enterprise: 3 };
}

async function main(): Promise<void> {
  const loops = [deskLoop(), dispatchLoop(), sweepLoop()];
  const end = Date.now() + DURATION_MS;
  while (Date.now() < end) {
    await arrive();
    await new Promise((res) => setTimeout(res, between(3, 30)));
  }
  // The run is over: the callers still waiting hang up (their outcome: abandoned).
  for (const id of myCalls.keys()) await hangUp(id);
  stopping = true;
  while (pending.size > 0) await Promise.all([...pending]);
  await Promise.all(loops);
  // A last sweep once every offer made has had time to lapse.
  await new Promise((res) => setTimeout(res, OFFER_MS + 20));
  for (const r of await acd.lapsed(Date.now())) {
    await acd.release(r.agentId, r.callId, Date.now(), { state: 'not-ready', reason: 'missed-offer' });
    log({ ev: 'lapsed', call: r.callId, agent: r.agentId });
  }
  log({ ev: 'done', calls: seq });
  redis.disconnect();
}

main().catch((err: unknown) => {
  log({ ev: 'error', message: (err as Error).stack ?? String(err) });
  process.exit(1);
});
