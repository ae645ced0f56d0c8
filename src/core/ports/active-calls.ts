// The count of inbound calls the centre is carrying, shared by every gateway instance, so the SIP
// front can tell an overloaded centre (active calls ≥ capacity) before any media is set up.

export interface ActiveCalls {
  /**
   * Counts the call in if fewer than `capacity` calls are active, atomically (two instances
   * admitting at once cannot both take the last place); `force` counts it in regardless
   * (emergency transfers are never refused). Resolves whether it was counted in.
   */
  admit(callId: string, capacity: number, force?: boolean): Promise<{ admitted: boolean; active: number }>;
  release(callId: string): Promise<void>;
  count(): Promise<number>;
}
