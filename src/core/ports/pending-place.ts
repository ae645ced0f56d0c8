import type { Location } from '../intake/intake.js';

/**
 * A place a citizen sent on its own (a WeChat location message), held until their next message,
 * which it becomes the place of (art. 13 of seeds/002: time and place are required elements).
 * Kept outside the process so any gateway instance can join it.
 */
export interface PendingPlaces {
  put(citizenKey: string, place: Location): Promise<void>;
  /** The place waiting for this citizen, if any; it stays until `clear`. */
  peek(citizenKey: string): Promise<Location | undefined>;
  clear(citizenKey: string): Promise<void>;
}
