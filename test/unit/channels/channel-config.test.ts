import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';

describe('text channel settings', () => {
  it('maps the HOTLINE_* variables of the issue onto the configuration', () => {
    const { config, unknownVariables } = loadConfig({
      HOTLINE_WECHAT_TOKEN: 'tok',
      HOTLINE_WECHAT_APPID: 'wx123',
      HOTLINE_WECHAT_AES_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
      HOTLINE_PARTNER_KEYS: 'app:0123456789abcdef0123,gov:fedcba9876543210fedc',
      HOTLINE_SMS_ALIYUN_ALLOW_FROM: '100.104.0.0/16, 10.0.0.1',
    });
    expect(unknownVariables).toEqual([]);
    expect(config.wechat).toMatchObject({ token: 'tok', appId: 'wx123', aesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' });
    expect(config.partner.keys).toBe('app:0123456789abcdef0123,gov:fedcba9876543210fedc');
    expect(config.sms.aliyun.allowFrom).toEqual(['100.104.0.0/16', '10.0.0.1']);
  });

  it('refuses settings that could only fail at run time, naming the key', () => {
    expect(() => loadConfig({ HOTLINE_WECHAT_AES_KEY: 'too-short' })).toThrow(/wechat\.aesKey \(from HOTLINE_WECHAT_AES_KEY\)/);
    expect(() => loadConfig({ HOTLINE_WECHAT_TOKEN: 't', HOTLINE_WECHAT_AES_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' })).toThrow(/wechat\.appId/);
    expect(() => loadConfig({ HOTLINE_PARTNER_KEYS: 'app:short' })).toThrow(/partner\.keys/);
    expect(() => loadConfig({ HOTLINE_SMS_TENCENT_ALLOW_FROM: 'everyone' })).toThrow(/sms\.tencent\.allowFrom/);
  });
});
