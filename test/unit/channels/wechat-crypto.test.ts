import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha1Signature, signatureEquals, WechatCrypto, WechatCryptoError } from '../../../src/adapters/wechat/wechat-crypto.js';
import { wxEncrypt } from '../../helpers/wechat-client.js';

// The published vectors of WeChat's reference SDK (WXBizMsgCrypt, Java sample test
// testAesEncrypt / testAesEncrypt2): fixed 16-byte random "aaaabbbbccccdddd".
const KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const TOKEN = 'pamtest';
const APPID = 'wxb11529c136998cb6';
const RANDOM = Buffer.from('aaaabbbbccccdddd');
const VECTOR_1 = { plain: '我是中文abcd123', cipher: 'jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==' };
const VECTOR_2 = {
  plain:
    '<xml><ToUserName><![CDATA[oia2Tj我是中文jewbmiOUlr6X-1crbLOvLw]]></ToUserName><FromUserName><![CDATA[gh_7f083739789a]]></FromUserName><CreateTime>1407743423</CreateTime><MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[eYJ1MbwPRJtOvIEabaxHs7TX2D-HV71s79GUxqdUkjm6Gs2Ed1KF3ulAOA9H1xG0]]></MediaId><Title><![CDATA[testCallBackReplyVideo]]></Title><Description><![CDATA[testCallBackReplyVideo]]></Description></Video></xml>',
  cipher:
    'jn1L23DB+6ELqJ+6bruv23M2GmYfkv0xBh2h+XTBOKVKcgDFHle6gqcZ1cZrk3e1qjPQ1F4RsLWzQRG9udbKWesxlkupqcEcW7ZQweImX9+wLMa0GaUzpkycA8+IamDBxn5loLgZpnS7fVAbExOkK5DYHBmv5tptA9tklE/fTIILHR8HLXa5nQvFb3tYPKAlHF3rtTeayNf0QuM+UW/wM9enGIDIJHF7CLHiDNAYxr+r+OrJCmPQyTy8cVWlu9iSvOHPT/77bZqJucQHQ04sq7KZI27OcqpQNSto2OdHCoTccjggX5Z9Mma0nMJBU+jLKJ38YB1fBIz+vBzsYjrTmFQ44YfeEuZ+xRTQwr92vhA9OxchWVINGC50qE/6lmkwWTwGX9wtQpsJKhP+oS7rvTY8+VdzETdfakjkwQ5/Xka042OlUb1/slTwo4RscuQ+RdxSGvDahxAJ6+EAjLt9d8igHngxIbf6YyqqROxuxqIeIch3CssH/LqRs+iAcILvApYZckqmA7FNERspKA5f8GoJ9sv8xmGvZ9Yrf57cExWtnX8aCMMaBropU/1k+hKP5LVdzbWCG0hGwx/dQudYR/eXp3P0XxjlFiy+9DMlaFExWUZQDajPkdPrEeOwofJb',
};

describe('WeChat message encryption', () => {
  const crypto = new WechatCrypto(TOKEN, KEY, APPID);

  it.each([VECTOR_1, VECTOR_2])('reproduces the reference SDK vector byte for byte (%#)', ({ plain, cipher }) => {
    expect(crypto.encrypt(plain, RANDOM)).toBe(cipher);
    expect(crypto.decrypt(cipher)).toEqual({ xml: plain, appId: APPID });
  });

  it('pads to 32-byte blocks (PKCS#7 with WeChat’s block size, not AES’s 16)', () => {
    // 16 random + 4 length + 8 + 18 appid = 46 bytes → 18 bytes of padding: a 16-byte padder would give 2.
    const cipher = Buffer.from(crypto.encrypt('12345678', RANDOM), 'base64');
    expect(cipher.length).toBe(64);
  });

  it('opens what WeChat sealed and refuses another appid', () => {
    expect(crypto.open(wxEncrypt(KEY, APPID, '<xml/>'))).toBe('<xml/>');
    expect(() => crypto.open(wxEncrypt(KEY, 'wx0000000000000000', '<xml/>'))).toThrow(expect.objectContaining({ reason: 'appid-mismatch' }));
  });

  it('refuses tampered and truncated ciphertext without crashing', () => {
    const good = Buffer.from(wxEncrypt(KEY, APPID, '<xml><a>1</a></xml>'), 'base64');
    for (let i = 0; i < 200; i++) {
      const bad = Buffer.from(good);
      const at = Math.floor(Math.random() * bad.length);
      bad[at] = bad[at]! ^ (1 + Math.floor(Math.random() * 255));
      const cut = Math.random() < 0.3 ? bad.subarray(0, Math.floor(Math.random() * bad.length)) : bad;
      try {
        const { appId } = crypto.decrypt(cut.toString('base64'));
        // A flip in the random prefix block leaves the message intact; anything else must not pass as ours.
        if (appId === APPID) continue;
      } catch (err) {
        expect(err).toBeInstanceOf(WechatCryptoError);
      }
    }
  });

  it('rejects an EncodingAESKey that is not 43 base64 characters', () => {
    expect(() => new WechatCrypto(TOKEN, KEY.slice(1), APPID)).toThrow(WechatCryptoError);
  });
});

describe('WeChat signatures', () => {
  it('is SHA1 over the lexically sorted parts, compared case-insensitively', () => {
    // Sorted: "1409304348" < "pamtest" < "xxxxxx".
    const expected = createHash('sha1').update('1409304348pamtestxxxxxx').digest('hex');
    expect(sha1Signature(TOKEN, 'xxxxxx', '1409304348')).toBe(expected);
    expect(signatureEquals(expected, expected.toUpperCase())).toBe(true);
    expect(signatureEquals(expected, expected.slice(0, 39))).toBe(false);
    expect(signatureEquals(expected, undefined)).toBe(false);
  });
});
