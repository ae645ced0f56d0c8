// Routing policy of the SIP front, as data (config `sip`) and pure functions: which peer sent an
// INVITE, what entry it is (DESIGN.md "SIP front"), and which trunk an outbound leg from
// FreeSWITCH takes. No I/O: the drachtio adapter asks these functions and carries out the answer.
import type { CallEntry } from '../ports/switch.js';
import { callerE164, dialString, isWellFormedNumber, nationalNumber, uriUser } from './numbers.js';
import { toE164 } from '../intake/phone.js';
import { citizenKeyOf } from '../intake/citizen-key.js';

export type PeerKind = 'carrier' | 'emergency' | 'sub-centre';

/** Who may send calls in, told apart by source address ("10.0.0.5" or "10.0.0.5:5060"). */
export interface SipPeer {
  name: string;
  kind: PeerKind;
  addresses: string[];
  /** The line the peer transfers from ('110', '12348' …); emergency peers without one name it in Diversion. */
  line?: string;
  /**
   * Context the transferring line sends in its own headers (context key → header name), e.g.
   * { incident: 'X-Incident-Id', location: 'X-Caller-Location' }: emergency calls arrive with
   * their context (seeds/003 art. 2: records exchanged both ways).
   */
  contextHeaders?: Record<string, string>;
}

export interface SipPolicy {
  /** The numbers citizens dial ('12345'); a few extension digits after one are allowed. */
  serviceNumbers: string[];
  /** The city's area code ('0396'): carriers may put it in front of a short number. */
  areaCode: string;
  peers: SipPeer[];
  /** Source addresses of FreeSWITCH: INVITEs from them are outbound legs. */
  freeswitchAddresses: string[];
  emergency: {
    /** 110 police, 119 fire, 120 ambulance, 122 traffic (seeds/003 art. 2). */
    lines: string[];
    /** host[:port][;params] of the emergency linkage trunk. */
    trunk: string;
    /** The fixed caller id an emergency operator sees (TELEPHONY-NOTES: fixed caller id). */
    callerId: string;
  };
  /** Merged vertical hotlines (art. 8): 12348 legal, 12366 tax, 12315 market … */
  subCentres: Array<{ line: string; name: string; trunk: string }>;
  /** Handling units' three-way lines (三固定, seeds/003 art. 4). */
  fixedLines: Array<{ unit: string; number: string; trunk?: string }>;
  /** Everything else: the carrier, showing the centre's number (callbacks show 12345). */
  carrier: { trunk: string; callerId: string };
}

export interface SipSource {
  address: string;
  port: number;
}

/** A SIP status the front answers with instead of forwarding. */
export interface Refusal {
  action: 'refuse';
  status: number;
  reason: string;
}

export interface InboundCall {
  action: 'inbound';
  peer: string;
  entry: CallEntry;
  /** The dialled number as FreeSWITCH's dialplan will see it ('12345', '12348' …). */
  dialled: string;
  /** E.164 of the caller, when sent and plausible. */
  callerE164?: string;
  /** The key abuse limits use (DESIGN.md "Citizen key"); absent for a withheld number. */
  citizenKey?: string;
}

export interface OutboundLeg {
  action: 'outbound';
  route: 'emergency' | 'sub-centre' | 'fixed-line' | 'carrier';
  /** Request-URI of the leg to the trunk. */
  uri: string;
  /** The caller id the far end sees; absent keeps the caller's own (transfers to sub-centres). */
  callerId?: string;
  /** Emergency legs carry Priority: emergency (RFC 3261 §20.26). */
  priority: boolean;
  /** sub-centre line or handling unit, for logs. */
  target?: string;
}

export type InviteDecision = Refusal | InboundCall | OutboundLeg;

export interface InviteFacts {
  source: SipSource;
  requestUri: string;
  /** P-Asserted-Identity when present, else From. */
  callerUri: string | undefined;
  diversion?: string | undefined;
  /** Any other header of the request, by name (for a peer's contextHeaders). */
  header?: (name: string) => string | undefined;
}

function refuse(status: number, reason: string): Refusal {
  return { action: 'refuse', status, reason };
}

function addressMatches(pattern: string, source: SipSource): boolean {
  if (pattern === source.address) return true;
  return pattern === `${source.address}:${source.port}`;
}

function withUser(trunk: string, user: string): string {
  return `sip:${user}@${trunk.replace(/^sips?:/, '')}`;
}

/** Which configured peer (or FreeSWITCH) sent the request; a host:port entry wins over a bare host. */
export function peerOf(policy: SipPolicy, source: SipSource): SipPeer | 'freeswitch' | undefined {
  const exact = `${source.address}:${source.port}`;
  if (policy.freeswitchAddresses.includes(exact)) return 'freeswitch';
  const peerExact = policy.peers.find((p) => p.addresses.includes(exact));
  if (peerExact) return peerExact;
  if (policy.freeswitchAddresses.some((a) => addressMatches(a, source))) return 'freeswitch';
  return policy.peers.find((p) => p.addresses.some((a) => addressMatches(a, source)));
}

