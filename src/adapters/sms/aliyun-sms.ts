// Aliyun SMS (阿里云短信服务).
// Uplink: "SmsUp" HTTP batch push (上行短信消息 HTTP 批量推送, help.aliyun.com/zh/sms/developer-reference/smsup-http):
//   a JSON array of { phone_number, send_time, content, sign_name, dest_code, sequence_id }; the
//   answer must be HTTP 200 with {"code":0,"msg":"接收成功"} (only `code` being a number is checked);
//   anything else is retried after 1, 5 and 10 minutes. The push is not signed.
// Send: SendSms of the RPC API (dysmsapi, Version 2017-05-25) with signature version 1.0
//   (HMAC-SHA1 over "POST&%2F&" + percent-encoded sorted query, key = AccessKeySecret + "&").
import { createHmac, randomUUID } from 'node:crypto';
import { invalidField } from '../../core/errors.js';
import { SMS_TEMPLATE_OF, type SmsAck, type SmsProvider, type SmsSendResult, type SmsTemplates, type SmsUplink } from '../../core/ports/sms-provider.js';
import { chinaLocalTimeToIso, postToProvider } from './http-send.js';

export interface AliyunSmsOptions {
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
  regionId: string;
  signName: string;
  templates: SmsTemplates;
  timeoutMs: number;
}

/** RFC 3986 encoding as Aliyun's POP signature wants it (space %20, * %2A, ~ kept). */
export function aliyunPercentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function aliyunRpcSignature(params: Record<string, string>, accessKeySecret: string, method = 'POST'): string {
  const canonical = Object.keys(params)
    .sort()
    .map((k) => `${aliyunPercentEncode(k)}=${aliyunPercentEncode(params[k]!)}`)
    .join('&');
  const stringToSign = `${method}&${aliyunPercentEncode('/')}&${aliyunPercentEncode(canonical)}`;
  return createHmac('sha1', `${accessKeySecret}&`).update(stringToSign).digest('base64');
}

export class AliyunSmsProvider implements SmsProvider {
  readonly id = 'aliyun' as const;

  constructor(private readonly options: AliyunSmsOptions) {}

  parseUplink(body: unknown): SmsUplink[] {
    if (!Array.isArray(body)) throw invalidField('(body)', '阿里云上行推送应为 JSON 数组');
    return body.map((item: unknown, i): SmsUplink => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) throw invalidField(`${i}`, `第 ${i + 1} 条上行消息不是对象`);
      const o = item as Record<string, unknown>;
      const phone = o.phone_number;
      if (typeof phone !== 'string' || !phone.trim()) throw invalidField(`${i}.phone_number`, `缺少必填字段 ${i}.phone_number`);
      if (typeof o.content !== 'string') throw invalidField(`${i}.content`, `缺少必填字段 ${i}.content`);
      // Documented as a Number in one version of the page and a String in another: take both.
      const seq = o.sequence_id;
      if (!((typeof seq === 'number' && Number.isSafeInteger(seq)) || (typeof seq === 'string' && /^\d{1,24}$/.test(seq)))) {
        throw invalidField(`${i}.sequence_id`, `字段 ${i}.sequence_id 缺失或格式不正确`);
      }
      const sentAt = chinaLocalTimeToIso(typeof o.send_time === 'string' ? o.send_time : undefined);
      return { provider: this.id, phone: phone.trim(), text: o.content, ...(sentAt ? { sentAt } : {}), dedupKey: `aliyun:${String(seq)}` };
    });
  }

  uplinkAck(): unknown {
    return { code: 0, msg: '接收成功' };
  }

  async send(phone: string, ack: SmsAck): Promise<SmsSendResult> {
    const o = this.options;
    const template = o.templates[SMS_TEMPLATE_OF[ack.kind]];
    if (!o.accessKeyId || !o.accessKeySecret || !o.signName || !template) {
      return { ok: false, retryable: false, error: `aliyun send not configured (access key, signName or template ${SMS_TEMPLATE_OF[ack.kind]})` };
    }
    const params: Record<string, string> = {
      AccessKeyId: o.accessKeyId,
      Action: 'SendSms',
      Format: 'JSON',
      // Mainland numbers go without +86; others with their country code.
      PhoneNumbers: phone.startsWith('+86') ? phone.slice(3) : phone.replace(/^\+/, '00'),
      RegionId: o.regionId,
      SignName: o.signName,
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: randomUUID(),
      SignatureVersion: '1.0',
      TemplateCode: template,
      TemplateParam: JSON.stringify(ack.params),
      Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      Version: '2017-05-25',
    };
    params.Signature = aliyunRpcSignature(params, o.accessKeySecret);
    const body = Object.entries(params)
      .map(([k, v]) => `${aliyunPercentEncode(k)}=${aliyunPercentEncode(v)}`)
      .join('&');
    return postToProvider(o.endpoint, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }, o.timeoutMs, (status, res) => {
      const r = (res ?? {}) as { Code?: string; Message?: string; BizId?: string };
      if (status === 200 && r.Code === 'OK') return { ok: true, ...(r.BizId ? { providerMessageId: r.BizId } : {}) };
      const code = r.Code ?? `HTTP ${status}`;
      // Flow control and transient service errors clear by themselves; a bad number or template does not.
      const retryable = /Throttling|LIMIT_CONTROL|ServiceUnavailable|InternalError|SYSTEM_ERROR/i.test(code);
      return { ok: false, retryable, error: `aliyun ${code}: ${r.Message ?? ''}`.trim() };
    });
  }
}
