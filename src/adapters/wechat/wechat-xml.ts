import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { invalidField } from '../../core/errors.js';

// WeChat never sends a DTD. Refusing any DOCTYPE or ENTITY declaration outright closes XXE and
// entity-expansion ("billion laughs") attacks before a parser sees the document.
const DTD = /<!\s*(DOCTYPE|ENTITY)/i;

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Keep every value a string: MsgId is a 64-bit integer that a JS number would round.
  parseTagValue: false,
  trimValues: true,
  // Only the five predefined XML entities remain (DTDs are refused above).
  processEntities: true,
  htmlEntities: false,
});

/** The flat field map of a WeChat <xml> document; throws INVALID_FIELD (400) on anything else. */
export function parseWechatXml(xml: string): Record<string, string> {
  if (DTD.test(xml)) throw invalidField('(body)', '请求内容不得包含 DOCTYPE 或 ENTITY 声明');
  if (!xml.trim()) throw invalidField('(body)', '请求内容为空');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw invalidField('(body)', `请求内容不是有效的 XML（第 ${valid.err.line} 行）`);
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch {
    throw invalidField('(body)', '请求内容不是有效的 XML');
  }
  const root = (doc as Record<string, unknown> | undefined)?.xml;
  if (root === undefined || root === null || typeof root !== 'object' || Array.isArray(root)) {
    throw invalidField('(body)', '请求内容缺少 <xml> 根元素');
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(root as Record<string, unknown>)) {
    if (Array.isArray(v)) throw invalidField(k, `字段 ${k} 重复出现`);
    // Nested structures (e.g. SendPicsInfo of photo-menu events) are not used here.
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
  }
  return out;
}

function cdata(value: string): string {
  // "]]>" cannot appear inside CDATA: close and reopen around it.
  return `<![CDATA[${value.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

/** A passive text reply (被动回复用户消息, 回复文本消息). */
export function textReplyXml(toUser: string, fromUser: string, content: string, createTime: number): string {
  return (
    `<xml><ToUserName>${cdata(toUser)}</ToUserName><FromUserName>${cdata(fromUser)}</FromUserName>` +
    `<CreateTime>${createTime}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>${cdata(content)}</Content></xml>`
  );
}

/** The envelope of an encrypted passive reply in safe mode. */
export function encryptedReplyXml(encrypt: string, msgSignature: string, timestamp: string, nonce: string): string {
  return (
    `<xml><Encrypt>${cdata(encrypt)}</Encrypt><MsgSignature>${cdata(msgSignature)}</MsgSignature>` +
    `<TimeStamp>${timestamp}</TimeStamp><Nonce>${cdata(nonce)}</Nonce></xml>`
  );
}
