// WeChat's side of the protocol, written independently of src/adapters/wechat from WeChat's
// "消息加解密接入指引": what the WeChat servers compute when they sign and encrypt a push.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export const sign = (...parts: string[]): string => createHash('sha1').update(parts.sort().join('')).digest('hex');

function aesKey(encodingAesKey: string): Buffer {
  return Buffer.from(encodingAesKey + '=', 'base64');
}

export function wxEncrypt(encodingAesKey: string, appId: string, xml: string): string {
  const key = aesKey(encodingAesKey);
  const msg = Buffer.from(xml);
  const head = Buffer.alloc(20);
  randomBytes(16).copy(head);
  head.writeUInt32BE(msg.length, 16);
  const plain = Buffer.concat([head, msg, Buffer.from(appId)]);
  const n = 32 - (plain.length % 32);
  const c = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([c.update(Buffer.concat([plain, Buffer.alloc(n, n)])), c.final()]).toString('base64');
}

export function wxDecrypt(encodingAesKey: string, encrypt: string): { xml: string; appId: string } {
  const key = aesKey(encodingAesKey);
  const d = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  const plain = Buffer.concat([d.update(Buffer.from(encrypt, 'base64')), d.final()]);
  const unpadded = plain.subarray(0, plain.length - plain[plain.length - 1]!);
  const len = unpadded.readUInt32BE(16);
  return { xml: unpadded.subarray(20, 20 + len).toString(), appId: unpadded.subarray(20 + len).toString() };
}

export function field(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([^<]*))</${name}>`).exec(xml);
  return m ? (m[1] ?? m[2]) : undefined;
}

export interface WxMessage {
  [k: string]: string | number | undefined;
}

export function messageXml(fields: WxMessage): string {
  const body = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => (typeof v === 'number' ? `<${k}>${v}</${k}>` : `<${k}><![CDATA[${v}]]></${k}>`))
    .join('');
  return `<xml>${body}</xml>`;
}

export interface WxAccount {
  token: string;
  appId: string;
  aesKey?: string;
}

/** A POST as WeChat makes it: plain mode, or safe mode (only Encrypt), or compatible mode (both). */
export function wechatPost(account: WxAccount, xml: string, mode: 'plain' | 'safe' | 'compatible', at = Math.floor(Date.now() / 1000)) {
  const timestamp = String(at);
  const nonce = String(Math.floor(Math.random() * 1e9));
  const query: Record<string, string> = { signature: sign(account.token, timestamp, nonce), timestamp, nonce, openid: field(xml, 'FromUserName') ?? '' };
  if (mode === 'plain') return { query, payload: xml };
  const encrypt = wxEncrypt(account.aesKey!, account.appId, xml);
  query.encrypt_type = 'aes';
  query.msg_signature = sign(account.token, timestamp, nonce, encrypt);
  const envelope =
    mode === 'safe'
      ? `<xml><ToUserName><![CDATA[${field(xml, 'ToUserName')}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`
      : xml.replace('</xml>', `<Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`);
  return { query, payload: envelope };
}
