// Tencent Cloud SMS (腾讯云短信).
// Uplink: "短信回复" callback (cloud.tencent.com/document/api/382/59179): one JSON object
//   { extend, mobile, nationcode, sign, text, time (Unix seconds) }, answered with
//   {"result":0,"errmsg":"OK"}. It carries no message id and is not signed.
// Send: SendSms, API 2021-01-11, signature TC3-HMAC-SHA256 (cloud.tencent.com/document/api/382/52072):
//   CanonicalRequest = POST \n / \n \n content-type:…\nhost:…\n \n content-type;host \n hex(sha256(payload));
//   StringToSign = "TC3-HMAC-SHA256" \n timestamp \n date/sms/tc3_request \n hex(sha256(CanonicalRequest));
//   key = HMAC(HMAC(HMAC("TC3"+SecretKey, date), "sms"), "tc3_request").
import { createHash, createHmac } from 'node:crypto';
import { invalidField } from '../../core/errors.js';
import { SMS_TEMPLATE_OF, type SmsAck, type SmsProvider, type SmsSendResult, type SmsTemplates, type SmsUplink } from '../../core/ports/sms-provider.js';
import { postToProvider } from './http-send.js';

export interface TencentSmsOptions {
  endpoint: string;
  secretId: string;
  secretKey: string;
  region: string;
  sdkAppId: string;
  signName: string;
  templates: SmsTemplates;
  timeoutMs: number;
}

const sha256hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: Buffer | string, s: string) => createHmac('sha256', key).update(s, 'utf8').digest();

export function tc3Authorization(input: {
  secretId: string;
  secretKey: string;
  service: string;
  host: string;
  timestamp: number;
  payload: string;
  contentType: string;
}): string {
  const date = new Date(input.timestamp * 1000).toISOString().slice(0, 10);
  const canonicalRequest = ['POST', '/', '', `content-type:${input.contentType}\nhost:${input.host}\n`, 'content-type;host', sha256hex(input.payload)].join('\n');
  const scope = `${date}/${input.service}/tc3_request`;
  const stringToSign = ['TC3-HMAC-SHA256', String(input.timestamp), scope, sha256hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(`TC3${input.secretKey}`, date), input.service), 'tc3_request');
  const signature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  return `TC3-HMAC-SHA256 Credential=${input.secretId}/${scope}, SignedHeaders=content-type;host, Signature=${signature}`;
}

export class TencentSmsProvider implements SmsProvider {
  readonly id = 'tencent' as const;

  constructor(private readonly options: TencentSmsOptions) {}

  parseUplink(body: unknown): SmsUplink[] {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidField('(body)', '腾讯云短信回复回调应为 JSON 对象');
    const o = body as Record<string, unknown>;
    const str = (name: string): string => {
      const v = o[name];
      if (typeof v !== 'string' || !v.trim()) throw invalidField(name, `缺少必填字段 ${name}`);
      return v.trim();
    };
    const mobile = str('mobile');
    const nationcode = str('nationcode');
    if (!/^\d{1,4}$/.test(nationcode)) throw invalidField('nationcode', '字段 nationcode 的格式不正确');
    if (typeof o.text !== 'string') throw invalidField('text', '缺少必填字段 text');
    const time = o.time;
    if (typeof time !== 'number' || !Number.isSafeInteger(time) || time < 0 || time > 4_102_444_800) throw invalidField('time', '字段 time 缺失或不是 Unix 时间戳');
    // No message id: the same number, second and text is the same message pushed again.
    const textHash = createHash('sha1').update(o.text, 'utf8').digest('hex').slice(0, 16);
    return [
      {
        provider: this.id,
        phone: nationcode === '86' ? mobile : `+${nationcode}${mobile.replace(/^\+/, '')}`,
        text: o.text,
        sentAt: new Date(time * 1000).toISOString(),
        dedupKey: `tencent:${nationcode}${mobile}:${time}:${textHash}`,
      },
    ];
  }

  uplinkAck(): unknown {
    return { result: 0, errmsg: 'OK' };
  }

  async send(phone: string, ack: SmsAck): Promise<SmsSendResult> {
    const o = this.options;
    const template = o.templates[SMS_TEMPLATE_OF[ack.kind]];
    if (!o.secretId || !o.secretKey || !o.sdkAppId || !o.signName || !template) {
      return { ok: false, retryable: false, error: `tencent send not configured (secret, sdkAppId, signName or template ${SMS_TEMPLATE_OF[ack.kind]})` };
    }
    const payload = JSON.stringify({
      PhoneNumberSet: [phone],
      SmsSdkAppId: o.sdkAppId,
      SignName: o.signName,
      TemplateId: template,
      // Each template has one variable: the emergency number, else the intake (or work-order) number.
      TemplateParamSet: [ack.params.line ?? ack.params.intakeId ?? ack.params.workOrderId ?? ''].filter(Boolean),
    });
    const contentType = 'application/json; charset=utf-8';
    const timestamp = Math.floor(Date.now() / 1000);
    const host = new URL(o.endpoint).host;
    const authorization = tc3Authorization({ secretId: o.secretId, secretKey: o.secretKey, service: 'sms', host, timestamp, payload, contentType });
    return postToProvider(
      o.endpoint,
      {
        headers: {
          authorization,
          'content-type': contentType,
          'x-tc-action': 'SendSms',
          'x-tc-version': '2021-01-11',
          'x-tc-timestamp': String(timestamp),
          'x-tc-region': o.region,
        },
        body: payload,
      },
      o.timeoutMs,
      (status, res) => {
        const r = ((res ?? {}) as { Response?: { Error?: { Code?: string; Message?: string }; SendStatusSet?: Array<{ Code?: string; Message?: string; SerialNo?: string }> } }).Response;
        if (r?.Error) {
          const code = r.Error.Code ?? 'Error';
          const retryable = /^(InternalError|RequestLimitExceeded|ResourceUnavailable)/.test(code);
          return { ok: false, retryable, error: `tencent ${code}: ${r.Error.Message ?? ''}`.trim() };
        }
        const first = r?.SendStatusSet?.[0];
        if (status === 200 && first?.Code === 'Ok') return { ok: true, ...(first.SerialNo ? { providerMessageId: first.SerialNo } : {}) };
        return { ok: false, retryable: false, error: `tencent ${first?.Code ?? `HTTP ${status}`}: ${first?.Message ?? ''}`.trim() };
      },
    );
  }
}
