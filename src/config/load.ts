import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { configSchema, type Config } from './schema.js';
import { ENV_BINDINGS, LOADER_VARIABLES, type EnvBinding } from './env.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const DEFAULT_FILE = fileURLToPath(new URL('../../config/default.yaml', import.meta.url));

type Tree = Record<string, unknown>;

function isTree(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isTree(b) && isTree(v) ? merge(b, v) : v;
  }
  return out;
}

function readYaml(file: string): Tree {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read configuration file ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`configuration file ${file} is not valid YAML: ${(err as Error).message}`);
  }
  if (doc == null) return {};
  if (!isTree(doc)) throw new ConfigError(`configuration file ${file} must hold a mapping at the top`);
  return doc;
}

function convert(binding: EnvBinding, raw: string): unknown {
  switch (binding.kind) {
    case 'string':
      return raw;
    case 'int': {
      if (!/^-?\d+$/.test(raw.trim())) {
        throw new ConfigError(`${binding.env} (${binding.path.join('.')}): expected a whole number, got "${raw}"`);
      }
      return Number(raw.trim());
    }
    case 'bool': {
      const v = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
      throw new ConfigError(`${binding.env} (${binding.path.join('.')}): expected true or false, got "${raw}"`);
    }
    case 'hostport': {
      const v = raw.trim();
      if (v === '') return { host: '' };
      const m = /^([^\s:]+):(\d{1,5})$/.exec(v);
      if (!m) throw new ConfigError(`${binding.env} (${binding.path.join('.')}): expected host:port, got "${raw}"`);
      return { host: m[1], port: Number(m[2]) };
    }
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
  }
}

function setPath(tree: Tree, path: readonly string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (!isTree(next)) node[key] = {};
    node = node[key] as Tree;
  }
  node[path[path.length - 1]!] = value;
}

export interface LoadedConfig {
  config: Config;
  /** HOTLINE_* variables that name no configuration key (probably typos). */
  unknownVariables: string[];
}

/** Defaults ← HOTLINE_CONFIG file ← HOTLINE_* variables, validated; throws ConfigError naming the key. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, defaultFile = DEFAULT_FILE): LoadedConfig {
  let tree = readYaml(defaultFile);
  const overlay = env.HOTLINE_CONFIG;
  if (overlay) tree = merge(tree, readYaml(overlay));

  const fromEnv = new Map<string, string>();
  for (const binding of ENV_BINDINGS) {
    const raw = env[binding.env];
    if (raw === undefined) continue;
    const value = convert(binding, raw);
    if (binding.kind === 'hostport') {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        setPath(tree, [...binding.path, k], v);
        fromEnv.set([...binding.path, k].join('.'), binding.env);
      }
      continue;
    }
    setPath(tree, binding.path, value);
    fromEnv.set(binding.path.join('.'), binding.env);
  }

  const result = configSchema.safeParse(tree);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const key = issue.path.join('.') || '(top level)';
      const source = fromEnv.get(key);
      return `${key}${source ? ` (from ${source})` : ''}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration: ${lines.join('; ')}`);
  }

  const known = new Set<string>([...ENV_BINDINGS.map((b) => b.env), ...LOADER_VARIABLES]);
  const unknownVariables = Object.keys(env).filter((k) => k.startsWith('HOTLINE_') && !known.has(k));
  return { config: result.data, unknownVariables };
}
