import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';

export interface HealthCheck {
  name: string;
  /** Whether the gateway can accept intakes without this part (the core: yes, the outbox holds them). */
  critical: boolean;
  check(): Promise<{ ok: boolean } & Record<string, unknown>>;
}

export interface OperationsRouteOptions {
  checks: HealthCheck[];
  registry: Registry;
  /** Facts shown on /healthz as they are (telephony mode, embedded parts). */
  info: () => Record<string, unknown>;
  isDraining: () => boolean;
}

async function runChecks(checks: HealthCheck[]) {
  const results: Record<string, unknown> = {};
  let criticalOk = true;
  let allOk = true;
  await Promise.all(
    checks.map(async (c) => {
      let r: { ok: boolean } & Record<string, unknown>;
      try {
        r = await Promise.race([
          c.check(),
          new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timed out')), 2000).unref()),
        ]);
      } catch (err) {
        r = { ok: false, error: (err as Error).message };
      }
      results[c.name] = r;
      if (!r.ok) {
        allOk = false;
        if (c.critical) criticalOk = false;
      }
    }),
  );
  return { results, criticalOk, allOk };
}

/** /healthz (details), /readyz (can accept intakes), /metrics (Prometheus). */
export function operationsRoutes(options: OperationsRouteOptions): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', async (_req, reply) => {
      const { results, criticalOk, allOk } = await runChecks(options.checks);
      const status = !criticalOk ? 'down' : allOk ? 'ok' : 'degraded';
      return reply.code(criticalOk ? 200 : 503).send({ status, draining: options.isDraining(), ...options.info(), checks: results });
    });
    app.get('/readyz', async (_req, reply) => {
      if (options.isDraining()) return reply.code(503).send({ ready: false, reason: 'draining' });
      const { criticalOk, results } = await runChecks(options.checks.filter((c) => c.critical));
      return reply.code(criticalOk ? 200 : 503).send({ ready: criticalOk, checks: results });
    });
    app.get('/metrics', async (_req, reply) => {
      const body = await options.registry.metrics();
      return reply.type(options.registry.contentType).send(body);
    });
  };
}
