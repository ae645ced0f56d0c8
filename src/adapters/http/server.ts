import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type { Logger } from '../../log/logger.js';
import { HotlineError } from '../../core/errors.js';
import { errorHandler, notFoundHandler } from './errors.js';

export interface HttpServerOptions {
  log: Logger;
  /** While draining: new requests get 503, answers close their connection. */
  isDraining?: () => boolean;
  bodyLimitBytes: number;
  /**
   * Reverse proxies whose X-Forwarded-For is believed (IPs or CIDRs). Empty: none — the client
   * address is the TCP peer, so a forged header cannot slip past a source allowlist.
   */
  trustProxy?: string[];
  routes: FastifyPluginAsync[];
}

export async function buildHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.log as FastifyBaseLogger,
    // One line per request would dominate the log at 12345 volumes; errors are logged by the handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes,
    trustProxy: options.trustProxy?.length ? options.trustProxy : false,
    // Our own hook answers 503 while draining, in the API's error format.
    return503OnClosing: false,
    ajv: {
      // Reject what the schema does not allow instead of quietly dropping or coercing it.
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: false },
    },
  });
  // The API speaks JSON; webhooks that receive XML or forms add their parser in their own scope.
  app.removeContentTypeParser('text/plain');
  app.addHook('onRequest', async (request) => {
    if (options.isDraining?.() && !request.url.startsWith('/healthz') && !request.url.startsWith('/readyz')) {
      throw new HotlineError('UNAVAILABLE', '服务正在重启，请稍后重试');
    }
  });
  app.addHook('onSend', async (_request, reply) => {
    // A kept-alive socket would hold close() open until the keep-alive timeout.
    if (options.isDraining?.()) reply.header('connection', 'close');
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  for (const route of options.routes) await app.register(route);
  return app;
}

/**
 * Stops taking connections and waits for the requests in flight. Sockets that go idle after
 * their last answer are closed as they do, rather than at the keep-alive timeout.
 */
export async function closeHttpServer(app: FastifyInstance): Promise<void> {
  const idle = setInterval(() => app.server.closeIdleConnections(), 50);
  try {
    await app.close();
  } finally {
    clearInterval(idle);
  }
}
