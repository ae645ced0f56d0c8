import type { CallEntry, CallInfo } from '../../core/ports/switch.js';

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

type Lookup = (header: string) => string | undefined;

/** CallEntry from the channel variables of a CHANNEL_PARK (or a uuid_dump) — `variable_<name>`. */
export function entryFromVariables(get: Lookup): CallEntry {
  const v = (name: string): string | undefined => {
    const value = get(`variable_${name}`);
    return value === undefined || value === '' ? undefined : value;
  };
  const rawKind = v(ENTRY_VARIABLES.kind);
  const kind: CallEntry['kind'] =
    rawKind && KINDS.has(rawKind as CallEntry['kind'])
      ? (rawKind as CallEntry['kind'])
      : rawKind
        ? 'other'
        : 'citizen';
  const entry: CallEntry = { kind };
  const fromLine = v(ENTRY_VARIABLES.fromLine);
  if (fromLine) entry.fromLine = fromLine;
  const ctx = v(ENTRY_VARIABLES.context);
  if (ctx) {
    // The front sends the transferring line's context as a query string (location=…&incident=…).
    const context: Record<string, string> = {};
    for (const [k, val] of new URLSearchParams(ctx)) context[k] = val;
    if (Object.keys(context).length > 0) entry.context = context;
  }
  return entry;
}

function usecToIso(usec: string | undefined): string {
  const n = usec ? Number(usec) : NaN;
  return Number.isFinite(n) && n > 0
    ? new Date(Math.floor(n / 1000)).toISOString()
    : new Date().toISOString();
}

/** CallInfo from a channel event (CHANNEL_PARK) carrying the full channel block. */
export function callInfoFromEvent(get: Lookup, switchId: string): CallInfo {
  const v = (name: string): string | undefined => {
    const value = get(`variable_${name}`);
    return value === undefined || value === '' ? undefined : value;
  };
  const direction = get('Call-Direction') === 'outbound' ? 'outbound' : 'inbound';
  const info: CallInfo = {
    callId: get('Unique-ID') ?? '',
    switchId,
    direction,
    caller: v(ENTRY_VARIABLES.caller) ?? get('Caller-Caller-ID-Number') ?? '',
    dialled: v(ENTRY_VARIABLES.dialled) ?? get('Caller-Destination-Number') ?? '',
    entry: entryFromVariables(get),
    answered: get('Answer-State') === 'answered',
    createdAt: usecToIso(get('Caller-Channel-Created-Time')),
  };
  const name = get('Caller-Caller-ID-Name');
  if (name && name !== info.caller) info.callerName = name;
  const dialog = v(ENTRY_VARIABLES.dialog);
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
