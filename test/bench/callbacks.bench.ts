// Idle-time callback dial decision (issue 6: "time from an agent becoming idle to the callback
// dial decision with 100,000 pending callbacks, p99, as a ratio to a bare Redis round trip"), on
// a real redis-server of its own. Each round one agent becomes available (Acd.setState), which
// makes their queue idle (two agents free, nobody waiting); the decision is what the idle-time
// dialler does then: Acd.load(queues) + store.inFlight() + store.ready(queues, now, k) +
// decideIdleDialling(…) + store.grant of the callback chosen. Measured with 100 and with
// 100,000 pending busy-time callbacks (ready reads the heads of sorted sets, so the two should
// cost the same). Baseline: a bare PING on the same server and connection, interleaved round by
// round. Between rounds (not timed) the attempt is recorded as reached, the agent goes back to
// not ready, and a new callback is requested, so the number pending stays the same.
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import type { Redis } from 'ioredis';
import { RedisAcd } from '../../src/adapters/redis/redis-acd.js';
import { RedisCallbackStore } from '../../src/adapters/redis/redis-callback-store.js';
import { RedisKeys } from '../../src/adapters/redis/keys.js';
import { callbackPolicy, decideIdleDialling } from '../../src/core/callbacks/idle-dialling.js';
import type { StoredCallback } from '../../src/core/ports/callbacks.js';
import { startRedis } from '../helpers/redis-server.js';
import { storedCallback } from '../builders/callback.js';
import { benchAcdPolicy, fmt, stats, type Stats } from './support.js';

const QUEUES = ['general', 'enterprise', 'counselling', 'sub-12348'];
const AGENTS_PER_QUEUE = 10;
const ROUNDS = 2000;
/** Heads read per queue: the pacing cap allows at most ⌊0.5 × free agents⌋ dials at once, so a few suffice. */
const PER_QUEUE = 4;
// 10:00 in Shanghai on a weekday: inside the calling window.
const NOW = Date.UTC(2026, 10, 23, 2, 0, 0);
const policy = callbackPolicy({
  window: { start: '08:00', end: '21:00', timeZone: 'Asia/Shanghai' },
  retry: { maxAttempts: 3, firstDelayMs: 600_000, factor: 2, maxDelayMs: 3600_000 },
  deadlineHours: 24,
  abandonedAfterSeconds: 10,
  idle: { maxWaiting: 0, minFreeAgents: 2 },
  pacing: { targetAnswerRate: 0.95, windowMinutes: 15, minOffered: 20, maxInFlightPerFreeAgent: 0.5 },
});

let seq = 0;
function callback(requestedAt: number, rnd: () => number): StoredCallback {
  seq++;
  const number = `+86139${String(10_000_000 + seq)}`;
  const first = QUEUES[Math.floor(rnd() * QUEUES.length)]!;
  const second = QUEUES[Math.floor(rnd() * QUEUES.length)]!;
  return storedCallback({ number, citizenKey: `tel:${number}`, queues: rnd() < 0.2 && second !== first ? [first, second] : [first], requestedAt });
}

