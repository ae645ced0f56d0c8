import { describe, expect, it } from 'vitest';
import { toE164 } from '../../src/core/intake/phone.js';
import { missingElements } from '../../src/core/intake/required-elements.js';
import { citizenKeyOf } from '../../src/core/intake/citizen-key.js';

describe('phone numbers as citizens type them', () => {
  it.each([
    ['13812345678', '+8613812345678'],
    ['138 1234 5678', '+8613812345678'],
    ['138-1234-5678', '+8613812345678'],
    ['+86 138 1234 5678', '+8613812345678'],
    ['008613812345678', '+8613812345678'],
    ['8613812345678', '+8613812345678'],
    ['0371-65432198', '+8637165432198'],
    ['(0371)65432198', '+8637165432198'],
    ['010-12345678', '+861012345678'],
    ['12345', '+8612345'],
  ])('%s → %s', (input, e164) => expect(toE164(input)).toBe(e164));

  it.each(['12345abc', '1234', '23812345678', '1381234567', '', '+1 415 555 0100'])('rejects %j', (input) =>
    expect(toE164(input)).toBeUndefined(),
  );
});

describe('required elements (art. 13: contact, content, time, place)', () => {
  it('lists everything an anonymous one-liner lacks', () => {
    expect(missingElements({ citizen: {}, content: { text: '噪音' } })).toEqual([
      'REQUIRED_ELEMENT_CONTACT',
      'REQUIRED_ELEMENT_TIME',
      'REQUIRED_ELEMENT_PLACE',
    ]);
  });
  it('accepts a WeChat openid as contact, a time in words, and coordinates as place', () => {
    expect(
      missingElements({
        citizen: { wechatOpenid: 'oLVPpjqs9BhvzwPj5A-vTYAX3GLc' },
        content: { text: '路面塌陷' },
        incident: { timeText: '今天早上', location: { coordinates: { latitude: 35.7, longitude: 114.3, datum: 'DATUM_GCJ02' } } },
      }),
    ).toEqual([]);
  });
  it('counts a voice message with only a transcript as content', () => {
    expect(missingElements({ citizen: { phone: '+8613800000000' }, content: { text: '', transcript: { text: '有人在河里倒垃圾', engine: 'wechat-recognition' } } })).not.toContain(
      'REQUIRED_ELEMENT_CONTENT',
    );
    expect(missingElements({ citizen: { phone: '+8613800000000' }, content: { text: '  ' } })).toContain('REQUIRED_ELEMENT_CONTENT');
  });
});

describe('citizen key', () => {
  it('prefers the phone, then the channel identity, else the intake', () => {
    expect(citizenKeyOf({ phone: '+8613800000000', wechatOpenid: 'o123' }, 'I1')).toBe('tel:+8613800000000');
    expect(citizenKeyOf({ wechatOpenid: 'o123' }, 'I1')).toBe('wechat:o123');
    expect(citizenKeyOf({ partnerUserId: 'u9' }, 'I1')).toBe('partner:u9');
    expect(citizenKeyOf({}, 'I1')).toBe('anon:I1');
  });
});
