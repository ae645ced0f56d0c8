// WeChat Official Account (公众号) messages as the domain sees them, from the flat field map of
// the <xml> WeChat posts. Field names follow WeChat's "接收普通消息" / "接收事件推送" pages
// (developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_standard_messages.html
// and .../Receiving_event_pushes.html).
import { invalidField } from '../errors.js';
import type { IntakeDraft } from '../intake/draft.js';
import type { Attachment, Location } from '../intake/intake.js';

interface Envelope {
  /** Our account's original id (gh_…). */
  toUser: string;
  /** The citizen's openid for this account. */
  fromUser: string;
  /** Unix seconds. */
  createTime: number;
  /** 64-bit id, kept as the decimal string WeChat sends. */
  msgId?: string;
}

export type WechatMessage = Envelope &
  (
    | { type: 'text'; content: string }
    | { type: 'image'; picUrl?: string; mediaId: string }
    | { type: 'voice'; mediaId: string; format?: string; recognition?: string }
    | { type: 'video'; mediaId: string; thumbMediaId?: string }
    | { type: 'location'; latitude: number; longitude: number; label?: string; scale?: number }
    | { type: 'link'; title: string; description?: string; url: string }
    | { type: 'event'; event: string; eventKey?: string; latitude?: number; longitude?: number; precision?: number }
    | { type: 'unsupported'; msgType: string }
  );

const OPENID = /^[A-Za-z0-9_-]{1,64}$/;

function required(fields: Record<string, string>, name: string): string {
  const v = fields[name]?.trim();
  if (!v) throw invalidField(name, `缺少必填字段 ${name}`);
  return v;
}

function optional(fields: Record<string, string>, name: string): string | undefined {
  const v = fields[name]?.trim();
  return v ? v : undefined;
}

function coordinate(fields: Record<string, string>, name: string, limit: number): number {
  const raw = required(fields, name);
  const n = Number(raw);
  if (!/^-?\d+(\.\d+)?$/.test(raw) || !Number.isFinite(n) || Math.abs(n) > limit) {
    throw invalidField(name, `字段 ${name} 不是有效的坐标`);
  }
  return n;
}

