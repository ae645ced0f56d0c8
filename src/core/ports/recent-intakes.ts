import type { EarlierIntake } from '../rules/repeats.js';

// A citizen's recent intakes, for the repeat rule (art. 30 of seeds/002). Kept in the shared
// store so every gateway instance links the same repeats.

export interface RecentIntakes {
  /** The citizen's intakes received since `since`, newest first, at most `limit`. */
  recent(citizenKey: string, since: Date, limit: number): Promise<EarlierIntake[]>;
  /** Remembers a stored intake (normalised text) until `keepUntil`. */
  remember(citizenKey: string, intake: EarlierIntake, keepUntil: Date): Promise<void>;
}

/** A stored intake as the repeat rule remembers it: its citizen, its entry, how long to keep it. */
export interface RememberedIntake {
  citizenKey: string;
  entry: EarlierIntake;
  keepUntil: Date;
}