async function phase(client: Redis, pending: number): Promise<{ decision: Stats; event: Stats; ping: Stats; dialled: number; reads: Stats; decide: Stats; grant: Stats; inside: Record<'ready' | 'grant' | 'ping', Stats> }> {
  const keys = new RedisKeys(`bench-${randomUUID().slice(0, 6)}:`);
  const acdPolicy = benchAcdPolicy(QUEUES, [{ afterSec: 0, maxLevel: 9 }]);
  const acd = new RedisAcd(client, keys, acdPolicy);
  const store = new RedisCallbackStore(client, keys, { retentionMs: 7 * 86_400_000 });
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

  // Agents: one available per queue (a queue with one free agent is not idle: minFreeAgents 2), the rest not ready.
  const spare: Record<string, string[]> = {};
  for (const q of QUEUES) {
    spare[q] = [];
    for (let i = 0; i < AGENTS_PER_QUEUE; i++) {
      const id = `${q}-a${i}`;
      await acd.login(id, { [q]: 1 }, NOW - 3600_000);
      if (i > 0) {
        await acd.setState(id, 'not-ready', NOW - 3600_000, 'break');
        spare[q].push(id);
      }
    }
  }
  // The pending callbacks, requested over the morning (arrival order), created 1,000 at a time.
  let requested = NOW - 4 * 3600_000;
  const step = (4 * 3600_000) / (pending + ROUNDS + 10);
  for (let made = 0; made < pending; ) {
    const batch: Promise<boolean>[] = [];
    for (let i = 0; i < 1000 && made < pending; i++, made++) batch.push(store.create(callback((requested += step), rnd)));
    await Promise.all(batch);
  }

  const live = { offered: 100, answered: 98 };
  const time = async (op: () => Promise<unknown>) => {
    const t = performance.now();
    await op();
    return performance.now() - t;
  };
  const decisions: number[] = [];
  const events: number[] = [];
  const pings: number[] = [];
  const parts = { reads: [] as number[], decide: [] as number[], grant: [] as number[] };
  let dialled = 0;
  const inside = { ready: [] as number[], grant: [] as number[], ping: [] as number[] };
  for (let round = -200; round < ROUNDS; round++) {
    if (round === 0) {
      // Redis's own time per command from here on (SLOWLOG with a threshold of 0: without the
      // client, the socket or the scheduling of a busy machine).
      await client.config('SET', 'slowlog-log-slower-than', '0');
      await client.config('SET', 'slowlog-max-len', '200000');
      await client.slowlog('RESET');
    }
    if (round > 0 && round % 500 === 0) await collect(client, inside);
    const q = QUEUES[((round % QUEUES.length) + QUEUES.length) % QUEUES.length]!;
    const agent = spare[q]![Math.abs(round) % spare[q]!.length]!;
    const ping = await time(() => client.ping());
    const t0 = performance.now();
    await acd.setState(agent, 'available', NOW);
    const t1 = performance.now();
    // The three reads go out together (one write on the connection), as the dialler sends them.
    const [queues, inFlight, ready] = await Promise.all([acd.load(QUEUES), store.inFlight(), store.ready(QUEUES, NOW, PER_QUEUE)]);
    const tr = performance.now();
    const decision = decideIdleDialling({ now: NOW, queues, live, inFlight, pending: ready }, policy);
    const td = performance.now();
    const granted = [];
    for (const d of decision.dial) granted.push(await store.grant((d.callback as StoredCallback).id, d.queue, NOW));
    const t2 = performance.now();
    if (round >= 0) {
      parts.reads.push(tr - t1);
      parts.decide.push(td - tr);
      parts.grant.push(t2 - td);
      pings.push(ping);
      decisions.push(t2 - t1);
      events.push(t2 - t0);
      dialled += granted.filter(Boolean).length;
    }
    // Not timed: the attempt reached the citizen, the agent is busy again, a new citizen asks.
    for (const g of granted) {
      if (!g) continue;
      const { granted: _g, ...rest } = g;
      await store.save({ ...rest, status: 'reached', attempts: [{ number: 1, at: NOW, outcome: 'reached' }] });
      await store.create(callback((requested += step), rnd));
    }
    await acd.setState(agent, 'not-ready', NOW, 'break');
  }
  await collect(client, inside);
  await client.config('SET', 'slowlog-log-slower-than', '10000');
  const counts = await store.counts();
  if (counts.pending !== pending) throw new Error(`expected ${pending} pending, found ${counts.pending}`);
  return {
    decision: stats(decisions),
    event: stats(events),
    ping: stats(pings),
    dialled,
    reads: stats(parts.reads),
    decide: stats(parts.decide),
    grant: stats(parts.grant),
    inside: { ready: stats(inside.ready), grant: stats(inside.grant), ping: stats(inside.ping) },
  };
}

/** Durations (µs) the server recorded for the ready and grant scripts and PING since the last call; resets the log. */
async function collect(client: Redis, into: { ready: number[]; grant: number[]; ping: number[] }): Promise<void> {
  const entries = (await client.slowlog('GET', 200000)) as [number, number, number, string[]][];
  await client.slowlog('RESET');
  for (const [, , micros, args] of entries) {
    const cmd = args[0]?.toLowerCase();
    if (cmd === 'ping') into.ping.push(micros);
    else if (cmd === 'evalsha' && args[3]?.endsWith('cb:later')) into.ready.push(micros);
    // callback-grant-1: one key, the record hash (callback-save-2 has two).
    else if (cmd === 'evalsha' && args[2] === '1' && args[3]?.includes('cb:rec:')) into.grant.push(micros);
  }
}

export async function run(): Promise<void> {
  const redis = await startRedis();
  try {
    const client = redis.client();
    const us = (s: Stats) => `p50 ${fmt(s.p50 * 1000)} µs, p99 ${fmt(s.p99 * 1000)} µs (mean ${fmt(s.mean * 1000)} µs)`;
    const inUs = (s: Stats) => `p50 ${fmt(s.p50)} µs, p99 ${fmt(s.p99)} µs`;
    const ratio = (a: number, b: number) => `${fmt(a / b, 2)}×`;
    for (const pending of [100, 100_000]) {
      const t = performance.now();
      const r = await phase(client, pending);
      process.stdout.write(
        `callbacks bench: ${fmt(pending)} pending busy-time callbacks in ${QUEUES.length} queues, ${QUEUES.length * AGENTS_PER_QUEUE} agents, ${ROUNDS} rounds (${fmt((performance.now() - t) / 1000, 1)} s with the fill)\n` +
          `  baseline PING round trip: ${us(r.ping)}\n` +
          `  dial decision (load + inFlight + ready + decide + grant): ${us(r.decision)} — ${r.dialled} of ${ROUNDS} rounds granted a dial\n` +
          `    of which: the three reads together ${us(r.reads)}; decideIdleDialling ${us(r.decide)}; grant ${us(r.grant)}\n` +
          `  agent becomes available → decision made (setState + the above): ${us(r.event)}\n` +
          `  inside redis-server (SLOWLOG): ready script ${inUs(r.inside.ready)}; grant script ${inUs(r.inside.grant)}; PING ${inUs(r.inside.ping)}\n` +
          `  ratio decision / PING: p50 ${ratio(r.decision.p50, r.ping.p50)}, p99 ${ratio(r.decision.p99, r.ping.p99)}; event / PING: p99 ${ratio(r.event.p99, r.ping.p99)}\n`,
      );
    }
    process.stdout.write(`  machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  } finally {
    await redis.stop();
  }
}
