// The switch interface (telephony port) the domain owns. Everything above it — IVR, later the
// ACD and callbacks — talks only to this; adapters implement it for FreeSWITCH (modesl over the
// Event Socket) and for the in-process simulated switch.
//
// Call identity: the FreeSWITCH channel uuid is the call id everywhere (DESIGN.md).

export type CallId = string;

/** How a call reached the centre, from the X- headers the SIP front sets (DESIGN.md). */
export interface CallEntry {
  /** citizen: dialled 12345; emergency: transferred from 110/119/120/122; sub-centre: from 12348 …; callback: our own outbound leg. */
  kind: 'citizen' | 'emergency-transfer' | 'sub-centre' | 'callback' | 'survey' | 'agent-leg' | 'other';
  /** The line that transferred the call in ('110', '12348' …), when kind says so. */
  fromLine?: string;
  /** Context the transferring line sent (caller location, its incident id …). */
  context?: Record<string, string>;
  /**
   * The SIP front's admission (X-Hotline-Admission, src/core/sip/admission.ts), when it crossed
   * the front: callback-capture means the centre was at capacity and the caller is to be offered
   * a busy-time callback instead of a busy tone (art. 13). Absent for calls that did not.
   */
  admission?: CallAdmission;
}

/** The SIP front's admissions (src/core/sip/admission.ts `Admission`). */
export const CALL_ADMISSIONS = ['normal', 'restricted', 'callback-capture'] as const;
export type CallAdmission = (typeof CALL_ADMISSIONS)[number];

export interface CallInfo {
  callId: CallId;
  /** Which switch carries the call (one gateway may drive several FreeSWITCH servers). */
  switchId: string;
  direction: 'inbound' | 'outbound';
  /** The caller's number as received (E.164 once normalised by the IVR). */
  caller: string;
  callerName?: string;
  /** The number dialled (12345, 12345 + extension …). */
  dialled: string;
  entry: CallEntry;
  /** The SIP front's dialog id, so the two are linked in logs and records. */
  sipCallId?: string;
  answered: boolean;
  /** When the switch created the channel (RFC 3339). */
  createdAt: string;
  /**
   * From liveCalls only: the call is bridged with another leg now (a caller talking with an agent),
   * and that leg when the switch told us which.
   */
  bridged?: { with?: CallId };
}

/** Where an outbound leg or a transfer goes, in switch terms; routing policy lives above. */
export type Endpoint =
  | { kind: 'gateway'; gateway: string; number: string }
  | { kind: 'user'; user: string }
  | { kind: 'uri'; uri: string };

export type HangupCause =
  | 'NORMAL_CLEARING'
  | 'USER_BUSY'
  | 'NO_ANSWER'
  | 'ORIGINATOR_CANCEL'
  | 'CALL_REJECTED'
  | 'UNALLOCATED_NUMBER'
  | 'NORMAL_TEMPORARY_FAILURE'
  | 'LOSE_RACE'
  | 'MANAGER_REQUEST'
  | (string & {});

export interface CollectDigitsRequest {
  /** Media played while collecting; a key press interrupts it. */
  media: string;
  min: number;
  max: number;
  /** Waiting time for the first key after the prompt. */
  timeoutMs: number;
  /** Between keys. */
  interDigitTimeoutMs?: number;
  terminators?: string;
  tries?: number;
  invalidMedia?: string;
  /** Only digits matching this are valid. */
  pattern?: string;
}

export interface CollectDigitsResult {
  digits: string;
  outcome: 'ok' | 'timeout' | 'invalid' | 'hangup';
}

export type OriginateOutcome = 'answered' | 'no-answer' | 'busy' | 'invalid-number' | 'refused' | 'failed';

export interface OriginateRequest {
  endpoint: Endpoint;
  /** Shown to the called party (a callback shows 12345). */
  callerIdNumber: string;
  callerIdName?: string;
  timeoutSec: number;
  /** Channel variables for the new leg (entry kind, callback id …). */
  variables?: Record<string, string>;
}

