import { z } from 'zod';
import { callbackFilterShape, callbackId, cancelShape, rescheduleShape } from '../callback-fields.js';
import { describeIssue } from '../zod-issue.js';
import { AGENT_STATES, NOT_READY_REASONS } from '../../core/acd/model.js';
import { ROLES, type Permission } from '../../core/auth/roles.js';
import type { DeskCommand, DeskNotice } from '../../core/ports/desk.js';
import type {
  FigureAlarm,
  FigureAlarmCleared,
  FiguresUpdate,
  QueueFigures,
} from '../../core/ports/figures.js';
import type { AgentStatus } from '../../core/acd/model.js';

// The agent desktop's WebSocket protocol, version 1 (issue 5). Every frame is one JSON object
// with `v: 1`, a `type`, and — from the client — an optional `id` that the reply echoes. One zod
// schema per frame type; the README's protocol section is generated from these schemas
// (`npm run desk-protocol`) and a test checks it did not drift. The desk commands and notices are
// checked at compile time to be exactly the DeskCommand and DeskNotice of src/core/ports/desk.ts.

export const PROTOCOL_VERSION = 1;
/** Sec-WebSocket-Protocol the server selects; the token may ride beside it as `bearer.<token>`. */
export const SUBPROTOCOL = 'hotline.desk.v1';

const id = z.string().min(1).max(64).describe('client id, echoed in the reply');
const callId = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/)
  .describe('call id');
const text = (max: number) => z.string().min(1).max(max);

const envelope = { v: z.literal(PROTOCOL_VERSION), id: id.optional() };
const frame = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.strictObject({ ...envelope, type: z.literal(type), ...shape });

const transferTarget = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('queue'), queue: text(64) }),
  z.strictObject({ kind: z.literal('agent'), agentId: text(64) }),
  z.strictObject({ kind: z.literal('external'), number: z.string().regex(/^\+?[0-9]{3,20}$/) }),
]);
const threeWayParty = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('expert'), queue: text(64) }),
  z.strictObject({ kind: z.literal('fixed-line'), unitId: text(64) }),
]);
const wrapUpForm = z.strictObject({
  type: z.enum(['CONSULT', 'HELP', 'COMPLAINT', 'REPORT', 'SUGGESTION', 'PRAISE', 'UNKNOWN']),
  content: text(5000),
  place: text(500).optional(),
  incidentTime: text(100).optional(),
  name: text(64).optional(),
  confidential: z.boolean(),
});

/** Every DeskCommand of src/core/ports/desk.ts, one frame each (role 坐席). */
export const commandFrames = {
  'state.set': frame('state.set', {
    state: z.enum(['available', 'not-ready']),
    reason: z
      .enum(NOT_READY_REASONS.filter((r) => r !== 'missed-offer') as ['break', 'training', 'meeting'])
      .optional(),
  }),
  'call.answer': frame('call.answer', { callId }),
  'call.decline': frame('call.decline', { callId }),
  'call.hold': frame('call.hold', { callId }),
  'call.unhold': frame('call.unhold', { callId }),
  'call.hangup': frame('call.hangup', { callId }),
  'transfer.blind': frame('transfer.blind', { callId, to: transferTarget }),
  'transfer.consult': frame('transfer.consult', { callId, to: transferTarget }),
  'transfer.complete': frame('transfer.complete', { callId }),
  'transfer.cancel': frame('transfer.cancel', { callId }),
  'threeway.consent': frame('threeway.consent', { callId }),
  'threeway.start': frame('threeway.start', { callId, party: threeWayParty }),
  'threeway.leave': frame('threeway.leave', { callId }),
  'emergency.handoff': frame('emergency.handoff', {
    callId,
    line: z.enum(['110', '119', '120', '122']),
    summary: text(1000),
    location: text(500).optional(),
  }),
  'wrapup.submit': frame('wrapup.submit', { callId, form: wrapUpForm }),
} as const;

