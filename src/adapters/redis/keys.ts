// Every Redis key the gateway writes is built here, and only here (one prefix per centre).
import type { OutboxNamespace } from './redis-outbox-queue.js';

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

  /** The intake outbox's keys, for RedisOutboxQueue (the same keys as above). */
  get intakeOutbox(): OutboxNamespace {
    return {
      itemPrefix: this.intakePrefix,
      ready: this.outboxReady,
      inFlight: this.outboxInFlight,
      groupLocks: this.outboxCitizenLocks,
      failed: this.outboxFailed,
      sequence: this.outboxSequence,
      idempotency: (key) => this.idempotency(key),
    };
  }

  // --- Telephony: recordings, call-detail records (issue 4; the queues are the ACD's below, callbacks further down) ---

  /** HASH: recording metadata of a call (art. 17). */
  recording(callId: string): string {
    return `${this.prefix}rec:${callId}`;
  }
  /** LIST of the facts of a call (JSON), in order. */
  callFacts(callId: string): string {
    return `${this.prefix}call:${callId}:facts`;
  }
  /** The call-detail record outbox: its own namespace, the same scripts as the intake outbox. */
  get callRecordOutbox(): OutboxNamespace {
    return {
      itemPrefix: `${this.prefix}cdr:`,
      ready: `${this.prefix}cdr-outbox:ready`,
      inFlight: `${this.prefix}cdr-outbox:inflight`,
      groupLocks: `${this.prefix}cdr-outbox:group-locks`,
      failed: `${this.prefix}cdr-outbox:failed`,
      sequence: `${this.prefix}cdr-outbox:seq`,
      idempotency: (key) => `${this.prefix}cdr-idem:${key}`,
    };
  }

  // --- SIP front (issue 4) ---
  /** ZSET inbound SIP Call-ID → lease deadline (ms): the calls the centre carries (overload count). */
  get sipActiveCalls(): string {
    return `${this.prefix}sip:active`;
  }

  // ---- telephony (issue 4) ----
  /** String: the gateway instance that owns a call (FreeSWITCH uuid), with a lease as its TTL. */
  callOwner(callId: string): string {
    return `${this.prefix}call:owner:${callId}`;
  }
  /** Hash call id → the call's facts (JSON): a switch's calls claimed and not yet released. */
  liveCalls(switchId: string): string {
    return `${this.prefix}calls:live:${switchId}`;
  }

  // --- agent desk (issue 5): desk records of calls and agents, and the pub/sub between instances ---
  /** HASH: the desk's record of a call (owner instance, caller, queue, agent, times) and its once-only marks. */
  deskCall(callId: string): string {
    return `${this.prefix}desk:call:${callId}`;
  }
  /** HASH: an agent's profile (JSON), last call, and agent-time accounting (state, since). */
  deskAgent(agentId: string): string {
    return `${this.prefix}desk:agent:${agentId}`;
  }
  /** Pub/sub channel: messages for one gateway instance (routed commands, replies, reservations). */
  deskInstanceChannel(instanceId: string): string {
    return `${this.prefix}desk:inst:${instanceId}`;
  }
  /** Pub/sub channel: notices for one agent, to whichever instance holds their connection. */
  deskNoticeChannel(agentId: string): string {
    return `${this.prefix}desk:notice:${agentId}`;
  }

  // --- People, login and the agent desktop's connections (issue 5: auth and ws) ---
  /** String: a user as JSON (StoredUser, with its scrypt hash and a revision for compare-and-set). */
  user(username: string): string {
    return `${this.prefix}auth:user:${username}`;
  }
  /** SET of every username. */
  get users(): string {
    return `${this.prefix}auth:users`;
  }
  /** Counter of failed logins of a username or a source address in the window; its TTL is the window or the lockout. */
  loginFailures(kind: 'user' | 'address', id: string): string {
    return `${this.prefix}auth:fail:${kind}:${id}`;
  }
  /** String: the ws connection that holds an agent's desk (connection id), with a lease as its TTL. */
  deskPresence(agentId: string): string {
    return `${this.prefix}desk:presence:${agentId}`;
  }

  // --- Call queues (ACD, issue 5) ---
  // The Lua scripts build these from acdPrefix (lua/acd-lib.lua lists the same shapes); keep both in step.
  /** Prefix of every ACD key (ARGV[1] of the acd-*.lua scripts). */
  get acdPrefix(): string {
    return `${this.prefix}acd:`;
  }
  /** HASH: an agent's state, reason, call, queue, since, idle-since, skills ("skill=level,…"). */
  acdAgent(agentId: string): string {
    return `${this.acdPrefix}agent:${agentId}`;
  }
  /** SET of logged-in agent ids. */
  get acdAgents(): string {
    return `${this.acdPrefix}agents`;
  }
  /** ZSET agent id → level × 10^13 + idle-since ms: available agents with this skill, best level then longest idle first. */
  acdAvailable(skill: string): string {
    return `${this.acdPrefix}avail:${skill}`;
  }
  /** HASH skill → how many agents are in acdAvailable(skill) (dispatch reads it first). */
  get acdFree(): string {
    return `${this.acdPrefix}free`;
  }
  /** SET of agent ids logged in with this skill (the estimated wait). */
  acdStaffed(skill: string): string {
    return `${this.acdPrefix}staffed:${skill}`;
  }
  /** ZSET call id → priority rank × 10^13 + first enqueue ms: the calls waiting in a queue. */
  acdQueue(queue: string): string {
    return `${this.acdPrefix}queue:${queue}`;
  }
  /** HASH: a queued call's queue, skill, priority, score, first enqueue, owner, state, agent, expiry. */
  acdCall(callId: string): string {
    return `${this.acdPrefix}call:${callId}`;
  }
  /** ZSET call id → offer expiry ms: the offers ringing now. */
  get acdReservations(): string {
    return `${this.acdPrefix}reservations`;
  }
  /** ZSET agent id → wrap-up end ms. */
  get acdWrapUp(): string {
    return `${this.acdPrefix}wrapup`;
  }
  /** LIST of a queue's recent talk times (ms), newest first. */
  acdHandleTimes(queue: string): string {
    return `${this.acdPrefix}handle:${queue}`;
  }

  // --- Follow-up surveys (issue 6) ---
  /**
   * HASH of one survey: request, started (attempts begun), attempt:<n>, rating, reason, result
   * (JSON each). Expires after the deadline plus surveys.retentionDays.
   */
  survey(workOrderId: string): string {
    return `${this.prefix}survey:${workOrderId}`;
  }
  /** String: the work order an SMS reply from this number rates (SMS survey), expiring at its deadline. */
  surveySmsReply(phone: string): string {
    return `${this.prefix}survey:sms-reply:${phone}`;
  }

  // --- Callbacks (issue 6) ---
  // The Lua scripts build these from callbackPrefix (lua/callback-lib.lua lists the same shapes); keep both in step.
  /** Prefix of every callback key (ARGV[1] of the callback-*.lua scripts). */
  get callbackPrefix(): string {
    return `${this.prefix}cb:`;
  }
  /**
   * HASH of one callback: json (the record without revision and granted), rev, granted (JSON),
   * and what the indexes need (st, kind, cit, num, req, due, act, qs, exp). Expires
   * retention after it ends; never while pending.
   */
  callbackRecord(id: string): string {
    return `${this.callbackPrefix}rec:${id}`;
  }
  /** HASH citizen key → id of their pending callback: one pending per number. */
  get callbackPendingByCitizen(): string {
    return `${this.callbackPrefix}pending`;
  }
  /** ZSET id → requestedAt: a queue's busy-time callbacks that may be dialled now (due, not granted, not active). */
  callbackReady(queue: string): string {
    return `${this.callbackPrefix}ready:${queue}`;
  }
  /** ZSET id → due ms: busy-time callbacks waiting for their due time (backoff, reschedule), promoted into callbackReady. */
  get callbackLater(): string {
    return `${this.callbackPrefix}later`;
  }
  /** ZSET id → requestedAt: busy-time callbacks granted or being placed (each holds an agent). */
  get callbackInFlight(): string {
    return `${this.callbackPrefix}inflight`;
  }
  /**
   * ZSET (score 0) of "<requestedAt, 15 digits>:<id>", newest last: the supervisors' list, one per
   * dimension — `all`, `status:<status>`, `kind:<kind>`, `queue:<queue>`, `number:<E.164>`.
   */
  callbackList(dimension: string): string {
    return `${this.callbackPrefix}list:${dimension}`;
  }
  /** ZSET "<id>|<requestedAt>|<status>|<kind>|<number>|<queues>" → when the ended record's index entries go. */
  get callbackExpiry(): string {
    return `${this.callbackPrefix}expiry`;
  }

  // --- Live figures (issue 5): counters in per-minute and per-day hashes, fields "<queue>|<counter>" ---
  /** HASH: the counters of one minute (minutes since the epoch); the rolling 15 minutes sums the last 15. */
  figuresMinute(minute: number): string {
    return `${this.prefix}fig:m:${minute}`;
  }
  /** HASH: the counters of one day of the centre (YYYY-MM-DD, Asia/Shanghai). */
  figuresDay(day: string): string {
    return `${this.prefix}fig:d:${day}`;
  }
  /** String, set for a while once an event is counted: an event recorded twice (a retry) counts once. */
  figuresSeen(eventId: string): string {
    return `${this.prefix}fig:seen:${eventId}`;
  }
}
