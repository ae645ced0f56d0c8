import { CALL_ADMISSIONS, type CallAdmission, type CallEntry, type CallInfo } from '../../core/ports/switch.js';

// Channel variables the dialplan (dialplans/public/00_hotline_12345.xml) sets from the SIP front's
// X- headers before it parks the call. Only the front is trusted to set them: the dialplan ignores
// X-Hotline-* from any other source, so a citizen cannot claim to be a 110 transfer.
export const ENTRY_VARIABLES = {
  kind: 'hotline_entry',
  fromLine: 'hotline_from_line',
  dialog: 'hotline_dialog',
  dialled: 'hotline_dialled',
  caller: 'hotline_caller',
  context: 'hotline_context',
  admission: 'hotline_admission',
} as const;

const KINDS: ReadonlySet<CallEntry['kind']> = new Set([
  'citizen',
  'emergency-transfer',
  'sub-centre',
  'callback',
  'survey',
  'agent-leg',
  'other',
]);

const ADMISSIONS: ReadonlySet<string> = new Set(CALL_ADMISSIONS);

type Lookup = (header: string) => string | undefined;

/** The event headers that carry ENTRY_VARIABLES (`variable_<name>`), spelled out once. */
const HEADER = Object.fromEntries(Object.entries(ENTRY_VARIABLES).map(([k, v]) => [k, `variable_${v}`])) as {
  [K in keyof typeof ENTRY_VARIABLES]: `variable_${(typeof ENTRY_VARIABLES)[K]}`;
};

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** CallEntry from the channel variables of a CHANNEL_PARK (or a uuid_dump) — `variable_<name>`. */
export function entryFromVariables(get: Lookup): CallEntry {
  const rawKind = nonEmpty(get(HEADER.kind));
  const kind: CallEntry['kind'] =
    rawKind && KINDS.has(rawKind as CallEntry['kind'])
      ? (rawKind as CallEntry['kind'])
      : rawKind
        ? 'other'
        : 'citizen';
  const entry: CallEntry = { kind };
  const fromLine = nonEmpty(get(HEADER.fromLine));
  if (fromLine) entry.fromLine = fromLine;
  const ctx = nonEmpty(get(HEADER.context));
  if (ctx) {
    // The front sends the transferring line's context as a query string (location=…&incident=…).
    const context: Record<string, string> = {};
    for (const [k, val] of new URLSearchParams(ctx)) context[k] = val;
    if (Object.keys(context).length > 0) entry.context = context;
  }
  // A value the front does not send is no admission at all (the IVR then runs its usual flow).
  const admission = get(HEADER.admission);
  if (admission && ADMISSIONS.has(admission)) entry.admission = admission as CallAdmission;
  return entry;
}

/**
 * A FreeSWITCH timestamp (microseconds since the epoch, as text) in RFC 3339; now when absent.
 * Events come in bursts within one second, so the formatted second is kept and only the
 * milliseconds are written per call (Date#toISOString showed in the ingest profile).
 */
export function usecToIso(usec: string | undefined): string {
  const n = usec ? Number(usec) : NaN;
  const ms = Number.isFinite(n) && n > 0 ? Math.floor(n / 1000) : Date.now();
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastSecondText = new Date(second * 1000).toISOString().slice(0, 19);
  }
  const frac = ms - second * 1000;
  return `${lastSecondText}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}Z`;
}
let lastSecond = NaN;
let lastSecondText = '';

/**
 * CallInfo from a channel event (CHANNEL_PARK) carrying the full channel block. The headers are
 * read in the order FreeSWITCH writes them (Unique-ID, Call-Direction, Answer-State, the Caller-*
 * block, then the variables): a plain event is searched forward from the last header read.
 */
export function callInfoFromEvent(get: Lookup, switchId: string): CallInfo {
  const callId = get('Unique-ID') ?? '';
  const direction = get('Call-Direction') === 'outbound' ? 'outbound' : 'inbound';
  const answered = get('Answer-State') === 'answered';
  const name = get('Caller-Caller-ID-Name');
  const number = get('Caller-Caller-ID-Number');
  const destination = get('Caller-Destination-Number');
  const created = get('Caller-Channel-Created-Time');
  const caller = nonEmpty(get(HEADER.caller)) ?? number ?? '';
  const info: CallInfo = {
    callId,
    switchId,
    direction,
    caller,
    dialled: nonEmpty(get(HEADER.dialled)) ?? destination ?? '',
    entry: entryFromVariables(get),
    answered,
    createdAt: usecToIso(created),
  };
  if (name && name !== caller) info.callerName = name;
  const dialog = nonEmpty(get(HEADER.dialog));
  if (dialog) info.sipCallId = dialog;
  return info;
}

/** A row of `show channels as json` (38 string keys). */
export interface ChannelRow {
  uuid: string;
  direction: string;
  created_epoch: string;
  cid_name: string;
  cid_num: string;
  dest: string;
  application: string;
  callstate: string;
  [key: string]: string;
}

/** CallInfo from a `show channels` row, when no channel variables are to be had. */
export function callInfoFromRow(row: ChannelRow, switchId: string): CallInfo {
  const created = Number(row.created_epoch);
  return {
    callId: row.uuid,
    switchId,
    direction: row.direction === 'outbound' ? 'outbound' : 'inbound',
    caller: row.cid_num ?? '',
    ...(row.cid_name && row.cid_name !== row.cid_num ? { callerName: row.cid_name } : {}),
    dialled: row.dest ?? '',
    entry: { kind: row.direction === 'outbound' ? 'other' : 'citizen' },
    answered: row.callstate !== 'RINGING' && row.callstate !== 'DOWN' && row.callstate !== 'EARLY',
    createdAt:
      Number.isFinite(created) && created > 0
        ? new Date(created * 1000).toISOString()
        : new Date().toISOString(),
  };
}
