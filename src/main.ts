// npm start: load config → compose → start; SIGTERM → drain → stop.
import { ConfigError, loadConfig } from './config/load.js';
import { createLogger } from './log/logger.js';
import { startGateway, type RunningGateway } from './app/gateway.js';
import { EmbeddedRedisError } from './adapters/redis/embedded-redis.js';

async function main(): Promise<void> {
  let loaded;
  try {
    loaded = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`hotline-gateway: ${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const { config, unknownVariables } = loaded;
  const log = createLogger({ level: config.log.level });
  for (const v of unknownVariables)
    log.warn({ variable: v }, 'unknown HOTLINE_ variable ignored (see README "Configuration")');

  let gateway;
  try {
    gateway = await startGateway(config, log);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`hotline-gateway: ${err.message}\n`);
      process.exit(78); // EX_CONFIG (the IVR file is read at start-up)
    }
    if (err instanceof EmbeddedRedisError) {
      process.stderr.write(`hotline-gateway: ${err.message}\n`);
      process.exit(1);
    }
    if (err instanceof ConfigError) {
      // The intake rules file (rules.file) is checked when the gateway is composed.
      process.stderr.write(`hotline-gateway: ${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    log.fatal({ err }, 'start-up failed');
    process.exit(1);
  }

  const banner = [
    `hotline-gateway listening on ${gateway.url}`,
    `  redis: ${gateway.embeddedRedis ? `embedded redis-server ${gateway.redisUrl} (data in ${config.dataDir}/redis)` : 'external'}`,
    `  work-order core: ${gateway.devCore ? `DEVELOPMENT core in-process at ${gateway.coreAddress}, intakes in ${config.devCore.file}` : gateway.coreAddress}`,
    `  telephony: ${
      gateway.telephony.mode === 'simulated'
        ? 'SIMULATED (no FreeSWITCH configured; no real phone can call in).'
        : `FreeSWITCH ${gateway.telephony.freeswitch
            .status()
            .map((x) => x.id)
            .join(', ')} (Event Socket)`
    } IVR from ${config.telephony.ivrFile}, recordings in ${config.telephony.recordingsDir}`,
    ...(gateway.telephony.mode === 'simulated' && config.telephony.simulated.devRoutes
      ? [
          `  place a virtual call: curl -s -XPOST ${gateway.url.replace('0.0.0.0', '127.0.0.1')}/v1/dev/sim/calls -H 'content-type: application/json' -d '{"caller":"13800138000","keys":[{"atMs":3000,"press":"2"}]}'`,
        ]
      : []),
    `  SIP front: ${gateway.sipFront ? gateway.sipFront.describe() : 'off (set HOTLINE_DRACHTIO=host:port to enable)'}`,
    `  surveys: ${gateway.surveys.describe()}`,
    ...accessBanner(gateway.access.bootstrap),
    `  try: curl -s -XPOST ${gateway.url.replace('0.0.0.0', '127.0.0.1')}/v1/intake/web -H 'content-type: application/json' -d '{"content":"小区路灯坏了"}'`,
  ];
  process.stdout.write(banner.join('\n') + '\n');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'draining');
    const timer = setTimeout(() => {
      log.error({ timeoutMs: config.shutdown.drainTimeoutMs }, 'drain timed out; exiting');
      process.exit(1);
    }, config.shutdown.drainTimeoutMs);
    timer.unref();
    gateway.stop().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

/** First start only: the bootstrap administrator, and a generated one-time password shown this once. */
function accessBanner(b: RunningGateway['access']['bootstrap']): string[] {
  if (!b) return [];
  if (!b.generatedPassword)
    return [
      `  FIRST START: administrator "${b.username}" created with the configured password; change it at the first login (POST /v1/auth/password)`,
    ];
  return [
    `  FIRST START: administrator "${b.username}", one-time password ${b.generatedPassword}`,
    `    (shown once; also in ${b.passwordFile}, mode 0600 — delete it after logging in; it must be changed at the first login)`,
  ];
}

await main();
