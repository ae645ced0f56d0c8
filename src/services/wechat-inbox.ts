import { citizenReplyFor } from '../core/channels/citizen-reply.js';
import { placeOf, wechatDraftOf, type WechatMessage } from '../core/channels/wechat-message.js';
import { HotlineError } from '../core/errors.js';
import type { PendingPlaces } from '../core/ports/pending-place.js';
import type { Logger } from '../log/logger.js';
import type { IntakeAcceptor } from './intake-acceptor.js';

export interface WechatInboxOptions {
  /** Answer to a new follower (subscribe event). */
  welcome: string;
  /** Custom-menu CLICK EventKey → answer. */
  menu: Record<string, string>;
  /**
   * WeChat drops a passive reply that takes more than 5 s and retries the message; the reply is
   * sent before this deadline whatever happens (the retry then finds the intake by MsgId).
   */
  replyDeadlineMs: number;
}

export const WECHAT_TEXTS = {
  placeKept: (label?: string) =>
    `已收到您发送的位置${label ? `（${label}）` : ''}。请接着用文字或语音描述您要反映的问题，我们会把这个位置作为事发地点。`,
  nothingToAccept: '请用文字或语音描述您要反映的问题，也可以先发送位置再描述。',
  unsupported: '暂不支持此类消息，请发送文字、语音、图片或位置描述您的诉求。',
  pending: '您的留言已收到，正在登记。请稍后再发送任意内容查询受理编号，或拨打 12345 热线。',
} as const;

/**
 * What the centre answers to each WeChat message. Messages that describe a matter become intakes
 * through the one acceptor; a location is held for the citizen's next message.
 */
export class WechatInbox {
  constructor(
    private readonly acceptor: IntakeAcceptor,
    private readonly places: PendingPlaces,
    private readonly options: WechatInboxOptions,
    private readonly log: Logger,
  ) {}

  /** The text of the passive reply, or undefined for none (WeChat is then answered "success"). */
  async handle(msg: WechatMessage): Promise<string | undefined> {
    const citizenKey = `wechat:${msg.fromUser}`;
    const place = placeOf(msg);
    if (place) {
      await this.places.put(citizenKey, place);
      // Location events are reported silently when a follower opens the account.
      return msg.type === 'location' ? WECHAT_TEXTS.placeKept(place.text) : undefined;
    }
    if (msg.type === 'event') {
      if (msg.event === 'subscribe') return this.options.welcome;
      if (msg.event === 'CLICK' && msg.eventKey) return this.options.menu[msg.eventKey];
      return undefined;
    }
    if (msg.type === 'unsupported') return WECHAT_TEXTS.unsupported;

    const pendingPlace = await this.places.peek(citizenKey);
    const draft = wechatDraftOf(msg, pendingPlace);
    if (!draft) return WECHAT_TEXTS.nothingToAccept;

    const accepting = this.acceptor.accept(draft).then(
      async ({ intake }) => {
        if (pendingPlace) await this.places.clear(citizenKey);
        return citizenReplyFor(intake).text;
      },
      (err: unknown) => {
        // A restricted citizen (art. 34) gets the acceptor's polite explanation.
        if (err instanceof HotlineError && err.code === 'RATE_LIMITED') return err.message;
        throw err;
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.options.replyDeadlineMs);
    });
    try {
      const first = await Promise.race([accepting, deadline]);
      if (first !== 'late') return first;
      accepting.catch((err: unknown) => this.log.error({ err, channel: 'wechat' }, 'late wechat intake failed'));
      this.log.warn({ channel: 'wechat', deadlineMs: this.options.replyDeadlineMs }, 'wechat reply deadline passed; holding reply sent');
      return WECHAT_TEXTS.pending;
    } finally {
      clearTimeout(timer);
    }
  }
}
