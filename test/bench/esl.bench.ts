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
//    plays 5 s, so all 2,000 are in progress together.

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

async function concurrentCalls(target: number): Promise<void> {
  const child = fork(fileURLToPath(new URL('./esl-double-child.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
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
  let inProgress = 0;
  let peak = 0;
  let finished = 0;
  let failed = 0;
  let digitsOk = 0;
  const timed = async <T>(p: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const r = await p();
    latencies.push(performance.now() - t0);
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
        await timed(() => sw.answer(id));
        await timed(() => sw.startRecording(id, `/tmp/rec/${id}.wav`));
        await sw.play(id, 'ivr/welcome.wav');
        const r = await sw.collectDigits(id, { media: 'ivr/menu.wav', min: 1, max: 1, timeoutMs: 3000 });
        if (r.outcome === 'ok') digitsOk++;
        await timed(() => sw.hangup(id));
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
  child.send({ place: target, overMs: 8000, mediaMs: 5000 });
  await Promise.race([done, new Promise((r) => setTimeout(r, 40_000))]);
  const wall = (Date.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const gatewayCpuMs = (cpu.user + cpu.system) / 1000;
  child.send({ report: true });
  const doubleCpuMs = await new Promise<number>((resolve) =>
    child.once('message', (m: { cpuMs: number }) => resolve(m.cpuMs)),
  );
  await sw.stop();
  child.kill();
  latencies.sort((x, y) => x - y);
  console.log(
    `esl concurrent calls: ${finished}/${target} calls finished (${failed} failed, ${digitsOk} with digits) in ${wall.toFixed(1)} s; ` +
      `peak ${peak} calls in progress at once (goal ≥ 2,000); command latency p50 ${percentile(latencies, 50).toFixed(2)} ms, ` +
      `p99 ${percentile(latencies, 99).toFixed(2)} ms over ${latencies.length} commands (goal p99 < 10 ms); ESL double in a child process; ` +
      `CPU: gateway ${(gatewayCpuMs / 1000).toFixed(1)} s, double ${(doubleCpuMs / 1000).toFixed(1)} s, load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)} on ${(await import('node:os')).cpus().length} CPUs`,
  );
}

export async function run(): Promise<void> {
  // HOTLINE_BENCH_ESL=ingest|calls runs one part only (profiling one part at a time).
  const part = process.env.HOTLINE_BENCH_ESL;
  if (part !== 'calls') await ingest();
  if (part !== 'ingest') await concurrentCalls(Number(process.env.HOTLINE_BENCH_CALLS ?? 2000));
}
