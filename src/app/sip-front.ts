// Composition of the SIP front (part of the composition root): drachtio-srf signaling, the
// routing policy from config, admission over the abuse-limit store and the shared active-call
// count in Redis.
import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { AbuseLimits } from '../core/ports/abuse-limits.js';
import type { HealthCheck } from '../adapters/http/routes/operations.js';
import type { RedisKeys } from '../adapters/redis/keys.js';
import { RedisActiveCalls } from '../adapters/redis/redis-active-calls.js';
import { DrachtioSignaling } from '../adapters/sip/drachtio-signaling.js';
import { SipFront } from '../adapters/sip/sip-front.js';
import { InboundAdmission } from '../core/sip/admission.js';
import type { SipPolicy } from '../core/sip/policy.js';

export interface ComposedSipFront {
  check: HealthCheck;
  /** One line for the banner and /healthz. */
  describe(): string;
  stop(): Promise<void>;
}

export function policyFromConfig(sip: Config['sip'], directory?: Config['directory']): SipPolicy {
  // A unit's fixed three-way line (三固定) is declared once, in `directory`; the SIP front routes it
  // like the fixed lines it lists itself (showing 12345). An entry in sip.fixedLines wins (its trunk).
  const listed = new Set(sip.fixedLines.map((f) => f.unit));
  const fixedLines = [...sip.fixedLines, ...(directory?.units ?? []).filter((u) => !listed.has(u.id)).map((u) => ({ unit: u.id, number: u.number }))];
  return {
    serviceNumbers: sip.serviceNumbers,
    areaCode: sip.areaCode,
    peers: sip.peers,
    freeswitchAddresses: sip.freeswitchAddresses,
    emergency: sip.emergency,
    subCentres: sip.subCentres,
    fixedLines,
    carrier: sip.carrier,
  };
}

export function composeSipFront(config: Config, redis: Redis, keys: RedisKeys, abuseLimits: Pick<AbuseLimits, 'get'> | undefined, log: Logger): ComposedSipFront {
  const sipLog = log.child({ component: 'sip-front' });
  const { drachtio } = config.sip;
  if (!abuseLimits) {
    sipLog.warn('no abuse-limit store wired: restricted callers are not marked (art. 34)');
  }
  const limits = abuseLimits ?? { get: async () => undefined };
  const activeCalls = new RedisActiveCalls(redis, keys, config.sip.activeCallLeaseMs);
  activeCalls.start((err) => sipLog.warn({ err }, 'could not renew active-call leases'));
  const signaling = new DrachtioSignaling({ host: drachtio.host, port: drachtio.port, secret: drachtio.secret }, sipLog);
  const front = new SipFront(signaling, {
    policy: policyFromConfig(config.sip, config.directory),
    freeswitchUri: config.sip.freeswitchUri,
    admission: new InboundAdmission(limits, activeCalls, () => config.sip.capacity),
    activeCalls,
    log: sipLog,
  });
  front.start();
  signaling.start();
  return {
    check: {
      name: 'sip',
      // Intakes on other channels do not need the SIP front; phone calls do.
      critical: false,
      async check() {
        const s = signaling.state();
        return {
          ok: s.state === 'connected',
          ...s,
          capacity: config.sip.capacity,
          activeCalls: await activeCalls.count(),
          restrictions: abuseLimits ? 'enforced' : 'not wired',
          ...front.stats,
        };
      },
    },
    describe: () => {
      const s = signaling.state();
      return s.state === 'connected' ? `drachtio-server ${s.target} (SIP ${s.sipAddress})` : `drachtio-server ${s.target} (${s.state})`;
    },
    async stop() {
      await signaling.stop();
      await front.settle();
      activeCalls.stop();
    },
  };
}
