// What a process of the concurrent-calls benchmark went through while it ran (esl.bench.ts and
// esl-double-child.ts): how late its event loop ran callbacks, its garbage collections, and how long
// its main thread sat runnable but off the CPU because something else had it. A command's latency
// crosses both processes' event loops, so these tell a slow adapter from a busy machine.
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

export interface ProbeReport {
  /** Event-loop delay (ms): how late a 1 ms timer fired. */
  loopP50: number;
  loopP99: number;
  loopMax: number;
  gcCount: number;
  gcTotalMs: number;
  gcMaxMs: number;
  /** Main thread runnable but waiting for a CPU (ms, /proc/<pid>/schedstat), and how often it was preempted. */
  runqueueMs: number;
  preempted: number;
  cpuMs: number;
}

/** Main-thread time waiting on a run queue, in ns (Linux; 0 elsewhere). */
function runqueueNs(): number {
  try {
    return Number(readFileSync('/proc/self/schedstat', 'utf8').split(' ')[1]);
  } catch {
    return 0;
  }
}

/**
 * The share of a span in which some task on the machine was runnable but waiting for a CPU
 * (Linux pressure stall information, /proc/pressure/cpu "some"); NaN where it cannot be read.
 */
export function startCpuPressure(): () => number {
  const read = (): number => {
    try {
      const m = /^some .*total=(\d+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
      return m ? Number(m[1]) : NaN;
    } catch {
      return NaN;
    }
  };
  const p0 = read();
  const t0 = performance.now();
  return () => (read() - p0) / 1000 / (performance.now() - t0);
}

export function startProbe(): () => ProbeReport {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  let gcCount = 0;
  let gcTotal = 0;
  let gcMax = 0;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcCount++;
      gcTotal += e.duration;
      gcMax = Math.max(gcMax, e.duration);
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  const rq0 = runqueueNs();
  const ru0 = process.resourceUsage();
  return () => {
    loop.disable();
    gc.disconnect();
    const ru = process.resourceUsage();
    return {
      // The histogram holds the whole interval between ticks: the lateness is what exceeds 1 ms.
      loopP50: Math.max(0, loop.percentile(50) / 1e6 - 1),
      loopP99: Math.max(0, loop.percentile(99) / 1e6 - 1),
      loopMax: Math.max(0, loop.max / 1e6 - 1),
      gcCount,
      gcTotalMs: gcTotal,
      gcMaxMs: gcMax,
      runqueueMs: (runqueueNs() - rq0) / 1e6,
      preempted: ru.involuntaryContextSwitches - ru0.involuntaryContextSwitches,
      cpuMs: (ru.userCPUTime + ru.systemCPUTime - ru0.userCPUTime - ru0.systemCPUTime) / 1000,
    };
  };
}

export function describeProbe(r: ProbeReport): string {
  return (
    `event-loop delay p50 ${r.loopP50.toFixed(1)} / p99 ${r.loopP99.toFixed(1)} / max ${r.loopMax.toFixed(1)} ms, ` +
    `GC ${r.gcCount}× ${r.gcTotalMs.toFixed(0)} ms (max ${r.gcMaxMs.toFixed(1)}), ` +
    `CPU ${(r.cpuMs / 1000).toFixed(1)} s, waiting for a CPU ${r.runqueueMs.toFixed(0)} ms (${r.preempted} preemptions)`
  );
}
