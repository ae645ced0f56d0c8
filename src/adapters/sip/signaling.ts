// Our own small typed view of drachtio-srf: only what the SIP front uses, typed as we rely on it.
// drachtio-srf's bundled types lag its API (TELEPHONY-NOTES), so nothing outside this folder
// touches Srf directly; tests drive SipFront through these shapes.

/** An INVITE as received (drachtio-srf Request). */
export interface SipRequest {
  readonly method: string;
  /** Request-URI. */
  readonly uri: string;
  readonly source_address: string;
  readonly source_port: number | string;
  readonly body?: string;
  get(name: string): string | undefined;
  has(name: string): boolean;
}

/** The response side of a server transaction (drachtio-srf Response). */
export interface SipResponse {
  readonly finalResponseSent: boolean;
  send(status: number, reason?: string, opts?: { headers?: Record<string, string> }): void;
}

/** A dialog of a connected leg (drachtio-srf Dialog). */
export interface SipDialog {
  readonly sip: { callId: string };
  on(event: 'destroy', listener: () => void): unknown;
  destroy(): Promise<unknown> | void;
}

export interface B2buaOptions {
  /** Headers set on the B leg's INVITE. */
  headers: Record<string, string>;
  /** From user (and display name) of the B leg; default: the caller's. */
  callingNumber?: string;
  callingName?: string;
}

/** An error a B2BUA attempt ends with: the B leg's final status, or no status (not sent). */
export interface B2buaFailure {
  status?: number;
  reason?: string;
}

export type ConnectionState =
  | { state: 'connecting'; target: string; lastError?: string }
  | { state: 'connected'; target: string; sipAddress: string; serverVersion?: string; since: string }
  | { state: 'stopped'; target: string };

export interface SipSignaling {
  /** Registers the one INVITE handler; drachtio-server routes INVITEs to us once connected. */
  onInvite(handler: (req: SipRequest, res: SipResponse) => void): void;
  /**
   * createB2BUA(req, res, uri, opts) — this argument order; the drachtio README shows an older
   * one (TELEPHONY-NOTES). Resolves when the B leg answered and the A leg got its 200; rejects
   * with a B2buaFailure (the failure has been passed back to the A leg already).
   */
  createB2BUA(req: SipRequest, res: SipResponse, uri: string, opts: B2buaOptions): Promise<{ uas: SipDialog; uac: SipDialog }>;
  onStateChange(listener: (s: ConnectionState) => void): void;
  state(): ConnectionState;
  stop(): Promise<void>;
}
