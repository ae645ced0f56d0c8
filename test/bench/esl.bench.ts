// FreeSWITCH adapter benchmarks (issue 4).
//
// 1. Ingest: events per second the adapter takes in from the ESL double over TCP (frame split,
//    event parse, dispatch to call state and to a listener), as a ratio to a bare loop that only
//    splits the same frames off the same kind of socket. Goal ≥ 50 %. Both are measured per
//    wall-clock second and per CPU second of this process (which also runs the double's writes):
//    with other work on the machine the wall-clock rate swings with the scheduler, the CPU rate
//    much less. Each side runs 5 times, interleaved; the medians are compared.
// 2. Concurrent calls: the ESL double runs in a child process and parks calls over TCP; this
//    process drives each through answer → record → prompt → collect digits → hang-up on the
//    FreeSWITCH adapter. Reports the peak of calls in progress and the p50/p99 latency of the
//    commands that do not wait for media (answer, record start, hang-up); goal ≥ 2,000
//    concurrent calls with p99 < 10 ms. Calls arrive over 8 s (250 calls/s) and each prompt
//    plays 5 s, so all 2,000 are in progress together. A command's latency runs from the
//    adapter's call to the event that completes it (CHANNEL_EXECUTE_COMPLETE for answer, the
//    BACKGROUND_JOB of each bgapi for record start — two of them — and hang-up), so it crosses
//    both processes' event loops. Beside it: what each process went through meanwhile
//    (event-loop delay, GC, time its main thread waited for a CPU: esl-probe.ts), and the floor —
//    round trips at the same rate to a process that only answers +OK (esl-echo-child.ts), just
//    before. When the floor's own p99 nears 10 ms the machine, not the adapter, sets the tail.
//    HOTLINE_BENCH_ESL_DETAIL=1 adds latencies by command, the command/reply alone, and when the
//    slow ones started.

import { fork } from 'node:child_process';
import { connect } from 'node:net';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  FreeSwitchSwitch,
  SUBSCRIBED_CUSTOM,
  SUBSCRIBED_EVENTS,
} from '../../src/adapters/freeswitch/freeswitch-switch.js';
import { createLogger } from '../../src/log/logger.js';
import { EslDouble } from '../doubles/esl-double.js';
import { describeProbe, startCpuPressure, startProbe, type ProbeReport } from './esl-probe.js';

const log = createLogger({ level: 'silent' });

/** The bytes FreeSWITCH (the double) sends a socket subscribed to ALL while `calls` calls run their course. */
async function recordWorkload(calls: number): Promise<{ bytes: Buffer; frames: number }> {
  const fs = new EslDouble({ mediaMs: 1 });
  const port = await fs.listen();
  const chunks: Buffer[] = [];
  const sock = connect({ host: '127.0.0.1', port });
  sock.on('data', (c: Buffer) => chunks.push(c));
  // Subscribed as the adapter subscribes: these are the events FreeSWITCH would send it.
  sock.write(
    `auth ClueCon\n\nevent plain ${SUBSCRIBED_EVENTS.join(' ')} CUSTOM ${SUBSCRIBED_CUSTOM.join(' ')}\n\n`,
  );
  while (fs.connectedClients === 0) await new Promise((r) => setTimeout(r, 5));
  const header = Buffer.concat(chunks).length;
  for (let i = 0; i < calls; i++) {
    const uuid = fs.placeCall({
      caller: `1380013${String(i).padStart(4, '0')}`,
      callerName: '张三',
      variables: { hotline_entry: 'citizen', hotline_context: 'location=人民路' },
    });
    fs.answerCall(uuid);
    fs.pressDigits(uuid, '12#');
    fs.hangup(uuid);
  }
  await new Promise((r) => setTimeout(r, 200));
  sock.destroy();
  await fs.close();
  const bytes = Buffer.concat(chunks).subarray(header);
  let frames = 0;
  for (
    let i = bytes.indexOf('Content-Type: text/event-plain');
    i !== -1;
    i = bytes.indexOf('Content-Type: text/event-plain', i + 1)
  )
    frames++;
  return { bytes, frames };
}

