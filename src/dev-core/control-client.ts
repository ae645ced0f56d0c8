// The development core's side of hotline.control.v1: it asks the gateway for a follow-up survey,
// as the real core does when a work order is finished (tests, demos, `npm run dev-core -- survey`).
import { client, unary } from '../adapters/grpc/client.js';
import type { RequestSurveyMessage, RequestSurveyResponseMessage } from '../adapters/grpc/messages.js';
import { GATEWAY_CONTROL } from '../adapters/grpc/proto.js';

export interface SurveyAsk {
  workOrderId: string;
  phone: string;
  /** RFC 3339; default: 3 days from now (art. 16 counts 3 working days; the real core computes them). */
  deadline?: string;
  channelPreference?: 'phone' | 'sms' | 'phone-only';
  confidential?: boolean;
}

export class ControlClient {
  private readonly client: ReturnType<typeof client>;

  constructor(private readonly options: { address: string; token?: string; deadlineMs?: number }) {
    this.client = client(GATEWAY_CONTROL, { address: options.address, deadlineMs: options.deadlineMs ?? 5000 });
  }

  /** Sends the request as given (fields may be wrong on purpose: tests of the gateway's validation). */
  raw(request: RequestSurveyMessage): Promise<RequestSurveyResponseMessage> {
    return unary(this.client, 'RequestSurvey', { address: this.options.address, deadlineMs: this.options.deadlineMs ?? 5000, ...(this.options.token ? { token: this.options.token } : {}) }, request);
  }

  async requestSurvey(ask: SurveyAsk): Promise<'accepted' | 'duplicate'> {
    const res = await this.raw({
      workOrderId: ask.workOrderId,
      citizenPhone: ask.phone,
      deadline: ask.deadline ?? new Date(Date.now() + 3 * 24 * 3600_000).toISOString(),
      channelPreference: `CHANNEL_PREFERENCE_${(ask.channelPreference ?? 'phone').toUpperCase().replace('-', '_')}`,
      confidential: ask.confidential ?? false,
    });
    return res.status === 'STATUS_DUPLICATE' ? 'duplicate' : 'accepted';
  }

  close(): void {
    this.client.close();
  }
}
