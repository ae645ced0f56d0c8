// The call queues (ACD) in domain terms: queues, agents, skills, states and reservations.
// Issue 5; seeds/002 art. 8 (7×24 human service), 13 (answer rate ≥ 95 %, callbacks), 19 (the
// business-environment special seat); seeds/003 art. 11 (counselling line), 13 (leader duty).
// Plain types, no I/O: the Redis store (src/adapters/redis) and the desk service build on these.

/** What kind of line a queue is; the names agents and supervisors see are in `QueueDef.name`. */
export type QueueKind =
  | 'general' // 综合
  | 'enterprise' // 营商环境/企业服务专席
  | 'counselling' // 心理服务专线
  | 'expert' // 专家座席 (one per handling unit that stations experts)
  | 'sub-centre' // 12348, 12366, 12315 … (双号并行 when local)
  | 'leader'; // 领导接听 (seeds/003 art. 13)

/** Waiting time widens the skill levels a call may reach: after `afterSec`, levels 1..maxLevel. */
export interface Tier {
  afterSec: number;
  maxLevel: number;
}

export interface QueueDef {
  id: string;
  /** Shown to agents and supervisors (Chinese). */
  name: string;
  kind: QueueKind;
  /** The skill an agent needs to take this queue's calls. */
  skill: string;
  /** Sorted by afterSec; the first tier has afterSec 0. */
  tiers: Tier[];
  /** After this many seconds unanswered the call moves to `overflow.to` (keeping its arrival time). */
  overflow?: { afterSec: number; to: string };
  /** A sub-centre that runs its own agents: calls go out to this number instead of queueing. */
  externalNumber?: string;
  /** Sub-centre queues: the line citizens dial or are transferred from (12348, 12366, 12315 …). */
  line?: string;
  /** Expert seats: the handling unit that stations the experts. */
  unit?: string;
  /** Leader-duty queues: which level of the schedule (seeds/003 art. 13) opens this line. */
  leaderLevel?: LeaderLevel;
  /** Position and estimated wait are announced every `everySec` seconds while waiting. */
  announceEverySec: number;
  /** Past this wait the caller is offered a callback (issue 6 places it). */
  callbackOfferAfterSec: number;
}

/**
 * The three levels of seeds/003 art. 13 (三级领导接听制度): city government leaders monthly;
 * county/district government heads and heads of city departments on Tuesdays; heads of district
 * departments on Thursdays.
 */
export const LEADER_LEVELS = ['city', 'county-and-city-department', 'district-department'] as const;
export type LeaderLevel = (typeof LEADER_LEVELS)[number];

/** A leader-duty slot: a day of the month or a weekday, and hours in Beijing time (Asia/Shanghai). */
export interface LeaderDutySlot {
  /** 1–31; a month without that day uses its last day. */
  dayOfMonth?: number;
  /** 0 Sunday … 6 Saturday. */
  weekday?: number;
  /** "HH:MM", inclusive. */
  from: string;
  /** "HH:MM", exclusive ("24:00" for midnight). */
  to: string;
}

export type LeaderDutySchedule = Partial<Record<LeaderLevel, LeaderDutySlot[]>>;

/**
 * Caller priority, highest first: calls transferred from 110/119/120/122 and other emergency
 * lines (seeds/003 art. 2), critical matters (art. 18), everyone else, and last the busy-time
 * callbacks the gateway places at idle time (art. 13 of seeds/002: a live caller always goes
 * before a callback, so callbacks never cost a live call its answer). A keep-my-place callback
 * keeps the priority of the call whose place it keeps.
 */
export const CALL_PRIORITIES = ['emergency-transfer', 'critical', 'normal', 'callback'] as const;
export type CallPriority = (typeof CALL_PRIORITIES)[number];

/** skill → level; level 1 is the best match, larger numbers are weaker (1..9). */
export type AgentSkills = Record<string, number>;

