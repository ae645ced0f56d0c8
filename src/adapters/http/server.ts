import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type { Logger } from '../../log/logger.js';
import { errorHandler, notFoundHandler } from './errors.js';

export interface HttpServerOptions {
  log: Logger;
  bodyLimitBytes: number;
  routes: FastifyPluginAsync[];
}

export async function buildHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.log as FastifyBaseLogger,
    // One line per request would dominate the log at 12345 volumes; errors are logged by the handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes,
    return503OnClosing: true,
    ajv: {
      // Reject what the schema does not allow instead of quietly dropping or coercing it.
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: false },
    },
  });
  // The API speaks JSON; webhooks that receive XML or forms add their parser in their own scope.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  for (const route of options.routes) await app.register(route);
  return app;
}
