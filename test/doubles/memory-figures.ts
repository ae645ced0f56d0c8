import type { CallCenterFigures, FigureEvent, QueueFigures } from '../../src/core/ports/figures.js';

/** Keeps the figure events the desk records, for tests to read (the figures store computes rates). */
export class MemoryFigures implements CallCenterFigures {
  readonly events: FigureEvent[] = [];

  async record(event: FigureEvent): Promise<void> {
    this.events.push(event);
  }

  async snapshot(): Promise<QueueFigures[]> {
    return [];
  }

  of<T extends FigureEvent['type']>(type: T, callId?: string): Extract<FigureEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<FigureEvent, { type: T }> => e.type === type && (!callId || !('callId' in e) || e.callId === callId));
  }
}
