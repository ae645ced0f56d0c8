// How gateway instances talk about the agent desk (issue 5; DESIGN.md "Call ownership"): an
// agent's command reaches whichever instance holds their connection and is carried out by the
// instance that owns the call; a reservation made by any instance is offered by the call's owner;
// notices reach the agent's connection wherever it is. The Redis implementation is pub/sub.

import type { Reservation } from '../acd/model.js';
import type { DeskCommand, DeskNotice, DeskResult } from './desk.js';

/** What one instance sends another. */
export type DeskMessage =
  | { type: 'command'; id: string; replyTo: string; agentId: string; command: DeskCommand }
  | { type: 'reply'; id: string; result: DeskResult }
  /** A reservation made elsewhere, for the call's owner to offer. */
  | { type: 'reservation'; reservation: Reservation };

export interface DeskBusHandlers {
  /** A command routed here because this instance owns the call. */
  command(agentId: string, command: DeskCommand): Promise<DeskResult>;
  reservation(reservation: Reservation): void;
}

export interface DeskBus {
  readonly instanceId: string;
  start(handlers: DeskBusHandlers): Promise<void>;
  /**
   * Has `instance` carry out an agent's command; resolves with its result, or with
   * {ok: false, code: 'UNAVAILABLE'} when no such instance listens or it does not answer in time.
   */
  request(instance: string, agentId: string, command: DeskCommand, timeoutMs: number): Promise<DeskResult>;
  /** True when the instance was listening. */
  offer(instance: string, reservation: Reservation): Promise<boolean>;
  /** Whether that instance listens on the bus now (it is alive). */
  listening(instance: string): Promise<boolean>;
  publish(agentId: string, notice: DeskNotice): Promise<void>;
  /** Notices for one agent, from any instance. */
  subscribe(agentId: string, listener: (notice: DeskNotice) => void): () => void;
  stop(): Promise<void>;
}
