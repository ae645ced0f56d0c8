/** Remembers one-time values (request nonces) for a while, across gateway instances. */
export interface ReplayGuard {
  /** True the first time this nonce is seen in its scope within ttlSeconds; false on a replay. */
  firstUse(scope: string, nonce: string, ttlSeconds: number): Promise<boolean>;
}
