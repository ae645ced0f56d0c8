import { describe, expect, it } from 'vitest';
import { parseWechatMessage, placeOf, wechatDraftOf, wechatIdempotencyKey } from '../../../src/core/channels/wechat-message.js';
import type { HotlineError } from '../../../src/core/errors.js';

const env = { ToUserName: 'gh_1', FromUserName: 'oUser_123-abc', CreateTime: '1700000000' };

describe('WeChat messages', () => {
  it('keeps the 64-bit MsgId exactly (no number rounding)', () => {
    const m = parseWechatMessage({ ...env, MsgType: 'text', Content: 'x', MsgId: '23456789012345678901'.slice(0, 19) });
    expect(m.msgId).toBe('2345678901234567890');
    expect(wechatIdempotencyKey(m)).toBe('wechat:2345678901234567890');
  });

  it('keys events by sender and create time', () => {
    expect(wechatIdempotencyKey(parseWechatMessage({ ...env, MsgType: 'event', Event: 'subscribe' }))).toBe('wechat:oUser_123-abc:1700000000');
  });

  it('names the field at fault', () => {
    const field = (f: Record<string, string>) => {
      try {
        parseWechatMessage(f);
      } catch (err) {
        return (err as HotlineError).field;
      }
      return undefined;
    };
    expect(field({ ...env, FromUserName: '' , MsgType: 'text'})).toBe('FromUserName');
    expect(field({ ...env, FromUserName: 'a b', MsgType: 'text' })).toBe('FromUserName');
    expect(field({ ...env, CreateTime: 'yesterday', MsgType: 'text' })).toBe('CreateTime');
    expect(field({ ...env, MsgType: 'location', Location_X: '95', Location_Y: '114' })).toBe('Location_X');
    expect(field({ ...env, MsgType: 'location', Location_X: '35', Location_Y: 'east' })).toBe('Location_Y');
    expect(field({ ...env, MsgType: 'image' })).toBe('MediaId');
    expect(field({ ...env, MsgType: 'text', MsgId: '12ab' })).toBe('MsgId');
  });

  it('a location is a GCJ-02 place, not an intake', () => {
    const m = parseWechatMessage({ ...env, MsgType: 'location', Location_X: '23.134521', Location_Y: '113.358803', Label: '广州市天河区', MsgId: '1' });
    expect(wechatDraftOf(m)).toBeUndefined();
    expect(placeOf(m)).toEqual({ text: '广州市天河区', coordinates: { latitude: 23.134521, longitude: 113.358803, datum: 'DATUM_GCJ02' } });
  });

  it('the LOCATION event reports a place with its precision', () => {
    const m = parseWechatMessage({ ...env, MsgType: 'event', Event: 'LOCATION', Latitude: '23.1', Longitude: '113.3', Precision: '119.38' });
    expect(placeOf(m)?.coordinates).toEqual({ latitude: 23.1, longitude: 113.3, datum: 'DATUM_GCJ02', accuracyM: 119.38 });
  });

  it('an empty text is no intake', () => {
    expect(wechatDraftOf(parseWechatMessage({ ...env, MsgType: 'text', Content: '   ', MsgId: '2' }))).toBeUndefined();
  });
});