function optionalNumber(fields: Record<string, string>, name: string): number | undefined {
  const raw = optional(fields, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

/** Validates the fields of one message; throws INVALID_FIELD naming the field at fault. */
export function parseWechatMessage(fields: Record<string, string>): WechatMessage {
  const fromUser = required(fields, 'FromUserName');
  if (!OPENID.test(fromUser)) throw invalidField('FromUserName', '字段 FromUserName 的格式不正确');
  const toUser = required(fields, 'ToUserName');
  const createTimeRaw = required(fields, 'CreateTime');
  if (!/^\d{1,12}$/.test(createTimeRaw)) throw invalidField('CreateTime', '字段 CreateTime 的格式不正确');
  const msgType = required(fields, 'MsgType');
  const msgIdRaw = optional(fields, 'MsgId');
  if (msgIdRaw !== undefined && !/^\d{1,20}$/.test(msgIdRaw)) throw invalidField('MsgId', '字段 MsgId 的格式不正确');
  const env: Envelope = { toUser, fromUser, createTime: Number(createTimeRaw), ...(msgIdRaw ? { msgId: msgIdRaw } : {}) };

  switch (msgType) {
    case 'text':
      return { ...env, type: 'text', content: fields.Content ?? '' };
    case 'image':
      return { ...env, type: 'image', mediaId: required(fields, 'MediaId'), ...opt('picUrl', optional(fields, 'PicUrl')) };
    case 'voice':
      return {
        ...env,
        type: 'voice',
        mediaId: required(fields, 'MediaId'),
        ...opt('format', optional(fields, 'Format')),
        // Present only when the account has speech recognition switched on (语音识别结果).
        ...opt('recognition', optional(fields, 'Recognition')),
      };
    case 'video':
    case 'shortvideo':
      return { ...env, type: 'video', mediaId: required(fields, 'MediaId'), ...opt('thumbMediaId', optional(fields, 'ThumbMediaId')) };
    case 'location':
      // Location_X is the latitude and Location_Y the longitude, GCJ-02 (WeChat's map datum).
      return {
        ...env,
        type: 'location',
        latitude: coordinate(fields, 'Location_X', 90),
        longitude: coordinate(fields, 'Location_Y', 180),
        ...opt('label', optional(fields, 'Label')),
        ...opt('scale', optionalNumber(fields, 'Scale')),
      };
    case 'link':
      return {
        ...env,
        type: 'link',
        title: required(fields, 'Title'),
        url: required(fields, 'Url'),
        ...opt('description', optional(fields, 'Description')),
      };
    case 'event': {
      const event = required(fields, 'Event');
      const base = { ...env, type: 'event' as const, event, ...opt('eventKey', optional(fields, 'EventKey')) };
      if (event === 'LOCATION') {
        return {
          ...base,
          latitude: coordinate(fields, 'Latitude', 90),
          longitude: coordinate(fields, 'Longitude', 180),
          ...opt('precision', optionalNumber(fields, 'Precision')),
        };
      }
      return base;
    }
    default:
      return { ...env, type: 'unsupported', msgType };
  }
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * WeChat retries a message it got no answer to within 5 s, three times, with the same MsgId;
 * events carry no MsgId and are told apart by sender + CreateTime (WeChat's own advice,
 * "关于重试的消息排重，推荐使用msgid排重；事件类型消息推荐使用FromUserName + CreateTime排重").
 */
export function wechatIdempotencyKey(msg: WechatMessage): string {
  return msg.msgId ? `wechat:${msg.msgId}` : `wechat:${msg.fromUser}:${msg.createTime}`;
}

/** A location the citizen sent, waiting to become the place of their next message. */
export function placeOf(msg: WechatMessage): Location | undefined {
  if (msg.type === 'location') {
    return {
      ...(msg.label ? { text: msg.label } : {}),
      coordinates: { latitude: msg.latitude, longitude: msg.longitude, datum: 'DATUM_GCJ02' },
    };
  }
  if (msg.type === 'event' && msg.event === 'LOCATION' && msg.latitude !== undefined && msg.longitude !== undefined) {
    return {
      coordinates: {
        latitude: msg.latitude,
        longitude: msg.longitude,
        datum: 'DATUM_GCJ02',
        ...(msg.precision !== undefined ? { accuracyM: msg.precision } : {}),
      },
    };
  }
  return undefined;
}

/**
 * The intake a message makes, or undefined for what is not an intake (locations, events,
 * unsupported types). `place` is a location the citizen sent just before (art. 13: the place of
 * the matter is a required element).
 */
export function wechatDraftOf(msg: WechatMessage, place?: Location): IntakeDraft | undefined {
  let text = '';
  const attachments: Attachment[] = [];
  let transcript: IntakeDraft['content']['transcript'];
  switch (msg.type) {
    case 'text':
      text = msg.content.trim();
      break;
    case 'image':
      attachments.push({ kind: 'image', mediaId: msg.mediaId, ...opt('uri', msg.picUrl) });
      break;
    case 'voice':
      attachments.push({ kind: 'voice', mediaId: msg.mediaId, ...opt('mimeType', voiceMime(msg.format)) });
      if (msg.recognition) {
        text = msg.recognition.trim();
        transcript = { text, engine: 'wechat-recognition', language: 'zh-CN' };
      }
      // Without Recognition the media id stays on the record: the media is fetched and
      // transcribed later (WeChat keeps temporary media for 3 days).
      break;
    case 'video':
      attachments.push({ kind: 'video', mediaId: msg.mediaId });
      break;
    case 'link':
      text = [msg.title, msg.description].filter(Boolean).join('\n');
      attachments.push({ kind: 'link', uri: msg.url, title: msg.title });
      break;
    default:
      return undefined;
  }
  if (!text && attachments.length === 0) return undefined;
  return {
    channel: 'CHANNEL_WECHAT',
    idempotencyKey: wechatIdempotencyKey(msg),
    citizen: { wechatOpenid: msg.fromUser, replyWanted: true },
    content: { text, ...(attachments.length ? { attachments } : {}), ...(transcript ? { transcript } : {}) },
    ...(place ? { incident: { location: place } } : {}),
  };
}

function voiceMime(format: string | undefined): string | undefined {
  if (!format) return undefined;
  const f = format.toLowerCase();
  return /^[a-z0-9.+-]{1,16}$/.test(f) ? `audio/${f}` : undefined;
}
