// Routing decision latency of the ACD (issue 5 goal: p99 < 2 ms): RedisAcd.dispatch with 2,000
// logged-in agents (mixed skills and levels) and 5,000 waiting calls over 8 queues, on a real
// redis-server of its own. Baseline, measured in the same run against the same server: a bare
// round trip (PING) and a trivial EVALSHA, so the ratio is what the routing decision costs beyond
// talking to Redis at all.
//  - "one match": an agent has just become free (their call ended) and dispatch finds them a call;
//  - "no match": every agent is busy and dispatch looks at every queue's heads and finds nobody
//    (the desk's 1 s tick in a busy hour).
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { cpus, loadavg } from 'node:os';
import { RedisAcd } from '../../src/adapters/redis/redis-acd.js';
import { RedisKeys } from '../../src/adapters/redis/keys.js';
import { startRedis } from '../helpers/redis-server.js';
import { benchAcdPolicy, fmt, stats } from './support.js';

const AGENTS = 2000;
const CALLS = 5000;
const ROUNDS = 3000;
const QUEUES = ['general', 'enterprise', 'counselling', 'expert-water', 'expert-power', 'sub-12348', 'sub-12366', 'leader-county'];

/** Durations (µs) the server recorded since the last reset, by kind; resets the log. */
async function serverTimes(client: Redis, sha: string): Promise<Record<'ping' | 'evalsha' | 'dispatch', { p50: number; p99: number; mean: number }>> {
  const entries = (await client.slowlog('GET', 100000)) as [number, number, number, string[]][];
  await client.slowlog('RESET');
  const by = { ping: [] as number[], evalsha: [] as number[], dispatch: [] as number[] };
  for (const [, , micros, args] of entries) {
    const cmd = args[0]?.toLowerCase();
    if (cmd === 'ping') by.ping.push(micros);
    else if (cmd === 'evalsha' && args[1] === sha) by.evalsha.push(micros);
    // acd-dispatch-2: KEYS[1] is the reservations zset (accept and release have an agent there).
    else if (cmd === 'evalsha' && args[3]?.endsWith('acd:reservations')) by.dispatch.push(micros);
  }
  return { ping: stats(by.ping), evalsha: stats(by.evalsha), dispatch: stats(by.dispatch) };
}

