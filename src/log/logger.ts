import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { maskFields, maskText } from './mask.js';

export type { Logger } from 'pino';

function maskLine(line: string): string {
  try {
    return maskText(JSON.stringify(maskFields(JSON.parse(line)))) + '\n';
  } catch {
    return maskText(line);
  }
}

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
    },
    hooks: {
      // The finished line, whatever path built it (fields, child bindings, serialized errors,
      // printf arguments): masked by key, then by pattern. pino does not pass child bindings
      // through its formatters, so masking any earlier would miss them.
      streamWrite: maskLine,
    },
  };
  return destination ? pino(opts, destination) : pino(opts);
}
