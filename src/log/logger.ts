import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { maskFields, maskText } from './mask.js';

export type { Logger } from 'pino';

/**
 * The one way the gateway makes a logger. Masking lives here, in the logger itself, so no call
 * site can leak a phone number, name, ID-card number or openid: fields are masked by key, and the
 * finished line (message, bindings, errors) is masked by pattern.
 */
export function createLogger(options: { level?: string; name?: string } = {}, destination?: DestinationStream): Logger {
  const opts: LoggerOptions = {
    level: options.level ?? 'info',
    // "service", not pino's "name": a key called name is personal data to the masker.
    base: { pid: process.pid, service: options.name ?? 'hotline-gateway' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      bindings: (bindings) => maskFields(bindings) as Record<string, unknown>,
      log: (obj) => maskFields(obj) as Record<string, unknown>,
    },
    hooks: {
      streamWrite: (line) => maskText(line),
    },
  };
  return destination ? pino(opts, destination) : pino(opts);
}
