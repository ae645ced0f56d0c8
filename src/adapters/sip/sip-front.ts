// The SIP front (DESIGN.md): every INVITE crossing the centre's boundary passes here. Inbound
// calls (carrier, 110/119/120/122, sub-centres) go to FreeSWITCH as a B2BUA with X- headers the
// dialplan turns into channel variables; outbound legs from FreeSWITCH go to the trunk the
// routing policy names. Decisions live in src/core/sip; this file carries them out.
import type { Logger } from '../../log/logger.js';
import { classifyInvite, type InboundCall, type OutboundLeg, type SipPolicy } from '../../core/sip/policy.js';
import type { InboundAdmission } from '../../core/sip/admission.js';
import type { ActiveCalls } from '../../core/ports/active-calls.js';
import type { B2buaFailure, SipDialog, SipRequest, SipResponse, SipSignaling } from './signaling.js';

/** The headers FreeSWITCH's dialplan reads as ${sip_h_X-Hotline-…}. */
export const HOTLINE_HEADERS = {
  entry: 'X-Hotline-Entry',
  fromLine: 'X-Hotline-From-Line',
  admission: 'X-Hotline-Admission',
  dialog: 'X-Hotline-Dialog',
  /** The transferring line's context, URL-encoded key=value pairs (incident=…&location=…). */
  context: 'X-Hotline-Context',
} as const;

export interface SipFrontOptions {
  policy: SipPolicy;
  /** Where inbound calls go: FreeSWITCH's profile, e.g. sip:127.0.0.1:5090. */
  freeswitchUri: string;
  admission: InboundAdmission;
  activeCalls: ActiveCalls;
  log: Logger;
}

export interface SipFrontStats {
  inbound: number;
  outbound: number;
  refused: number;
  failed: number;
}

function withUser(uri: string, user: string): string {
  return `sip:${user}@${uri.replace(/^sips?:/, '').replace(/^[^@]*@/, '')}`;
}

export class SipFront {
  readonly stats: SipFrontStats = { inbound: 0, outbound: 0, refused: 0, failed: 0 };
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly signaling: SipSignaling,
    private readonly options: SipFrontOptions,
  ) {}

  start(): void {
    this.signaling.onInvite((req, res) => {
      const p = this.handleInvite(req, res).catch((err: unknown) => {
        this.options.log.error({ err }, 'INVITE handling failed');
        if (!res.finalResponseSent) res.send(500);
      });
      this.inFlight.add(p);
      void p.finally(() => this.inFlight.delete(p));
    });
  }

  /** Settles once every INVITE being decided has its answer (for draining). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  async handleInvite(req: SipRequest, res: SipResponse): Promise<void> {
    const callId = req.get('Call-ID') ?? '';
    const decision = classifyInvite(this.options.policy, {
      source: { address: req.source_address, port: Number(req.source_port) },
      requestUri: req.uri,
      callerUri: req.has('P-Asserted-Identity') ? req.get('P-Asserted-Identity') : req.get('From'),
      diversion: req.has('Diversion') ? req.get('Diversion') : undefined,
      header: (name) => (req.has(name) ? req.get(name) : undefined),
    });
    const log = this.options.log.child({ sipCallId: callId });
    if (decision.action === 'refuse') {
      this.stats.refused++;
      log.info({ status: decision.status, source: `${req.source_address}:${req.source_port}`, requestUri: req.uri }, `INVITE refused: ${decision.reason}`);
      res.send(decision.status, decision.reason);
      return;
    }
    if (decision.action === 'inbound') return this.inbound(req, res, decision, callId, log);
    return this.outbound(req, res, decision, log);
  }

  private async inbound(req: SipRequest, res: SipResponse, call: InboundCall, callId: string, log: Logger): Promise<void> {
    const verdict = await this.options.admission.decide(call, callId);
    const headers: Record<string, string> = {
      [HOTLINE_HEADERS.entry]: call.entry.kind,
      [HOTLINE_HEADERS.admission]: verdict.admission,
      [HOTLINE_HEADERS.dialog]: callId,
    };
    if (call.entry.fromLine) headers[HOTLINE_HEADERS.fromLine] = call.entry.fromLine;
    // URL-encoded so Chinese text and separators survive a SIP header and FreeSWITCH's variables.
    if (call.entry.context) headers[HOTLINE_HEADERS.context] = new URLSearchParams(call.entry.context).toString();
    const uri = withUser(this.options.freeswitchUri, call.dialled);
    const facts = { peer: call.peer, entry: call.entry.kind, fromLine: call.entry.fromLine, admission: verdict.admission, counted: verdict.counted, caller: call.callerE164 };
    if (verdict.degraded) log.warn({ ...facts, store: verdict.degraded }, 'admission store unavailable; caller admitted');
    this.stats.inbound++;
    log.info({ ...facts, uri }, 'inbound call to FreeSWITCH');
    let release = verdict.counted ? () => this.release(callId, log) : () => undefined;
    const releaseOnce = () => {
      const r = release;
      release = () => undefined;
      r();
    };
    await this.bridge(req, res, uri, { headers }, log, releaseOnce);
  }

  private async outbound(req: SipRequest, res: SipResponse, leg: OutboundLeg, log: Logger): Promise<void> {
    const headers: Record<string, string> = {};
    if (leg.priority) headers.Priority = 'emergency';
    const opts = leg.callerId ? { headers, callingNumber: leg.callerId, callingName: leg.callerId } : { headers };
    this.stats.outbound++;
    log.info({ route: leg.route, target: leg.target, uri: leg.uri }, 'outbound leg to trunk');
    await this.bridge(req, res, leg.uri, opts, log, () => undefined);
  }

  private async bridge(req: SipRequest, res: SipResponse, uri: string, opts: Parameters<SipSignaling['createB2BUA']>[3], log: Logger, onEnd: () => void): Promise<void> {
    let legs: { uas: SipDialog; uac: SipDialog };
    try {
      legs = await this.signaling.createB2BUA(req, res, uri, opts);
    } catch (err) {
      onEnd();
      const f = err as B2buaFailure;
      this.stats.failed++;
      // drachtio-srf has passed the B leg's failure back to the A leg; a failure with no status
      // (the request never went out) has not been answered yet.
      if (!res.finalResponseSent) res.send(503, 'Service Unavailable');
      log.info({ status: f.status, uri }, 'call not connected');
      return;
    }
    const { uas, uac } = legs;
    log.info({ uri, bLegCallId: uac.sip.callId }, 'call connected');
    // Either side hanging up ends the other (a B2BUA keeps two dialogs).
    uas.on('destroy', () => {
      onEnd();
      void Promise.resolve(uac.destroy()).catch(() => undefined);
    });
    uac.on('destroy', () => {
      onEnd();
      void Promise.resolve(uas.destroy()).catch(() => undefined);
    });
  }

  private release(callId: string, log: Logger): void {
    this.options.activeCalls.release(callId).catch((err: unknown) => {
      // The Redis entry lapses with its lease; nothing is stuck for good.
      log.warn({ err }, 'could not release the active-call place');
    });
  }
}
