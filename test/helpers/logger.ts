import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/log/logger.js';

/** A real gateway logger writing into memory, for tests that read what was logged. */
export function memoryLogger(level = 'info'): { log: Logger; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      cb();
    },
  });
  const log = createLogger({ level }, stream);
  return { log, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

export const silentLogger = (): Logger => createLogger({ level: 'silent' });
