import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

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

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function ratioLine(name: string, ours: number, baseline: number, unit: string, goal?: string): string {
  const ratio = (100 * ours) / baseline;
  return `${name}: ${fmt(ours)} ${unit} vs baseline ${fmt(baseline)} ${unit} = ${fmt(ratio, 1)} %${goal ? ` (goal ${goal})` : ''}`;
}
