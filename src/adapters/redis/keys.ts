// Every Redis key the gateway writes is built here, and only here (one prefix per centre).

export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** clientRequestId / MsgId / partner item id → intake id. */
  idempotency(key: string): string {
    return `${this.prefix}idem:${key}`;
  }
  /** Hash: record, citizen, score, status, acceptedAt, deliveredAt, workOrderId, attempts, lease, error. */
  intake(intakeId: string): string {
    return `${this.prefix}intake:${intakeId}`;
  }
  /** The prefix of intake(), for Lua scripts that build keys from ids. */
  get intakePrefix(): string {
    return `${this.prefix}intake:`;
  }
  /** ZSET intake id → score (urgency rank × 10^15 + acceptance sequence). */
  get outboxReady(): string {
    return `${this.prefix}outbox:ready`;
  }
  /** ZSET intake id → lease deadline (ms). */
  get outboxInFlight(): string {
    return `${this.prefix}outbox:inflight`;
  }
  /** HASH citizen key → "<leaseId>|<deadline ms>": one lease delivers a citizen's intakes at a time. */
  get outboxCitizenLocks(): string {
    return `${this.prefix}outbox:citizen-locks`;
  }
  /** ZSET intake id → time it failed for good. */
  get outboxFailed(): string {
    return `${this.prefix}outbox:failed`;
  }
  /** Acceptance sequence counter. */
  get outboxSequence(): string {
    return `${this.prefix}outbox:seq`;
  }

  // ---- telephony (issue 4) ----
  /** String: the gateway instance that owns a call (FreeSWITCH uuid), with a lease as its TTL. */
  callOwner(callId: string): string {
    return `${this.prefix}call:owner:${callId}`;
  }
}
