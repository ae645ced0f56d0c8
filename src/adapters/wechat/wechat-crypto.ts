// WeChat Official Account message signatures and encryption (消息加解密).
//
// Formats, as WeChat's "消息加解密说明 / 接入指引"
// (developers.weixin.qq.com/doc/offiaccount/Message_Management/Message_encryption_and_decryption_instructions.html)
// and its reference WXBizMsgCrypt SDKs (and node's wechat-crypto) define them; the unit test
// reproduces the reference SDK's published vectors byte for byte:
// - URL / plain-mode signature: hex SHA1 of the lexically sorted [token, timestamp, nonce] joined
//   with nothing.
// - msg_signature (safe and compatible mode): hex SHA1 of the sorted [token, timestamp, nonce, Encrypt].
// - AESKey = Base64_Decode(EncodingAESKey + "="): 43 characters give 32 bytes (AES-256); the IV is
//   the first 16 bytes of the key; mode CBC.
// - Padding is PKCS#7 over 32-byte blocks (not AES's 16), so the cipher runs with autoPadding off.
// - Plaintext = 16 random bytes ‖ 4-byte big-endian (network order) length of msg ‖ msg (XML) ‖ appid.
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { HotlineError } from '../../core/errors.js';

const BLOCK = 32;

export function sha1Signature(...parts: string[]): string {
  return createHash('sha1').update([...parts].sort().join('')).digest('hex');
}

/** Constant-time comparison of two hex signatures (a wrong length is just unequal). */
export function signatureEquals(expected: string, given: string | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given.toLowerCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export class WechatCryptoError extends Error {
  constructor(
    readonly reason: 'bad-key' | 'bad-ciphertext' | 'bad-padding' | 'bad-length' | 'appid-mismatch',
    message: string,
  ) {
    super(message);
    this.name = 'WechatCryptoError';
  }
}

export function decodeEncodingAesKey(encodingAesKey: string): Buffer {
  if (!/^[A-Za-z0-9+/]{43}$/.test(encodingAesKey)) {
    throw new WechatCryptoError('bad-key', 'EncodingAESKey must be 43 base64 characters');
  }
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) throw new WechatCryptoError('bad-key', 'EncodingAESKey does not decode to 32 bytes');
  return key;
}

export class WechatCrypto {
  private readonly key: Buffer;
  private readonly iv: Buffer;

  constructor(
    private readonly token: string,
    encodingAesKey: string,
    readonly appId: string,
  ) {
    this.key = decodeEncodingAesKey(encodingAesKey);
    this.iv = this.key.subarray(0, 16);
  }

  msgSignature(timestamp: string, nonce: string, encrypt: string): string {
    return sha1Signature(this.token, timestamp, nonce, encrypt);
  }

  /** Decrypts the base64 Encrypt field; returns the inner XML and the appid it was sealed for. */
  decrypt(encrypt: string): { xml: string; appId: string } {
    const data = Buffer.from(encrypt, 'base64');
    if (data.length === 0 || data.length % 16 !== 0) {
      throw new WechatCryptoError('bad-ciphertext', 'Encrypt is not a whole number of AES blocks');
    }
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-cbc', this.key, this.iv);
      decipher.setAutoPadding(false);
      plain = Buffer.concat([decipher.update(data), decipher.final()]);
    } catch {
      throw new WechatCryptoError('bad-ciphertext', 'Encrypt could not be decrypted');
    }
    const pad = plain[plain.length - 1]!;
    if (pad < 1 || pad > BLOCK || pad > plain.length) throw new WechatCryptoError('bad-padding', 'bad PKCS#7 padding');
    for (let i = plain.length - pad; i < plain.length; i++) {
      if (plain[i] !== pad) throw new WechatCryptoError('bad-padding', 'bad PKCS#7 padding');
    }
    const body = plain.subarray(16, plain.length - pad);
    if (body.length < 4) throw new WechatCryptoError('bad-length', 'plaintext too short');
    const len = body.readUInt32BE(0);
    if (len > body.length - 4) throw new WechatCryptoError('bad-length', 'message length exceeds the plaintext');
    const xml = body.subarray(4, 4 + len).toString('utf8');
    const appId = body.subarray(4 + len).toString('utf8');
    return { xml, appId };
  }

  /** Decrypts and insists the message was sealed for our appid. */
  open(encrypt: string): string {
    const { xml, appId } = this.decrypt(encrypt);
    if (appId !== this.appId) throw new WechatCryptoError('appid-mismatch', 'message was encrypted for another appid');
    return xml;
  }

  encrypt(xml: string, random: Buffer = randomBytes(16)): string {
    const msg = Buffer.from(xml, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(msg.length, 0);
    const body = Buffer.concat([random, len, msg, Buffer.from(this.appId, 'utf8')]);
    const pad = BLOCK - (body.length % BLOCK);
    const padded = Buffer.concat([body, Buffer.alloc(pad, pad)]);
    const cipher = createCipheriv('aes-256-cbc', this.key, this.iv);
    cipher.setAutoPadding(false);
    return Buffer.concat([cipher.update(padded), cipher.final()]).toString('base64');
  }
}

/** Maps a crypto failure to the edge's closed error set: our appid check is 403, the rest 400. */
export function wechatCryptoHttpError(err: WechatCryptoError): HotlineError {
  if (err.reason === 'appid-mismatch') return new HotlineError('FORBIDDEN', '消息不属于本公众号');
  return new HotlineError('INVALID_FIELD', '加密消息无法解密', 'Encrypt');
}
