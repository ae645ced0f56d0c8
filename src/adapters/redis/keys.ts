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

  // --- Text channels (WeChat, SMS, partner API) ---
  /** JSON Location a WeChat citizen sent, waiting for their next message. */
  pendingPlace(citizenKey: string): string {
    return `${this.prefix}chan:place:${citizenKey}`;
  }
  /** A partner request nonce seen within the allowed clock skew (replay guard). */
  partnerNonce(partnerId: string, nonce: string): string {
    return `${this.prefix}chan:partner-nonce:${partnerId}:${nonce}`;
  }
  /** Set while a restricted SMS citizen has been told so, so a flood of texts gets one answer. */
  smsNotice(phone: string): string {
    return `${this.prefix}chan:sms-notice:${phone}`;
  }
  /** BullMQ prefix of the channel queues (the acknowledgement SMS). */
  get bullPrefix(): string {
    return `${this.prefix}bull`;
  }

  // --- intake rules and abuse limits (issue 3) ---
  /** ZSET "<intakeId>\t<normalised text>" → received ms: a citizen's recent intakes (repeat rule). */
  recentIntakes(citizenKey: string): string {
    return `${this.prefix}recent:${citizenKey}`;
  }
  /** String (JSON Restriction) that expires by itself at the restriction's end (art. 34). */
  restriction(citizenKey: string): string {
    return `${this.prefix}abuse:restriction:${citizenKey}`;
  }
  /** ZSET citizen key → restriction end (ms), to list restrictions. */
  get restrictionIndex(): string {
    return `${this.prefix}abuse:restrictions`;
  }
  /** ZSET attempt id → time (ms): a citizen's attempts of one kind in the sliding window. */
  attempts(kind: string, citizenKey: string): string {
    return `${this.prefix}abuse:attempts:${kind}:${citizenKey}`;
  }
  /** Stream: the append-only audit log. */
  get auditLog(): string {
    return `${this.prefix}audit`;
  }
}
