import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { parseWechatMessage } from '../../../core/channels/wechat-message.js';
import { HotlineError, invalidField } from '../../../core/errors.js';
import type { WechatInbox } from '../../../services/wechat-inbox.js';
import { sha1Signature, signatureEquals, WechatCrypto, WechatCryptoError, wechatCryptoHttpError } from '../../wechat/wechat-crypto.js';
import { encryptedReplyXml, parseWechatXml, textReplyXml } from '../../wechat/wechat-xml.js';
import { errorBodySchema } from '../errors.js';

export interface WechatRouteOptions {
  token: string;
  appId: string;
  /** Empty: plain mode only. Set: safe mode — every message must come encrypted. */
  aesKey: string;
  inbox: WechatInbox;
  maxBodyBytes: number;
  /**
   * Largest accepted difference between WeChat's `timestamp` and our clock; 0 turns the check off.
   * WeChat's signature has no expiry of its own, so without this a captured request could be
   * replayed for ever (in plain mode even with another body).
   */
  maxSkewSeconds: number;
  clock?: () => Date;
}

interface WechatQuery {
  signature: string;
  timestamp: string;
  nonce: string;
  echostr?: string;
  openid?: string;
  encrypt_type?: string;
  msg_signature?: string;
}

const queryProperty = { type: 'string', minLength: 1, maxLength: 128 } as const;
const querySchema = {
  type: 'object',
  required: ['signature', 'timestamp', 'nonce'],
  properties: {
    signature: queryProperty,
    timestamp: queryProperty,
    nonce: queryProperty,
    echostr: { type: 'string', maxLength: 512 },
    openid: queryProperty,
    encrypt_type: { type: 'string', maxLength: 16 },
    msg_signature: queryProperty,
  },
} as const;

/**
 * GET/POST /v1/channels/wechat: the Official Account (公众号) server. WeChat signs every request
 * with the token (URL query `signature`); in safe and compatible mode it also encrypts the
 * message and signs the ciphertext (`msg_signature`). Plain mode signs only the query, not the
 * body — WeChat offers nothing stronger there, which is why safe mode is the recommended setting.
 */
export function wechatRoutes(options: WechatRouteOptions): FastifyPluginAsync {
  const crypto = options.aesKey ? new WechatCrypto(options.token, options.aesKey, options.appId) : undefined;
  const now = options.clock ?? (() => new Date());

  function checkSignature(q: WechatQuery): void {
    if (!signatureEquals(sha1Signature(options.token, q.timestamp, q.nonce), q.signature)) {
      throw new HotlineError('UNAUTHENTICATED', '签名校验失败');
    }
    if (options.maxSkewSeconds > 0) {
      const skew = Math.abs(now().getTime() / 1000 - Number(q.timestamp));
      if (!/^\d{1,12}$/.test(q.timestamp) || skew > options.maxSkewSeconds) {
        throw new HotlineError('UNAUTHENTICATED', '请求时间戳已过期', 'timestamp');
      }
    }
  }

  return async (app) => {
    // XML lives only in this scope; the rest of the API takes JSON alone.
    app.addContentTypeParser(['text/xml', 'application/xml', 'text/plain'], { parseAs: 'string', bodyLimit: options.maxBodyBytes }, (_req, body, done) => {
      done(null, body);
    });

    app.get<{ Querystring: WechatQuery }>(
      '/v1/channels/wechat',
      { schema: { querystring: querySchema, response: { '4xx': errorBodySchema } } },
      async (request, reply) => {
        checkSignature(request.query);
        // URL verification (服务器配置): echo echostr back, as it came, when the signature holds.
        return reply.type('text/plain; charset=utf-8').send(request.query.echostr ?? '');
      },
    );

    app.post<{ Querystring: WechatQuery; Body: string }>(
      '/v1/channels/wechat',
      { bodyLimit: options.maxBodyBytes, schema: { querystring: querySchema, response: { '4xx': errorBodySchema } } },
      async (request, reply) => {
        const q = request.query;
        checkSignature(q);
        if (typeof request.body !== 'string') throw invalidField('(body)', '请求内容须为 XML');
        const outer = parseWechatXml(request.body);
        const encrypted = q.encrypt_type === 'aes';

        let fields: Record<string, string>;
        if (crypto) {
          if (!encrypted) throw invalidField('encrypt_type', '本接口为安全模式，消息须加密（encrypt_type=aes）');
          const encrypt = outer.Encrypt;
          if (!encrypt) throw invalidField('Encrypt', '缺少必填字段 Encrypt');
          if (!q.msg_signature) throw invalidField('msg_signature', '缺少必填字段 msg_signature');
          if (!signatureEquals(crypto.msgSignature(q.timestamp, q.nonce, encrypt), q.msg_signature)) {
            throw new HotlineError('UNAUTHENTICATED', '消息签名校验失败');
          }
          let inner: string;
          try {
            inner = crypto.open(encrypt);
          } catch (err) {
            if (err instanceof WechatCryptoError) throw wechatCryptoHttpError(err);
            throw err;
          }
          fields = parseWechatXml(inner);
        } else {
          // Compatible mode without a configured key: the plaintext fields sent beside Encrypt.
          if (!outer.MsgType && outer.Encrypt) throw invalidField('Encrypt', '收到加密消息，但未配置 EncodingAESKey');
          fields = outer;
        }

        const msg = parseWechatMessage(fields);
        const text = await options.inbox.handle(msg);
        if (text === undefined) return reply.type('text/plain; charset=utf-8').send('success');
        const replyXml = textReplyXml(msg.fromUser, msg.toUser, text, Math.floor(now().getTime() / 1000));
        if (!crypto || !encrypted) return sendXml(reply, replyXml);
        const timestamp = String(Math.floor(now().getTime() / 1000));
        const nonce = randomBytes(8).readUInt32BE(0).toString();
        const encrypt = crypto.encrypt(replyXml);
        return sendXml(reply, encryptedReplyXml(encrypt, crypto.msgSignature(timestamp, nonce, encrypt), timestamp, nonce));
      },
    );
  };
}

function sendXml(reply: FastifyReply, xml: string): FastifyReply {
  return reply.type('application/xml; charset=utf-8').send(xml);
}