export type SwitchEvent =
  | { type: 'call.arrived'; call: CallInfo }
  | { type: 'call.answered'; callId: CallId }
  | { type: 'dtmf'; callId: CallId; digit: string }
  | { type: 'call.bridged'; callId: CallId; otherCallId: CallId }
  | { type: 'call.unbridged'; callId: CallId; otherCallId?: CallId }
  | { type: 'call.hungup'; callId: CallId; cause: HangupCause; at: string }
  | { type: 'recording.finished'; callId: CallId; path: string }
  | { type: 'conference.joined'; callId: CallId; conference: string }
  | { type: 'conference.left'; callId: CallId; conference: string }
  | { type: 'switch.connected'; switchId: string }
  | { type: 'switch.disconnected'; switchId: string; error?: string };

export type SwitchEventListener = (event: SwitchEvent) => void;

/**
 * Commands resolve when the switch has carried them out (or reject with a SwitchError); media
 * commands that take time (play, collectDigits) resolve when the media ends.
 */
export interface Switch {
  readonly id: string;
  on(listener: SwitchEventListener): () => void;

  answer(callId: CallId): Promise<void>;
  /** Plays media to the end (or until stopPlayback / a hang-up); resolves interrupted = true then. */
  play(callId: CallId, media: string): Promise<{ interrupted: boolean }>;
  stopPlayback(callId: CallId): Promise<void>;
  collectDigits(callId: CallId, request: CollectDigitsRequest): Promise<CollectDigitsResult>;
  /**
   * Music on hold until unhold (or a bridge). A bridged call leaves its bridge first (both legs
   * stay up, unbridged: the agent's leg is then free to consult); unhold stops the music and does
   * not reconnect — bridge() does.
   */
  hold(callId: CallId, musicMedia?: string): Promise<void>;
  unhold(callId: CallId): Promise<void>;
  /**
   * Connects two answered legs and resolves once they are bridged; ends hold music on both. Each
   * leg leaves its earlier bridge or conference first, and a former partner stays up (parked, as
   * with park_after_bridge on FreeSWITCH): call control moves legs between bridges and conferences
   * without losing any (attended transfer: bridge(caller, consult), then hang up the agent's leg).
   * Hanging up a leg that is still bridged ends its partner too.
   */
  bridge(callId: CallId, otherCallId: CallId): Promise<void>;
  startRecording(callId: CallId, path: string): Promise<void>;
  stopRecording(callId: CallId, path: string): Promise<void>;
  /**
   * Joins the leg to a conference (created on first join). The leg leaves its bridge first and the
   * former partner stays up; conference members never end each other by hanging up. Flags are
   * FreeSWITCH member flags (`endconf`: the conference ends when this member leaves).
   */
  conferenceJoin(callId: CallId, conference: string, flags?: string[]): Promise<void>;
  conferenceLeave(callId: CallId, conference: string): Promise<void>;
  /** Places an outbound leg; resolves when it is answered or has failed. */
  originate(request: OriginateRequest): Promise<{ callId?: CallId; outcome: OriginateOutcome; cause?: string }>;
  /**
   * Sends the call elsewhere (blind transfer) and out of our control; resolves once the far end
   * answered. A leg it was bridged with ends. If nobody answers it rejects and the call stays ours.
   */
  transfer(callId: CallId, endpoint: Endpoint): Promise<void>;
  hangup(callId: CallId, cause?: HangupCause): Promise<void>;
  /** The calls the switch carries now (reconciliation after a reconnect or a takeover). */
  liveCalls(): Promise<CallInfo[]>;
}

export type SwitchErrorCode = 'NO_SUCH_CALL' | 'DISCONNECTED' | 'COMMAND_FAILED' | 'TIMEOUT';

export class SwitchError extends Error {
  constructor(
    readonly code: SwitchErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SwitchError';
  }
}

/**
 * The listeners of a Switch implementation: every event goes to every listener, and one that
 * throws neither stops the others nor the switch (the error goes to onError).
 */
export class SwitchListeners {
  private readonly listeners = new Set<SwitchEventListener>();

  constructor(private readonly onError: (err: unknown, event: SwitchEvent) => void) {}

  add(listener: SwitchEventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(event: SwitchEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        this.onError(err, event);
      }
    }
  }
}
