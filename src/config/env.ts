// The documented mapping from HOTLINE_* environment variables to configuration keys.
// README.md ("Configuration") lists the same table; a test keeps the two in step.

export type EnvKind = 'string' | 'int' | 'bool' | 'list';

export interface EnvBinding {
  env: string;
  path: readonly string[];
  kind: EnvKind;
}

export const ENV_BINDINGS: readonly EnvBinding[] = [
  { env: 'HOTLINE_HTTP_HOST', path: ['http', 'host'], kind: 'string' },
  { env: 'HOTLINE_HTTP_PORT', path: ['http', 'port'], kind: 'int' },
  { env: 'HOTLINE_DATA_DIR', path: ['dataDir'], kind: 'string' },
  { env: 'HOTLINE_REDIS_URL', path: ['redis', 'url'], kind: 'string' },
  { env: 'HOTLINE_REDIS_PREFIX', path: ['redis', 'keyPrefix'], kind: 'string' },
  { env: 'HOTLINE_CORE_ADDRESS', path: ['core', 'address'], kind: 'string' },
  { env: 'HOTLINE_CORE_TOKEN', path: ['core', 'token'], kind: 'string' },
  { env: 'HOTLINE_CORE_TLS_CA', path: ['core', 'tlsCaFile'], kind: 'string' },
  { env: 'HOTLINE_DEV_CORE_FILE', path: ['devCore', 'file'], kind: 'string' },
  { env: 'HOTLINE_DEV_CORE_PORT', path: ['devCore', 'port'], kind: 'int' },
  { env: 'HOTLINE_DEV_CORE_TOKEN', path: ['devCore', 'token'], kind: 'string' },
  { env: 'HOTLINE_LOG_LEVEL', path: ['log', 'level'], kind: 'string' },
  { env: 'HOTLINE_FS_ESL', path: ['freeswitch', 'servers'], kind: 'list' },
  { env: 'HOTLINE_FS_PASSWORD', path: ['freeswitch', 'password'], kind: 'string' },
];

/** Variables that are not configuration keys but are read by the loader itself. */
export const LOADER_VARIABLES = ['HOTLINE_CONFIG'] as const;