const COMMAND_DOC: Record<keyof typeof commandFrames, string> = {
  'state.set': '示闲，或示忙并给出原因（小休、培训、会议）',
  'call.answer': '接听振铃中的来电',
  'call.decline': '拒接振铃中的来电（来电回到队首）',
  'call.hold': '保持（对方听等待音乐）',
  'call.unhold': '取消保持',
  'call.hangup': '挂断',
  'transfer.blind': '直接转接到队列、坐席或外部号码（分中心热线）',
  'transfer.consult': '咨询转接：先与目标通话',
  'transfer.complete': '完成咨询转接',
  'transfer.cancel': '取消咨询转接，回到诉求人',
  'threeway.consent': '记录诉求人同意三方通话（第十四条）',
  'threeway.start': '发起三方通话：专家座席或承办单位三固定专线',
  'threeway.leave': '坐席退出三方通话（诉求人与第三方继续）',
  'emergency.handoff': '紧急移交 110/119/120/122，附来电情况',
  'wrapup.submit': '提交话后小结，生成电话诉求',
};

/** Frames the client sends, with the permission each needs (none: any authenticated person). */
export const clientFrames = {
  auth: {
    schema: frame('auth', { token: z.string().min(16).max(4096) }),
    permission: undefined,
    doc: '认证（首帧），或在会话中换用刷新后的令牌',
  },
  ping: { schema: frame('ping', {}), permission: undefined, doc: '应用层心跳，服务端回 pong' },
  'desk.login': {
    schema: frame('desk.login', {}),
    permission: 'desk.use',
    doc: '签入坐席（使用用户档案中的技能和话机）',
  },
  'desk.logout': { schema: frame('desk.logout', {}), permission: 'desk.use', doc: '签出坐席' },
  ...(Object.fromEntries(
    Object.entries(commandFrames).map(([type, schema]) => [
      type,
      { schema, permission: 'desk.use', doc: COMMAND_DOC[type as keyof typeof commandFrames] },
    ]),
  ) as {
    [K in keyof typeof commandFrames]: {
      schema: (typeof commandFrames)[K];
      permission: 'desk.use';
      doc: string;
    };
  }),
  'figures.subscribe': {
    schema: frame('figures.subscribe', {}),
    permission: 'desk.supervise',
    doc: '订阅实时指标（立即推送一次，之后定时推送）和告警',
  },
  'figures.unsubscribe': {
    schema: frame('figures.unsubscribe', {}),
    permission: 'desk.supervise',
    doc: '取消订阅实时指标',
  },
  'agents.subscribe': {
    schema: frame('agents.subscribe', {}),
    permission: 'desk.supervise',
    doc: '订阅坐席状态（立即推送一次，变化时推送）',
  },
  'agents.unsubscribe': {
    schema: frame('agents.unsubscribe', {}),
    permission: 'desk.supervise',
    doc: '取消订阅坐席状态',
  },
  'agent.logout': {
    schema: frame('agent.logout', { agentId: text(64), reason: text(200) }),
    permission: 'desk.force-logout',
    doc: '强制坐席签出（审计）',
  },
  'callbacks.list': {
    schema: frame('callbacks.list', callbackFilterShape),
    permission: 'callbacks.read',
    doc: '查看回拨队列：按状态、类型、队列、号码、时间筛选，最新在前，next 翻页（审计）',
  },
  'callback.cancel': {
    schema: frame('callback.cancel', { callbackId, ...cancelShape }),
    permission: 'callbacks.manage',
    doc: '取消一条待回拨（审计）',
  },
  'callback.reschedule': {
    schema: frame('callback.reschedule', { callbackId, ...rescheduleShape }),
    permission: 'callbacks.manage',
    doc: '改期回拨：不早于 at（带时区的时间）拨打，须在回拨时段内、截止时间前（审计）',
  },
} satisfies Record<string, { schema: z.ZodType; permission: Permission | undefined; doc: string }>;
export type ClientFrameType = keyof typeof clientFrames;
export type ClientFrame = z.infer<(typeof clientFrames)[ClientFrameType]['schema']>;

