// The agent desktop's service (issue 5): what an agent, or a supervisor watching, can do and is
// told. The ws layer (src/adapters/ws) authenticates people and maps validated frames onto this;
// the desk service (src/services/desk) carries commands out — on the gateway instance that owns
// the call, whichever instance the agent is connected to (DESIGN.md "Call ownership").

import type { AgentSkills, AgentStatus, NotReadyReason } from '../acd/model.js';
import type { Endpoint } from './switch.js';

/** An agent as the desk needs them; comes from the user store at login. */
export interface AgentProfile {
  agentId: string;
  name: string;
  skills: AgentSkills;
  /** The agent's phone (a FreeSWITCH user, or a SIP URI). */
  endpoint: Endpoint;
}

export type EmergencyLine = '110' | '119' | '120' | '122';

export type TransferTarget =
  | { kind: 'queue'; queue: string }
  | { kind: 'agent'; agentId: string }
  /** A sub-centre line (12348, 12366, 12315 …) or another external number from the directory. */
  | { kind: 'external'; number: string };

/** Who joins a three-way call (三方通话): an expert seat's queue or a handling unit's fixed line (三固定). */
export type ThreeWayParty = { kind: 'expert'; queue: string } | { kind: 'fixed-line'; unitId: string };

/** The agent's summary form at wrap-up; it becomes the call's phone intake (same rules as every channel). */
export interface WrapUpForm {
  type: 'CONSULT' | 'HELP' | 'COMPLAINT' | 'REPORT' | 'SUGGESTION' | 'PRAISE' | 'UNKNOWN';
  content: string;
  place?: string;
  /** RFC 3339, or free text the citizen gave ("昨晚十点左右"). */
  incidentTime?: string;
  name?: string;
  confidential: boolean;
}

export type DeskCommand =
  | { type: 'state.set'; state: 'available' | 'not-ready'; reason?: NotReadyReason }
  | { type: 'call.answer'; callId: string }
  | { type: 'call.decline'; callId: string }
  | { type: 'call.hold'; callId: string }
  | { type: 'call.unhold'; callId: string }
  | { type: 'call.hangup'; callId: string }
  | { type: 'transfer.blind'; callId: string; to: TransferTarget }
  | { type: 'transfer.consult'; callId: string; to: TransferTarget }
  | { type: 'transfer.complete'; callId: string }
  | { type: 'transfer.cancel'; callId: string }
  /** The agent records that the citizen agreed to a three-way call (art. 14 of seeds/002). */
  | { type: 'threeway.consent'; callId: string }
  | { type: 'threeway.start'; callId: string; party: ThreeWayParty }
  /** The agent leaves the conference (the citizen and the third party stay) or stays. */
  | { type: 'threeway.leave'; callId: string }
  | { type: 'emergency.handoff'; callId: string; line: EmergencyLine; summary: string; location?: string }
  | { type: 'wrapup.submit'; callId: string; form: WrapUpForm };

export type DeskCommandType = DeskCommand['type'];

export type DeskResult = { ok: true; detail?: Record<string, unknown> } | { ok: false; code: string; message: string };

/** What the screen pop shows on offer: the caller's recent intakes and open work orders, from the core. */
export interface ScreenPop {
  caller: string;
  recentIntakes: { intakeId: string; receivedTime: string; channel: string; summary: string }[];
  openWorkOrders: { workOrderId: string; status: string; statusText: string; summary?: string }[];
  /** Set when the core could not be asked in time: the offer is not held up for it. */
  unavailable?: boolean;
}

export type DeskNotice =
  | { type: 'agent.state'; status: AgentStatus }
  | { type: 'offer'; callId: string; queue: string; caller: string; entry: string; expiresAtMs: number; screenPop: ScreenPop }
  | { type: 'offer.withdrawn'; callId: string; reason: 'caller-hung-up' | 'lapsed' | 'taken' }
  | { type: 'call.state'; callId: string; state: 'connected' | 'held' | 'consulting' | 'conference' | 'ended' | 'transferred'; detail?: Record<string, string> }
  | { type: 'wrapup.due'; callId: string; untilMs: number };

export interface DeskService {
  login(agent: AgentProfile): Promise<AgentStatus>;
  logout(agentId: string): Promise<AgentStatus>;
  /** Carried out by the instance owning the call; resolves with its outcome. */
  command(agentId: string, command: DeskCommand): Promise<DeskResult>;
  /** Notices for this agent, from whichever instance produced them. */
  subscribe(agentId: string, listener: (notice: DeskNotice) => void): () => void;
}