/** The baseline: the least a reader can do — find each header end, read Content-Length, skip the body. */
function bareSplitter(onFrame: () => void): (chunk: Buffer) => void {
  let buf: Buffer = Buffer.alloc(0);
  return (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    let pos = 0;
    for (;;) {
      const end = buf.indexOf('\n\n', pos);
      if (end === -1) break;
      const cl = buf.indexOf('Content-Length: ', pos);
      const len =
        cl !== -1 && cl < end
          ? Number.parseInt(buf.toString('latin1', cl + 16, buf.indexOf('\n', cl)), 10)
          : 0;
      if (buf.length < end + 2 + len) break;
      pos = end + 2 + len;
      onFrame();
    }
    buf = buf.subarray(pos);
  };
}

async function ingest(): Promise<void> {
  const calls = 200;
  const { bytes, frames } = await recordWorkload(calls);
  const times = 25;
  const total = frames * times;

  const fs = new EslDouble();
  const port = await fs.listen();

  interface Rate {
    wall: number;
    cpu: number;
  }
  const measure = async (blastAndWait: () => Promise<void>): Promise<Rate> => {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    await blastAndWait();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    return { wall: total / s, cpu: total / ((c.user + c.system) / 1e6) };
  };

  // Baseline: bare split, same double, same socket kind, same bytes.
  const baseline = async (): Promise<Rate> => {
    let seen = 0;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const split = bareSplitter(() => {
      if (++seen === total + 3) done(); // + auth/request and the auth and subscription replies
    });
    const sock = connect({ host: '127.0.0.1', port });
    sock.on('data', split);
    sock.write(`auth ClueCon\n\nevent plain ${SUBSCRIBED_EVENTS.join(' ')}\n\n`);
    while (fs.connectedClients === 0) await new Promise((r) => setTimeout(r, 2));
    const rate = await measure(async () => {
      fs.blast(bytes, times);
      await finished;
    });
    sock.destroy();
    while (fs.connectedClients > 0) await new Promise((r) => setTimeout(r, 2));
    return rate;
  };

  const adapter = async (): Promise<Rate> => {
    const sw = new FreeSwitchSwitch({ server: { host: '127.0.0.1', port, password: 'ClueCon' }, log });
    let hungup = 0;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    sw.on((e) => {
      if (e.type === 'call.hungup' && ++hungup === calls * times) done();
    });
    sw.start();
    while (!sw.connection.connected) await new Promise((r) => setTimeout(r, 2));
    await new Promise((r) => setTimeout(r, 20)); // let the first reconciliation finish
    const rate = await measure(async () => {
      fs.blast(bytes, times);
      await finished;
    });
    await sw.stop();
    while (fs.connectedClients > 0) await new Promise((r) => setTimeout(r, 2));
    return rate;
  };

  await baseline(); // warm-up
  await adapter();
  const b: Rate[] = [];
  const a: Rate[] = [];
  const runs = 5;
  for (let i = 0; i < runs; i++) {
    b.push(await baseline());
    a.push(await adapter());
  }
  await fs.close();
  const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const line = (what: keyof Rate, unit: string): string => {
    const am = median(a.map((r) => r[what]));
    const bm = median(b.map((r) => r[what]));
    return `adapter ${Math.round(am).toLocaleString('en')} vs bare split ${Math.round(bm).toLocaleString('en')} events per ${unit} = ${((am / bm) * 100).toFixed(1)} %`;
  };
  console.log(
    `esl ingest: ${line('wall', 'second')}; ${line('cpu', 'CPU second')} (goal ≥ 50 %; ${frames} frames of ${calls} calls, ` +
      `${(bytes.length / frames).toFixed(0)} B/event, ×${times}, medians of ${runs} interleaved runs, load average ${loadavg()[0]!.toFixed(1)})`,
  );
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

/**
 * The floor: round trips to a process that answers every command at once with +OK (esl-echo-child.ts),
 * at the rate the concurrent-calls run writes commands, measured in the same minutes. Its tail is
 * the machine's (scheduling, the other process's wake-up), with no ESL work anywhere.
 */
async function bareRoundTrips(
  perSecond: number,
  seconds: number,
): Promise<{ p50: number; p99: number; n: number }> {
  const child = fork(fileURLToPath(new URL('./esl-echo-child.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve) =>
    child.once('message', (m: { port: number }) => resolve(m.port)),
  );
  const sock = connect({ host: '127.0.0.1', port, noDelay: true });
  await new Promise((r) => sock.once('connect', r));
  const sentAt: number[] = [];
  let head = 0;
  const rtts: number[] = [];
  let buf = '';
  sock.on('data', (chunk: Buffer) => {
    buf += chunk.toString('latin1');
    let end: number;
    while ((end = buf.indexOf('\n\n')) !== -1) {
      buf = buf.slice(end + 2);
      rtts.push(performance.now() - sentAt[head++]!);
    }
  });
  const total = perSecond * seconds;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * perSecond));
      while (sentAt.length < due) {
        sentAt.push(performance.now());
        sock.write(`sendmsg ${sentAt.length}\ncall-command: execute\nexecute-app-name: answer\n\n`);
      }
      if (sentAt.length < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  while (rtts.length < total) await new Promise((r) => setTimeout(r, 5));
  sock.destroy();
  child.disconnect();
  rtts.sort((x, y) => x - y);
  return { p50: percentile(rtts, 50), p99: percentile(rtts, 99), n: rtts.length };
}

async function concurrentCalls(target: number): Promise<void> {
  const child = fork(fileURLToPath(new URL('./esl-double-child.ts', import.meta.url)), [], {
    // HOTLINE_BENCH_ESL_CHILD_ARGV (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p") profiles the double's process.
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.HOTLINE_BENCH_ESL_CHILD_ARGV?.split(' ').filter(Boolean) ?? []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve) =>
    child.once('message', (m: { port: number }) => resolve(m.port)),
  );
  const sw = new FreeSwitchSwitch({
    server: { host: '127.0.0.1', port, password: 'ClueCon' },
    log,
    connection: { replyTimeoutMs: 30_000 },
  });
  const latencies: number[] = [];
  const byKind = new Map<string, number[]>();
  const slowAt: number[] = [];
  const detail = process.env.HOTLINE_BENCH_ESL_DETAIL === '1';
  const replies: number[] = [];
  if (detail) {
    // How long the command/reply (+OK) took, apart from the completion event that follows it.
    const send = sw.connection.send.bind(sw.connection);
    sw.connection.send = async (command, headers) => {
      const t0 = performance.now();
      const r = await send(command, headers);
      replies.push(performance.now() - t0);
      return r;
    };
  }
  let inProgress = 0;
  let peak = 0;
  let finished = 0;
  let failed = 0;
  let digitsOk = 0;
  const timed = async <T>(p: () => Promise<T>, kind: string): Promise<T> => {
    const t0 = performance.now();
    const r = await p();
    const ms = performance.now() - t0;
    latencies.push(ms);
    if (detail) {
      let xs = byKind.get(kind);
      if (!xs) byKind.set(kind, (xs = []));
      xs.push(ms);
      if (ms > 10) slowAt.push(t0);
    }
    return r;
  };
  let allDone!: () => void;
  const done = new Promise<void>((r) => (allDone = r));
  sw.on((e) => {
    if (e.type !== 'call.arrived') return;
    const id = e.call.callId;
    inProgress++;
    peak = Math.max(peak, inProgress);
    void (async () => {
      try {
        await timed(() => sw.answer(id), 'answer');
        await timed(() => sw.startRecording(id, `/tmp/rec/${id}.wav`), 'record');
        await sw.play(id, 'ivr/welcome.wav');
        const r = await sw.collectDigits(id, { media: 'ivr/menu.wav', min: 1, max: 1, timeoutMs: 3000 });
        if (r.outcome === 'ok') digitsOk++;
        await timed(() => sw.hangup(id), 'hangup');
      } catch {
        failed++;
      } finally {
        inProgress--;
        if (++finished === target) allDone();
      }
    })();
  });
  sw.start();
  while (!sw.connection.connected) await new Promise((r) => setTimeout(r, 5));
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  const probe = startProbe();
  const pressure = startCpuPressure();
  const tStart = performance.now();
  child.send({ place: target, overMs: 8000, mediaMs: 5000 });
  await Promise.race([done, new Promise((r) => setTimeout(r, 40_000))]);
  const wall = (Date.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const gatewayCpuMs = (cpu.user + cpu.system) / 1000;
  const gatewayProbe = probe();
  const pressed = pressure();
  child.send({ report: true });
  const { cpuMs: doubleCpuMs, probe: doubleProbe } = await new Promise<{
    cpuMs: number;
    probe?: ProbeReport;
  }>((resolve) => child.once('message', resolve));
  await sw.stop();
  child.disconnect(); // the child exits by itself (and writes its profile, if asked for one)
  latencies.sort((x, y) => x - y);
  console.log(
    `esl concurrent calls: ${finished}/${target} calls finished (${failed} failed, ${digitsOk} with digits) in ${wall.toFixed(1)} s; ` +
      `peak ${peak} calls in progress at once (goal ≥ 2,000); command latency p50 ${percentile(latencies, 50).toFixed(2)} ms, ` +
      `p99 ${percentile(latencies, 99).toFixed(2)} ms over ${latencies.length} commands (goal p99 < 10 ms); ESL double in a child process; ` +
      `CPU: gateway ${(gatewayCpuMs / 1000).toFixed(1)} s, double ${(doubleCpuMs / 1000).toFixed(1)} s, load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)} on ${(await import('node:os')).cpus().length} CPUs`,
  );
  console.log(
    `  machine: some task waiting for a CPU ${(pressed * 100).toFixed(0)} % of the run (/proc/pressure/cpu)`,
  );
  console.log(`  gateway process: ${describeProbe(gatewayProbe)}`);
  if (doubleProbe) console.log(`  double process: ${describeProbe(doubleProbe)}`);
  if (detail) {
    const f = (xs: number[]): string => {
      const s = [...xs].sort((x, y) => x - y);
      return `p50 ${percentile(s, 50).toFixed(2)} p99 ${percentile(s, 99).toFixed(2)} max ${s[s.length - 1]?.toFixed(1)} (n ${s.length})`;
    };
    for (const [kind, xs] of byKind) console.log(`  ${kind}: ${f(xs)}`);
    console.log(`  command/reply alone: ${f(replies)}`);
    slowAt.sort((x, y) => x - y);
    const windows = new Set(slowAt.map((t) => Math.floor(t / 50)));
    console.log(`  ${slowAt.length} commands over 10 ms, started in ${windows.size} distinct 50 ms windows`);
    const perSecond = new Map<number, number>();
    for (const t of slowAt)
      perSecond.set(
        Math.floor((t - tStart) / 1000),
        (perSecond.get(Math.floor((t - tStart) / 1000)) ?? 0) + 1,
      );
    console.log(
      `  over 10 ms by second since the first call: ${[...perSecond].map(([k, v]) => `${k}s:${v}`).join(' ')}`,
    );
  }
}

export async function run(): Promise<void> {
  // HOTLINE_BENCH_ESL=ingest|calls runs one part only (profiling one part at a time).
  const part = process.env.HOTLINE_BENCH_ESL;
  if (part !== 'calls') await ingest();
  if (part !== 'ingest') {
    const bare = await bareRoundTrips(700, 10);
    await concurrentCalls(Number(process.env.HOTLINE_BENCH_CALLS ?? 2000));
    console.log(
      `  floor: bare round trips to a process that only answers +OK, 700 commands/s, just before: p50 ${bare.p50.toFixed(2)} ms, p99 ${bare.p99.toFixed(2)} ms (${bare.n} round trips)`,
    );
  }
}