function serviceNumberOf(policy: SipPolicy, dialled: string): string | undefined {
  return policy.serviceNumbers.find((s) => dialled === s || (dialled.startsWith(s) && dialled.length - s.length <= 4));
}

/** Decides what an INVITE is: an inbound call to hand to FreeSWITCH, an outbound leg, or a refusal. */
export function classifyInvite(policy: SipPolicy, facts: InviteFacts): InviteDecision {
  const peer = peerOf(policy, facts.source);
  if (!peer) return refuse(403, 'Forbidden (not a configured peer)');
  const user = uriUser(facts.requestUri);
  if (!isWellFormedNumber(user)) return refuse(484, 'Address Incomplete');
  if (peer === 'freeswitch') return routeOutbound(policy, user);
  return classifyInbound(policy, peer, user, facts);
}

function contextOf(peer: SipPeer, facts: InviteFacts): Record<string, string> | undefined {
  if (!peer.contextHeaders || !facts.header) return undefined;
  const out: Record<string, string> = {};
  for (const [key, name] of Object.entries(peer.contextHeaders)) {
    const v = facts.header(name);
    if (v) out[key] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

function classifyInbound(policy: SipPolicy, peer: SipPeer, user: string, facts: InviteFacts): InviteDecision {
  const dialled = nationalNumber(user, policy.areaCode);
  const e164 = callerE164(uriUser(facts.callerUri));
  const caller = e164 ? { callerE164: e164, citizenKey: citizenKeyOf({ phone: e164 }, '') } : {};
  const service = serviceNumberOf(policy, dialled);
  if (peer.kind === 'emergency') {
    // A call 110/119/120/122 hands over is never refused here, whatever number it dialled
    // (art. 11-4, DESIGN.md "Emergency first"): it goes to FreeSWITCH and jumps the queue.
    const divertedFrom = uriUser(facts.diversion);
    const fromDiversion = divertedFrom && policy.emergency.lines.includes(nationalNumber(divertedFrom)) ? nationalNumber(divertedFrom) : undefined;
    const fromLine = peer.line ?? fromDiversion;
    const context = contextOf(peer, facts);
    return {
      action: 'inbound',
      peer: peer.name,
      entry: { kind: 'emergency-transfer', ...(fromLine ? { fromLine } : {}), ...(context ? { context } : {}) },
      dialled: service ?? dialled,
      ...caller,
    };
  }
  if (peer.kind === 'sub-centre') {
    if (!service) return refuse(404, 'Not Found');
    const context = contextOf(peer, facts);
    return { action: 'inbound', peer: peer.name, entry: { kind: 'sub-centre', fromLine: peer.line ?? peer.name, ...(context ? { context } : {}) }, dialled, ...caller };
  }
  if (service) return { action: 'inbound', peer: peer.name, entry: { kind: 'citizen' }, dialled, ...caller };
  // A merged vertical hotline dialled directly (双号并行, seeds/003 art. 2) reaches the centre too.
  const sub = policy.subCentres.find((s) => s.line === dialled);
  if (sub) return { action: 'inbound', peer: peer.name, entry: { kind: 'sub-centre', fromLine: sub.line }, dialled, ...caller };
  return refuse(404, 'Not Found');
}

/** The trunk an outbound leg from FreeSWITCH takes, by the number it dials. */
export function routeOutbound(policy: SipPolicy, user: string): OutboundLeg | Refusal {
  if (!isWellFormedNumber(user)) return refuse(484, 'Address Incomplete');
  const n = nationalNumber(user, policy.areaCode);
  if (policy.emergency.lines.includes(n)) {
    return { action: 'outbound', route: 'emergency', uri: withUser(policy.emergency.trunk, n), callerId: policy.emergency.callerId, priority: true, target: n };
  }
  const sub = policy.subCentres.find((s) => s.line === n);
  if (sub) {
    // Transfers both ways (art. 8): the sub-centre sees the citizen's own number.
    return { action: 'outbound', route: 'sub-centre', uri: withUser(sub.trunk, n), priority: false, target: sub.name };
  }
  if (serviceNumberOf(policy, n)) return refuse(482, 'Loop Detected');
  const e164 = toE164(n);
  const fixed = e164 ? policy.fixedLines.find((f) => toE164(f.number) === e164) : undefined;
  if (fixed && e164) {
    return {
      action: 'outbound',
      route: 'fixed-line',
      uri: withUser(fixed.trunk ?? policy.carrier.trunk, dialString(e164)),
      callerId: policy.carrier.callerId,
      priority: false,
      target: fixed.unit,
    };
  }
  if (n.startsWith('00')) return refuse(403, 'Forbidden (international numbers are not routed)');
  if (!e164) return refuse(404, 'Not Found');
  return { action: 'outbound', route: 'carrier', uri: withUser(policy.carrier.trunk, dialString(e164)), callerId: policy.carrier.callerId, priority: false };
}