export const AGENT_STATES = ['logged-out', 'available', 'reserved', 'on-call', 'wrap-up', 'not-ready'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

/** Codes an agent picks when going not ready; `missed-offer` is set by the ACD itself. */
export const NOT_READY_REASONS = ['break', 'training', 'meeting', 'missed-offer'] as const;
export type NotReadyReason = (typeof NOT_READY_REASONS)[number];

export const NOT_READY_REASON_TEXT: Record<NotReadyReason, string> = {
  break: '小休',
  training: '培训',
  meeting: '会议',
  'missed-offer': '未接来电',
};

export const AGENT_STATE_TEXT: Record<AgentState, string> = {
  'logged-out': '未登录',
  available: '空闲',
  reserved: '振铃',
  'on-call': '通话中',
  'wrap-up': '话后整理',
  'not-ready': '示忙',
};

export interface AgentStatus {
  agentId: string;
  state: AgentState;
  reason?: NotReadyReason;
  /** The call the agent is reserved for or talking on. */
  callId?: string;
  /** Since when (ms since epoch) the agent is in this state; for `available`, the idle-since time routing orders by. */
  sinceMs: number;
}

/** A call waiting in a queue, as the ACD keeps it. */
export interface WaitingCall {
  callId: string;
  queue: string;
  priority: CallPriority;
  /** When the call first entered any queue (ms); kept across overflow and requeue, so no one loses their place. */
  enqueuedAtMs: number;
  /** The gateway instance that owns the call (call ownership, DESIGN.md); offers go there. */
  owner: string;
}

/** Where a queued call stands, with its estimated wait (what the IVR announces). */
export interface CallStanding {
  queue: string;
  /** waiting in the queue; reserved: an agent is being offered it; answered: an agent took it. */
  state: 'waiting' | 'reserved' | 'answered';
  /** 1-based, in serving order; 0 unless waiting. */
  position: number;
  /** When the call first entered any queue (ms). */
  enqueuedAtMs: number;
  /** When it entered this queue (ms): overflow counts from here. */
  inQueueSinceMs: number;
  /** Agents logged in / available with the queue's skill. */
  staffed: number;
  available: number;
  /** Mean handle time of the queue's recent calls (talk + wrap-up), or the configured default. */
  meanHandleSec: number;
  /** src/core/acd/announcement.ts estimateWaitSec; undefined when nobody with the skill is logged in. */
  estimatedWaitSec?: number;
}

/** One atomic match of a waiting call with an agent, made by the dispatch script. */
export interface Reservation {
  callId: string;
  agentId: string;
  queue: string;
  /** Owner instance of the call: the only one that bridges it. */
  owner: string;
  /** Unanswered by then, the offer lapses and the call goes back to the head of its queue. */
  offerExpiresAtMs: number;
  /** Ms the call had waited when reserved. */
  waitedMs: number;
}

/**
 * What `Acd.reserve` holds a named agent for, outside a dispatch (transfers to another agent).
 * - offer: the call is offered to this agent as a dispatch would (blind transfer to a named
 *   agent): offer timeout, accept, release (back to the head of `call.queue`, first arrival
 *   kept), lapsed and remove as for any offer. `from` is the agent talking on the call now, whose
 *   call ends in the same step (wrap-up).
 * - consult: the agent is held out of dispatch while another agent consults them on the call
 *   (attended transfer): reserved, no expiry, not swept; `Acd.join` makes them the call's agent,
 *   `Acd.release` ends the hold. `queue` is the call's queue (their handle time counts there).
 */
export type ReserveFor =
  | { kind: 'offer'; call: WaitingCall; from?: string }
  | { kind: 'consult'; callId: string; owner: string; queue?: string };

/** The ACD's settings as the domain uses them (built from config `acd` by src/config/acd.ts). */
export interface AcdPolicy {
  /** The general queue (综合): every fallback ends here (7×24 human service). */
  general: string;
  queues: ReadonlyMap<string, QueueDef>;
  leaderDuty: LeaderDutySchedule;
  /** An offer not answered within this lapses; the call goes back to the head of its queue. */
  offerTimeoutMs: number;
  /** After a call, the agent is in wrap-up this long before being available again (0: at once). */
  wrapUpMs: number;
  /** What an agent who let an offer lapse or declined it becomes. */
  afterMissedOffer: 'available' | 'not-ready';
  /** Inputs of the estimated wait (src/core/acd/announcement.ts). */
  estimate: { recentCalls: number; defaultHandleSec: number };
}