// --- server → client ---
const sv = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.strictObject({ v: z.literal(PROTOCOL_VERSION), type: z.literal(type), ...shape });
const errorCode = z.enum([
  'INVALID_FIELD',
  'NOT_FOUND',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'CONFLICT',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'INTERNAL',
]);
const agentStatus = z.strictObject({
  agentId: z.string(),
  state: z.enum(AGENT_STATES),
  reason: z.enum(NOT_READY_REASONS).optional(),
  callId: z.string().optional(),
  sinceMs: z.number(),
});
const screenPop = z.strictObject({
  caller: z.string(),
  recentIntakes: z.array(
    z.strictObject({
      intakeId: z.string(),
      receivedTime: z.string(),
      channel: z.string(),
      summary: z.string(),
    }),
  ),
  openWorkOrders: z.array(
    z.strictObject({
      workOrderId: z.string(),
      status: z.string(),
      statusText: z.string(),
      summary: z.string().optional(),
    }),
  ),
  unavailable: z.boolean().optional(),
});
export const noticeSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('agent.state'), status: agentStatus }),
  z.strictObject({
    type: z.literal('offer'),
    callId: z.string(),
    queue: z.string(),
    caller: z.string(),
    entry: z.string(),
    expiresAtMs: z.number(),
    screenPop,
  }),
  z.strictObject({
    type: z.literal('offer.withdrawn'),
    callId: z.string(),
    reason: z.enum(['caller-hung-up', 'lapsed', 'taken']),
  }),
  z.strictObject({
    type: z.literal('call.state'),
    callId: z.string(),
    state: z.enum(['connected', 'held', 'consulting', 'conference', 'ended', 'transferred']),
    detail: z.record(z.string(), z.string()).optional(),
  }),
  z.strictObject({ type: z.literal('wrapup.due'), callId: z.string(), untilMs: z.number() }),
]);
const queueFigures = z.strictObject({
  queue: z.string(),
  window: z.enum(['rolling-15m', 'today']),
  offered: z.number(),
  answered: z.number(),
  abandoned: z.number(),
  shortAbandoned: z.number(),
  overflowed: z.number(),
  answerRate: z.number().optional(),
  serviceLevel: z.number().optional(),
  meanWaitSec: z.number().optional(),
  meanHandleSec: z.number().optional(),
  occupancy: z.number().optional(),
});
const figureAlarm = z.strictObject({
  queue: z.string(),
  level: z.enum(['warning', 'critical']),
  message: z.string(),
  answerRate: z.number(),
  atMs: z.number(),
});
const figureAlarmCleared = z.strictObject({
  queue: z.string(),
  message: z.string(),
  answerRate: z.number(),
  atMs: z.number(),
});
const figuresUpdate = {
  atMs: z.number(),
  figures: z.array(queueFigures),
  alarms: z.array(figureAlarm),
  cleared: z.array(figureAlarmCleared),
  active: z.array(figureAlarm),
};

export const serverFrames = {
  hello: {
    schema: sv('hello', {
      id: id.optional(),
      protocol: z.literal(SUBPROTOCOL),
      user: z.strictObject({ username: z.string(), displayName: z.string(), roles: z.array(z.enum(ROLES)) }),
      expiresAtMs: z.number(),
      heartbeatSeconds: z.number(),
    }),
    doc: '认证成功（连接时或 auth 帧之后）',
  },
  result: {
    schema: sv('result', {
      id: id.optional(),
      ok: z.boolean(),
      detail: z.record(z.string(), z.unknown()).optional(),
      code: z.string().optional(),
      message: z.string().optional(),
    }),
    doc: '命令的结果：ok 为 false 时带 code 和中文 message',
  },
  error: {
    schema: sv('error', {
      id: id.optional(),
      code: errorCode,
      message: z.string(),
      field: z.string().optional(),
    }),
    doc: '帧无效、无权或被限流：连接保持可用',
  },
  pong: { schema: sv('pong', { id: id.optional() }), doc: '对 ping 的回应' },
  notice: {
    schema: sv('notice', { notice: noticeSchema }),
    doc: '坐席通知（DeskNotice）：状态、来电振铃、撤回、通话状态、话后整理',
  },
  figures: {
    schema: sv('figures', figuresUpdate),
    doc: '实时指标（各队列及全中心 `*`，滚动 15 分钟和今日）；alarms 为新告警（接通率低于 95% 警告、低于 90% 严重），cleared 为已恢复，active 为当前全部告警',
  },
  agents: { schema: sv('agents', { agents: z.array(agentStatus) }), doc: '全部坐席状态' },
  'session.expired': {
    schema: sv('session.expired', { message: z.string() }),
    doc: '令牌过期或失效：随后以 4401 关闭',
  },
  'session.closing': {
    schema: sv('session.closing', {
      reason: z.enum(['shutdown', 'replaced', 'flood', 'auth-timeout']),
      message: z.string(),
    }),
    doc: '服务端即将关闭连接及原因',
  },
} satisfies Record<string, { schema: z.ZodType; doc: string }>;
export type ServerFrameType = keyof typeof serverFrames;
export type ServerFrame = {
  [K in ServerFrameType]: z.infer<(typeof serverFrames)[K]['schema']>;
}[ServerFrameType];
/** A server frame without the version, which the sender adds. */
export type OutFrame = ServerFrame extends infer F ? (F extends { v: number } ? Omit<F, 'v'> : never) : never;

