import { citizenReplyFor } from '../core/channels/citizen-reply.js';
import { HotlineError, invalidField } from '../core/errors.js';
import { toE164 } from '../core/intake/phone.js';
import type { SmsAck, SmsAckQueue, SmsProvider, SmsUplink } from '../core/ports/sms-provider.js';
import type { Logger } from '../log/logger.js';
import type { IntakeAcceptor } from './intake-acceptor.js';

/** Says whether a restricted citizen may be told so now (once per window, not once per text). */
export type NoticeGate = (phone: string) => Promise<boolean>;

/**
 * SMS uplink → intakes → acknowledgement SMS. GB/T 33358 gives text media 3 minutes for an
 * answer; the acknowledgement is queued before the provider's push is answered, and goes out at once.
 */
export class SmsInbox {
  constructor(
    private readonly acceptor: IntakeAcceptor,
    private readonly acks: SmsAckQueue,
    private readonly noticeGate: NoticeGate,
    private readonly log: Logger,
    /** Takes a rating digit answering an SMS survey (issue 6); true when it did. */
    private readonly surveyReply?: (phone: string, text: string) => Promise<boolean>,
  ) {}

  async receive(provider: SmsProvider['id'], uplinks: SmsUplink[]): Promise<void> {
    // Validate the whole push before accepting any of it: a bad item fails it as a whole.
    const items = uplinks.map((u, i) => {
      const phone = normalisePhone(u.phone);
      if (!phone) throw invalidField(uplinks.length > 1 ? `${i}.phone` : 'phone', `号码 ${i + 1} 不是有效的手机号码`);
      return { uplink: u, phone };
    });
    for (const { uplink, phone } of items) {
      if (!uplink.text.trim()) continue;
      if (this.surveyReply && (await this.surveyReply(phone, uplink.text))) continue;
      try {
        const { intake, duplicate } = await this.acceptor.accept({
          channel: 'CHANNEL_SMS',
          idempotencyKey: `sms:${uplink.dedupKey}`,
          citizen: { phone, replyWanted: true },
          content: { text: uplink.text.trim() },
        });
        if (duplicate) continue;
        const reply = citizenReplyFor(intake);
        const ack: SmsAck = {
          kind: reply.kind,
          text: reply.text,
          params: reply.kind === 'emergency' ? { line: reply.line, intakeId: intake.intakeId } : { intakeId: intake.intakeId },
        };
        await this.acks.enqueue({ id: `ack-${intake.intakeId}`, provider, phone, ack });
      } catch (err) {
        if (!(err instanceof HotlineError && err.code === 'RATE_LIMITED')) throw err;
        // Art. 34: a restricted citizen is told politely — once per window, or a flood of texts
        // would make the centre flood them back.
        if (await this.noticeGate(phone)) {
          await this.acks.enqueue({ id: `restricted-${uplink.dedupKey}`, provider, phone, ack: { kind: 'restricted', text: err.message, params: {} } });
        }
        this.log.info({ channel: 'sms', provider }, 'sms from a restricted citizen not accepted');
      }
    }
  }
}

function normalisePhone(raw: string): string | undefined {
  const e164 = toE164(raw);
  if (e164) return e164;
  const intl = raw.replace(/[\s-]/g, '');
  return /^\+[1-9]\d{6,14}$/.test(intl) && !intl.startsWith('+86') ? intl : undefined;
}
