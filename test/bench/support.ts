import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AcdPolicy, QueueDef } from '../../src/core/acd/model.js';

export const ROOT = new URL('../../', import.meta.url).pathname;

/** A TypeScript entry point of ours as a separate process (tsx), with HOTLINE_* settings. */
export function spawnTs(entry: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    env: { ...process.env, HOTLINE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

export async function until(probe: () => Promise<boolean>, timeoutMs = 30_000, stepMs = 20): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(stepMs);
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export interface Stats {
  p50: number;
  p99: number;
  mean: number;
}

export function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

/** An ACD policy for benches: one queue per skill of the same name, no wrap-up. */
export function benchAcdPolicy(queues: string[], tiers: QueueDef['tiers']): AcdPolicy {
  const defs: QueueDef[] = queues.map((id) => ({ id, name: id, kind: 'general', skill: id, tiers, announceEverySec: 30, callbackOfferAfterSec: 90 }));
  return {
    general: 'general',
    queues: new Map(defs.map((q) => [q.id, q])),
    leaderDuty: {},
    offerTimeoutMs: 15_000,
    wrapUpMs: 0,
    afterMissedOffer: 'not-ready',
    estimate: { recentCalls: 20, defaultHandleSec: 240 },
  };
}

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function ratioLine(name: string, ours: number, baseline: number, unit: string, goal?: string): string {
  const ratio = (100 * ours) / baseline;
  return `${name}: ${fmt(ours)} ${unit} vs baseline ${fmt(baseline)} ${unit} = ${fmt(ratio, 1)} %${goal ? ` (goal ${goal})` : ''}`;
}

export interface HttpLoadResult {
  /** Answers per second over the run. */
  rate: number;
  /** Latency percentiles (ms) from writing a request to reading its whole answer. */
  p50: number;
  p99: number;
  /** Answers by status code. */
  statuses: Record<number, number>;
  /** Connections that failed or answers that could not be read. */
  errors: number;
}

/**
 * A lean HTTP/1.1 load generator: `connections` kept-alive sockets, each with one request in
 * flight at a time (no pipelining), for `seconds`. On a 2-core machine the generator shares the
 * cores with the server it measures; autocannon built each varying request anew and spent about
 * as much CPU per request as the gateway's whole accept path, so requests are made into bytes
 * before the run. Every answer's status line is read and its body consumed by Content-Length.
 */
export async function httpLoad(options: {
  /** One port, or several (connection i goes to ports[i % n]: gateway instances side by side). */
  port: number | readonly number[];
  path: string;
  connections: number;
  seconds: number;
  /** Request bodies (JSON), sent in turn across all connections. */
  bodies: string[];
  /** Stop sending once this many requests were sent, if that comes before `seconds`. */
  maxRequests?: number;
}): Promise<HttpLoadResult> {
  const ports = typeof options.port === 'number' ? [options.port] : options.port;
  const requests = options.bodies.map((body) =>
    Buffer.from(
      `POST ${options.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    ),
  );
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let errors = 0;
  let next = 0;
  const t0 = performance.now();
  const end = t0 + options.seconds * 1000;
  const connection = (_: unknown, i: number) =>
    new Promise<void>((resolve) => {
      const socket = net.connect(ports[i % ports.length]!, '127.0.0.1');
      socket.setNoDelay(true);
      let buffered = Buffer.alloc(0);
      let sentAt = 0;
      const send = () => {
        if (performance.now() >= end || next >= (options.maxRequests ?? Infinity)) {
          socket.end();
          return resolve();
        }
        sentAt = performance.now();
        socket.write(requests[next++ % requests.length]!);
      };
      socket.on('connect', send);
      socket.on('data', (chunk) => {
        buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
        for (;;) {
          const head = buffered.indexOf('\r\n\r\n');
          if (head < 0) return;
          const headers = buffered.toString('latin1', 0, head);
          const length = /\r\ncontent-length: *(\d+)/i.exec(headers);
          if (!length) {
            errors++;
            socket.destroy();
            return resolve();
          }
          const total = head + 4 + Number(length[1]);
          if (buffered.length < total) return;
          const status = Number(headers.slice(9, 12));
          statuses[status] = (statuses[status] ?? 0) + 1;
          latencies.push(performance.now() - sentAt);
          buffered = buffered.subarray(total);
          send();
        }
      });
      socket.on('error', () => {
        errors++;
        resolve();
      });
    });
  await Promise.all(Array.from({ length: options.connections }, connection));
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { rate: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), statuses, errors };
}

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux); NaN elsewhere. */
export function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/**
 * The machine's CPU time so far by kind (/proc/stat, Linux; empty elsewhere). On a virtual
 * machine, `steal` is time the hypervisor gave to other guests while ours wanted to run: a phase
 * with much of it ran on a slower machine than one without, whatever the code did.
 */
export function machineTicks(): number[] {
  try {
    return readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  } catch {
    return [];
  }
}

/** Idle and steal shares of the machine's CPU time between two machineTicks() readings. */
export function machineShare(before: number[], after: number[]): string {
  const d = after.map((x, i) => x - (before[i] ?? 0));
  const total = d.reduce((a, x) => a + x, 0);
  if (!total || d.length < 8) return 'machine: unknown';
  return `machine: idle ${fmt((100 * d[3]!) / total)} %, steal ${fmt((100 * d[7]!) / total)} %`;
}