// Compile-time proof that the frames carry exactly the port's commands and notices.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type CommandOf<T> = T extends { v: number; id?: string } ? Omit<T, 'v' | 'id'> : never;
type Stripped<U> = U extends unknown ? { [K in keyof U]: U[K] } : never;
// Every command type has a frame, and every valid frame is a DeskCommand (an agent cannot pick the
// ACD's own not-ready reason `missed-offer`, so the frames are a subset).
const commandTypesMatch: Same<keyof typeof commandFrames, DeskCommand['type']> = true;
const commandsFit: [
  Stripped<CommandOf<z.infer<(typeof commandFrames)[keyof typeof commandFrames]>>>,
] extends [DeskCommand]
  ? true
  : false = true;
const noticesMatch: Same<z.infer<typeof noticeSchema>, DeskNotice> = true;
const figuresMatch: Same<z.infer<typeof queueFigures>, QueueFigures> = true;
const alarmMatch: Same<z.infer<typeof figureAlarm>, FigureAlarm> = true;
const clearedMatch: Same<z.infer<typeof figureAlarmCleared>, FigureAlarmCleared> = true;
const updateMatch: Same<z.infer<z.ZodObject<typeof figuresUpdate>>, FiguresUpdate> = true;
const statusMatch: Same<z.infer<typeof agentStatus>, AgentStatus> = true;
void [
  commandTypesMatch,
  commandsFit,
  noticesMatch,
  figuresMatch,
  alarmMatch,
  clearedMatch,
  updateMatch,
  statusMatch,
];

export interface FrameProblem {
  id?: string;
  code: 'INVALID_FIELD';
  field: string;
  message: string;
}

/** Parses and validates one client frame: the frame, or the first problem naming its field in Chinese. */
export function parseClientFrame(
  raw: string,
): { ok: true; frame: ClientFrame } | { ok: false; problem: FrameProblem } {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return {
      ok: false,
      problem: { code: 'INVALID_FIELD', field: '(frame)', message: '消息不是有效的 JSON' },
    };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    return { ok: false, problem: { code: 'INVALID_FIELD', field: '(frame)', message: '消息须为 JSON 对象' } };
  const o = data as Record<string, unknown>;
  const echo = typeof o.id === 'string' && o.id.length <= 64 ? { id: o.id } : {};
  if (o.v !== PROTOCOL_VERSION)
    return {
      ok: false,
      problem: {
        ...echo,
        code: 'INVALID_FIELD',
        field: 'v',
        message: `不支持的协议版本，须为 v: ${PROTOCOL_VERSION}`,
      },
    };
  if (typeof o.type !== 'string')
    return {
      ok: false,
      problem: { ...echo, code: 'INVALID_FIELD', field: 'type', message: '缺少必填字段 type' },
    };
  const spec = (clientFrames as Record<string, { schema: z.ZodType }>)[o.type];
  if (!spec || !Object.hasOwn(clientFrames, o.type))
    return {
      ok: false,
      problem: {
        ...echo,
        code: 'INVALID_FIELD',
        field: 'type',
        message: `未知的消息类型 ${o.type.slice(0, 40)}`,
      },
    };
  const r = spec.schema.safeParse(o);
  if (r.success) return { ok: true, frame: r.data as ClientFrame };
  return { ok: false, problem: { ...echo, code: 'INVALID_FIELD', ...describeIssue(r.error.issues[0]!) } };
}
