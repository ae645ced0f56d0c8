import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

// Each Lua script lives in lua/<operation>-<numKEYS>.lua with a KEYS/ARGV/Output header.
const SCRIPTS = [
  'accept-4',
  'lease-3',
  'settle-4',
  'limit-check-2',
  'admit-call-1',
  'call-claim-2',
  'call-renew-1',
  'call-release-2',
  'desk-account-1',
  'user-update-1',
  'login-failure-2',
  'desk-presence-1',
  // Call queues (ACD, issue 5); each includes lua/acd-lib.lua.
  'acd-enqueue-2',
  'acd-remove-2',
  'acd-move-1',
  'acd-login-2',
  'acd-logout-2',
  'acd-set-state-2',
  'acd-dispatch-2',
  'acd-accept-2',
  'acd-release-2',
  'acd-reserve-2',
  'acd-join-2',
  'acd-lapsed-1',
  'acd-end-call-2',
  'acd-standing-1',
  'survey-claim-1',
  // Callbacks (issue 6); each includes lua/callback-lib.lua.
  'callback-create-2',
  'callback-save-2',
  'callback-grant-1',
  'callback-ready-1',
  'callback-sweep-1',
  'figures-record-3',
  // The intake accept (issue 2): store-intake-7 includes limit-check-2, accept-4 and remember-recent-1.
  'remember-recent-1',
  'store-intake-7',
] as const;
export type ScriptName = (typeof SCRIPTS)[number];

type ScriptCommand = (...args: (string | number)[]) => Promise<unknown>;

/** Registers the scripts on a connection (EVALSHA with a fallback to EVAL, by ioredis). */
export function defineScripts(redis: Redis): Record<ScriptName, ScriptCommand> {
  const out = {} as Record<ScriptName, ScriptCommand>;
  for (const name of SCRIPTS) {
    const numberOfKeys = Number(name.slice(name.lastIndexOf('-') + 1));
    const lua = withIncludes(readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8'));
    const command = `hg_${name.replace(/-/g, '_')}`;
    redis.defineCommand(command, { numberOfKeys, lua });
    out[name] = (...args) => (redis as unknown as Record<string, ScriptCommand>)[command]!(...args);
  }
  return out;
}

/**
 * A line `--!include <lib>` is replaced by lua/<lib>.lua: scripts of one family share helpers
 * (Redis scripts cannot call each other), and each script still runs as one atomic EVALSHA. A
 * whole script included inside `local function f(KEYS, ARGV) … end` runs as a step of another
 * (store-intake-7), so its logic is written once.
 */
function withIncludes(lua: string): string {
  return lua.replace(/^--!include ([a-z0-9-]+)$/gm, (_, lib: string) => readFileSync(new URL(`./lua/${lib}.lua`, import.meta.url), 'utf8'));
}
