import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

// Each Lua script lives in lua/<operation>-<numKEYS>.lua with a KEYS/ARGV/Output header.
// A script may include another as a local function: the line `--@include <script> as <name>`
// becomes `local function <name>(KEYS, ARGV) <that script> end`, so one step of Redis logic is
// written once and a combined script (store-intake-7) runs it in the same atomic step.
const SCRIPTS = [
  'accept-4',
  'lease-3',
  'settle-4',
  'limit-check-2',
  'hold-enter-2',
  'admit-call-1',
  'call-claim-1',
  'call-renew-1',
  'call-release-1',
  'remember-recent-1',
  'store-intake-7',
] as const;
export type ScriptName = (typeof SCRIPTS)[number];

type ScriptCommand = (...args: (string | number)[]) => Promise<unknown>;

const INCLUDE = /^--@include ([a-z0-9-]+) as ([A-Za-z_][A-Za-z0-9_]*)$/gm;

/** A script's Lua with its includes expanded (one level: included scripts include nothing). */
export function scriptSource(name: ScriptName): string {
  const read = (n: string) => readFileSync(new URL(`./lua/${n}.lua`, import.meta.url), 'utf8');
  return read(name).replace(INCLUDE, (_line, included: string, fn: string) => {
    if (!(SCRIPTS as readonly string[]).includes(included)) throw new Error(`lua/${name}.lua includes unknown script ${included}`);
    return `local function ${fn}(KEYS, ARGV)\n${read(included)}\nend`;
  });
}

/** Registers the scripts on a connection (EVALSHA with a fallback to EVAL, by ioredis). */
export function defineScripts(redis: Redis): Record<ScriptName, ScriptCommand> {
  const out = {} as Record<ScriptName, ScriptCommand>;
  for (const name of SCRIPTS) {
    const numberOfKeys = Number(name.slice(name.lastIndexOf('-') + 1));
    const lua = scriptSource(name);
    const command = `hg_${name.replace(/-/g, '_')}`;
    redis.defineCommand(command, { numberOfKeys, lua });
    out[name] = (...args) => (redis as unknown as Record<string, ScriptCommand>)[command]!(...args);
  }
  return out;
}