export async function run(): Promise<void> {
  const redis = await startRedis();
  try {
    const client = redis.client();
    const tiers = [
      { afterSec: 0, maxLevel: 1 },
      { afterSec: 20, maxLevel: 2 },
      { afterSec: 40, maxLevel: 9 },
    ];
    const policy = benchAcdPolicy(QUEUES, tiers);
    const acd = new RedisAcd(client, new RedisKeys(`bench-${randomUUID().slice(0, 6)}:`), policy);
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const now = Date.now();

    // 2,000 agents: everyone takes general calls at some level, most one or two other skills.
    for (let i = 0; i < AGENTS; i++) {
      const skills: Record<string, number> = { general: 1 + Math.floor(rnd() * 3) };
      for (let k = 0; k < 2; k++) if (rnd() < 0.5) skills[QUEUES[1 + Math.floor(rnd() * (QUEUES.length - 1))]!] = 1 + Math.floor(rnd() * 3);
      await acd.login(`a${i}`, skills, now - Math.floor(rnd() * 600_000));
    }
    // 5,000 waiting calls that have waited up to a minute, 15 % of them ahead by priority.
    let n = 0;
    const enqueue = async () => {
      const r = rnd();
      await acd.enqueue({
        callId: `c${n++}`,
        queue: rnd() < 0.6 ? 'general' : QUEUES[1 + Math.floor(rnd() * (QUEUES.length - 1))]!,
        priority: r < 0.05 ? 'emergency-transfer' : r < 0.15 ? 'critical' : 'normal',
        enqueuedAtMs: now - Math.floor(rnd() * 60_000),
        owner: 'bench',
      });
    };
    for (let i = 0; i < CALLS; i++) await enqueue();
    // Every agent who can be matched is: the busy hour.
    const first = await acd.dispatch(QUEUES, now);
    for (const r of first) await acd.accept(r.agentId, r.callId, now);
    let waiting = 0;
    for (const q of QUEUES) waiting += (await acd.waiting(q)).length;
    while (waiting < CALLS) {
      await enqueue();
      waiting++;
    }
    const busy = first.map((r) => r.agentId);
    process.stdout.write(`acd bench: ${AGENTS} agents logged in (${busy.length} on calls), ${waiting} calls waiting in ${QUEUES.length} queues, ${ROUNDS} rounds each\n`);

    // Baselines on the same server and connection, interleaved round by round with what they are
    // compared to, so both see the same moments of a shared machine's noise.
    const sha = (await client.script('LOAD', 'return 1')) as string;
    const time = async (op: () => Promise<unknown>) => {
      const t = performance.now();
      await op();
      return performance.now() - t;
    };
    for (let i = 0; i < 300; i++) {
      await client.ping();
      await acd.dispatch(QUEUES, now);
    }
    // Redis's own time per command (SLOWLOG with a threshold of 0 records every command's duration
    // in the server, without the client, the socket or the scheduling of a busy machine).
    await client.config('SET', 'slowlog-log-slower-than', '0');
    await client.config('SET', 'slowlog-max-len', '100000');
    await client.slowlog('RESET');
    const pings: number[] = [];
    const evals: number[] = [];
    const nones: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      pings.push(await time(() => client.ping()));
      evals.push(await time(() => client.evalsha(sha, 0)));
      // No match: all matchable agents busy.
      nones.push(await time(() => acd.dispatch(QUEUES, now)));
    }
    const none = stats(nones);
    const serverNone = await serverTimes(client, sha);

    // One match: a call ends, its agent is free (not timed), then the timed dispatch finds them a call.
    const free: string[] = [...busy];
    let made = 0;
    const one: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const agent = free[i % free.length]!;
      await acd.endCall(agent, now);
      pings.push(await time(() => client.ping()));
      evals.push(await time(() => client.evalsha(sha, 0)));
      const t = performance.now();
      const r = await acd.dispatch(QUEUES, now);
      one.push(performance.now() - t);
      for (const x of r) {
        made++;
        await acd.accept(x.agentId, x.callId, now);
        free[i % free.length] = x.agentId;
        await enqueue(); // keep 5,000 waiting
      }
    }
    const ping = stats(pings);
    const evalsha = stats(evals);
    const serverOne = await serverTimes(client, sha);
    const match = stats(one);
    if (process.env.ACD_BENCH_COUNT) {
      // Which Redis commands one matching dispatch runs (diagnostics).
      const agent = free[0]!;
      await acd.endCall(agent, now);
      await client.config('RESETSTAT');
      await acd.dispatch(QUEUES, now);
      process.stdout.write(`${(await client.info('commandstats')).split('\n').filter((l) => l.startsWith('cmdstat')).join('\n')}\n`);
    }
    // These machines are shared: the load says how far absolute figures are from a quiet server's.
    process.stdout.write(`  machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
    const line = (label: string, s: { p50: number; p99: number; mean: number }) =>
      `  ${label}: p50 ${fmt(s.p50 * 1000)} µs, p99 ${fmt(s.p99 * 1000)} µs (mean ${fmt(s.mean * 1000)} µs)`;
    process.stdout.write(`${line('baseline PING round trip', ping)}\n${line('baseline trivial EVALSHA', evalsha)}\n`);
    process.stdout.write(`${line('dispatch, one match', match)}  — ${made} of ${ROUNDS} rounds matched\n${line('dispatch, no match', none)}\n`);
    const us = (s: { p50: number; p99: number }) => `p50 ${fmt(s.p50)} µs, p99 ${fmt(s.p99)} µs`;
    process.stdout.write(
      `  inside redis-server (SLOWLOG): PING ${us(serverOne.ping)}; trivial EVALSHA ${us(serverOne.evalsha)}; ` +
        `dispatch one match ${us(serverOne.dispatch)}; dispatch no match ${us(serverNone.dispatch)}\n`,
    );
    const ratio = (a: number, b: number) => `${fmt(a / b, 1)}×`;
    process.stdout.write(
      `  ratio one match / PING: p50 ${ratio(match.p50, ping.p50)}, p99 ${ratio(match.p99, ping.p99)}; / EVALSHA: p50 ${ratio(match.p50, evalsha.p50)}, p99 ${ratio(match.p99, evalsha.p99)}\n` +
        `  ratio no match / PING: p50 ${ratio(none.p50, ping.p50)}, p99 ${ratio(none.p99, ping.p99)}\n` +
        `  goal p99 < 2 ms: one match ${match.p99 < 2 ? 'met' : 'MISSED'} (${fmt(match.p99, 3)} ms), no match ${none.p99 < 2 ? 'met' : 'MISSED'} (${fmt(none.p99, 3)} ms)\n`,
    );
  } finally {
    await redis.stop();
  }
}
