// SMS providers (Aliyun, Tencent Cloud …) behind one interface: how their uplink push is read
// and answered, and how an acknowledgement SMS is sent back to the citizen.

/** One message a citizen sent to the centre's SMS number, as a provider pushed it. */
export interface SmsUplink {
  provider: string;
  /** The number as the provider sent it (not yet normalised). */
  phone: string;
  text: string;
  /** When the citizen sent it, RFC 3339, if the provider says. */
  sentAt?: string;
  /** Provider-scoped key that is the same for a repeated push of the same message. */
  dedupKey: string;
}

/** What the acknowledgement says; providers with approved templates fill one from `params`. */
export interface SmsAck {
  /** survey: the SMS follow-up survey (回访, art. 16), asking for a rating digit in reply. */
  kind: 'accepted' | 'emergency' | 'out-of-scope' | 'restricted' | 'survey';
  /** The full Chinese text (for providers and logs that take free text). */
  text: string;
  /** Template variables: intakeId, line, workOrderId … */
  params: Record<string, string>;
}

/** The approved templates a provider is configured with, one per acknowledgement kind. */
export type SmsTemplates = Record<'accepted' | 'emergency' | 'outOfScope' | 'restricted', string> & { survey?: string };

/** Which configured template carries an acknowledgement of each kind (the same for every provider). */
export const SMS_TEMPLATE_OF: Readonly<Record<SmsAck['kind'], keyof SmsTemplates>> = {
  accepted: 'accepted',
  emergency: 'emergency',
  'out-of-scope': 'outOfScope',
  restricted: 'restricted',
  survey: 'survey',
};

export type SmsSendResult = { ok: true; providerMessageId?: string } | { ok: false; retryable: boolean; error: string };

export interface SmsProvider {
  readonly id: 'aliyun' | 'tencent';
  /** Reads one uplink push; throws INVALID_FIELD naming the field at fault. */
  parseUplink(body: unknown): SmsUplink[];
  /** The exact answer the provider's documentation asks for on success. */
  uplinkAck(): unknown;
  send(phone: string, ack: SmsAck): Promise<SmsSendResult>;
}

export interface SmsAckJob {
  /** Same id, one SMS: a repeated push or a retried request never texts the citizen twice. */
  id: string;
  provider: SmsProvider['id'];
  /** E.164. */
  phone: string;
  ack: SmsAck;
}

/** Sends acknowledgements soon and durably: a provider outage delays them, it does not lose them. */
export interface SmsAckQueue {
  enqueue(job: SmsAckJob): Promise<void>;
}
