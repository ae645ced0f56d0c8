import { describe, expect, it } from 'vitest';
import { aliyunRpcSignature, AliyunSmsProvider } from '../../../src/adapters/sms/aliyun-sms.js';
import { tc3Authorization, TencentSmsProvider } from '../../../src/adapters/sms/tencent-sms.js';

const templates = { accepted: 'T1', emergency: 'T2', outOfScope: 'T3', restricted: 'T4' };
const aliyun = new AliyunSmsProvider({ endpoint: 'http://127.0.0.1:1/', accessKeyId: 'id', accessKeySecret: 's', regionId: 'cn-hangzhou', signName: 'x', templates, timeoutMs: 1000 });
const tencent = new TencentSmsProvider({ endpoint: 'http://127.0.0.1:1/', secretId: 'id', secretKey: 'k', region: 'ap-guangzhou', sdkAppId: '1400000000', signName: 'x', templates, timeoutMs: 1000 });

describe('Aliyun RPC signature', () => {
  it("reproduces the SendSms example of Aliyun's signature documentation", () => {
    const params = {
      AccessKeyId: 'testId',
      Action: 'SendSms',
      Format: 'XML',
      OutId: '123',
      PhoneNumbers: '15300000001',
      RegionId: 'cn-hangzhou',
      SignName: '阿里云短信测试专用',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: '45e25e9b-0a6f-4070-8c85-2956eda1b466',
      SignatureVersion: '1.0',
      TemplateCode: 'SMS_71390007',
      TemplateParam: '{"customer":"test"}',
      Timestamp: '2017-07-12T02:42:19Z',
      Version: '2017-05-25',
    };
    expect(aliyunRpcSignature(params, 'testSecret', 'GET')).toBe('zJDF+Lrzhj/ThnlvIToysFRq6t4=');
  });

  it('reproduces the DescribeRegions example of the RPC signature page', () => {
    const params = {
      Format: 'XML',
      AccessKeyId: 'testid',
      Action: 'DescribeRegions',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
      SignatureVersion: '1.0',
      Version: '2014-05-26',
      Timestamp: '2016-02-23T12:46:24Z',
    };
    expect(aliyunRpcSignature(params, 'testsecret', 'GET')).toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
  });
});

describe('Tencent Cloud TC3-HMAC-SHA256', () => {
  it("reproduces the DescribeInstances example of Tencent Cloud's signature v3 documentation", () => {
    const auth = tc3Authorization({
      secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******',
      secretKey: 'Gu5t9xGARNpq86cd98joQYCN3*******',
      service: 'cvm',
      host: 'cvm.tencentcloudapi.com',
      timestamp: 1551113065,
      payload: '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
      contentType: 'application/json; charset=utf-8',
    });
    expect(auth).toBe(
      'TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c',
    );
  });
});

describe('uplink parsing', () => {
  it('Aliyun: a JSON array, sequence_id as number or string, China time to RFC 3339', () => {
    const u = aliyun.parseUplink([
      { phone_number: '13812345678', send_time: '2017-09-01 08:00:00', content: '路灯不亮', sign_name: '某市12345', dest_code: '1234', sequence_id: 1234567890 },
      { phone_number: '13812345678', send_time: '20170901080001', content: '补充', dest_code: '1234', sequence_id: '1234567891' },
    ]);
    expect(u.map((x) => x.dedupKey)).toEqual(['aliyun:1234567890', 'aliyun:1234567891']);
    expect(u[0]!.sentAt).toBe('2017-09-01T00:00:00.000Z');
    expect(u[1]!.sentAt).toBe('2017-09-01T00:00:01.000Z');
  });

  it('Aliyun: names the field at fault', () => {
    expect(() => aliyun.parseUplink({ phone_number: '1' })).toThrow(expect.objectContaining({ field: '(body)' }));
    expect(() => aliyun.parseUplink([{ phone_number: '13812345678', content: 'x' }])).toThrow(expect.objectContaining({ field: '0.sequence_id' }));
    expect(() => aliyun.parseUplink([{ content: 'x', sequence_id: 1 }])).toThrow(expect.objectContaining({ field: '0.phone_number' }));
  });

  it('Tencent: one object; no id, so number + time + text is the key', () => {
    const body = { extend: '', mobile: '13812345678', nationcode: '86', sign: '某市12345', text: '噪音扰民', time: 1457336869 };
    const [a] = tencent.parseUplink(body);
    const [b] = tencent.parseUplink({ ...body });
    const [c] = tencent.parseUplink({ ...body, text: '噪音扰民！' });
    expect(a!.dedupKey).toBe(b!.dedupKey);
    expect(a!.dedupKey).not.toBe(c!.dedupKey);
    expect(a!.sentAt).toBe(new Date(1457336869_000).toISOString());
    expect(() => tencent.parseUplink({ ...body, time: '1457336869' })).toThrow(expect.objectContaining({ field: 'time' }));
    // Found by the fuzz test: a time past year 2100 once crashed Date#toISOString.
    expect(() => tencent.parseUplink({ ...body, time: 17637863784000 })).toThrow(expect.objectContaining({ field: 'time' }));
  });

  it('answers each provider as its documentation asks', () => {
    expect(aliyun.uplinkAck()).toEqual({ code: 0, msg: '接收成功' });
    expect(tencent.uplinkAck()).toEqual({ result: 0, errmsg: 'OK' });
  });
});
