// Composition of the text channels (WeChat, SMS uplink, partner API): part of the composition
// root, kept in its own file so gateway.ts stays readable.
import type { FastifyPluginAsync } from 'fastify';
import type { HealthCheck } from '../adapters/http/routes/operations.js';
import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { SmsProvider } from '../core/ports/sms-provider.js';
import type { RedisKeys } from '../adapters/redis/keys.js';
import { RedisPendingPlaces } from '../adapters/redis/redis-pending-places.js';
import { RedisReplayGuard } from '../adapters/redis/redis-replay-guard.js';
import { BullmqSmsAckQueue } from '../adapters/queue/bullmq-sms-ack-queue.js';
import { AliyunSmsProvider } from '../adapters/sms/aliyun-sms.js';
import { TencentSmsProvider } from '../adapters/sms/tencent-sms.js';
import { wechatRoutes } from '../adapters/http/routes/wechat.js';
import { smsUplinkRoutes, type SmsUplinkEndpoint } from '../adapters/http/routes/sms-uplink.js';
import { partnerIntakeRoutes } from '../adapters/http/routes/partner-intakes.js';
import { parsePartnerKeys } from '../adapters/http/partner-signature.js';
import type { IntakeAcceptor } from '../services/intake-acceptor.js';
import { WechatInbox } from '../services/wechat-inbox.js';
import { SmsInbox } from '../services/sms-inbox.js';

export interface TextChannelDeps {
  config: Config;
  redis: Redis;
  redisUrl: string;
  keys: RedisKeys;
  acceptor: IntakeAcceptor;
  log: Logger;
  /** An SMS that answers an SMS survey (a rating digit) is taken by the survey, not made an intake. */
  surveySmsReply?: (phone: string, text: string) => Promise<boolean>;
}

export interface TextChannels {
  routes: FastifyPluginAsync[];
  /** For /healthz: acknowledgement SMS waiting, delayed for a retry, or failed for good. */
  checks: HealthCheck[];
  smsAcks?: BullmqSmsAckQueue;
  /** The SMS providers (send clients), for the SMS survey (issue 6). */
  smsProviders: ReadonlyMap<SmsProvider['id'], SmsProvider>;
  stop(): Promise<void>;
}

/** Builds the routes of every text channel the configuration switches on. */
export async function textChannelRoutes(deps: TextChannelDeps): Promise<TextChannels> {
  const { config, redis, keys, acceptor } = deps;
  const routes: FastifyPluginAsync[] = [];

  if (config.wechat.token) {
    const log = deps.log.child({ channel: 'wechat' });
    const inbox = new WechatInbox(acceptor, new RedisPendingPlaces(redis, keys, config.wechat.placeTtlSeconds), config.wechat, log);
    routes.push(wechatRoutes({ token: config.wechat.token, appId: config.wechat.appId, aesKey: config.wechat.aesKey, inbox, maxBodyBytes: config.wechat.maxBodyBytes, maxSkewSeconds: config.wechat.maxSkewSeconds }));
  }

  let smsAcks: BullmqSmsAckQueue | undefined;
  const sms = config.sms;
  const endpoints: SmsUplinkEndpoint[] = [];
  const providers = new Map<SmsProvider['id'], SmsProvider>();
  const aliyun = new AliyunSmsProvider({ ...sms.aliyun.send, timeoutMs: sms.ack.timeoutMs });
  const tencent = new TencentSmsProvider({ ...sms.tencent.send, timeoutMs: sms.ack.timeoutMs });
  providers.set('aliyun', aliyun).set('tencent', tencent);
  if (sms.aliyun.secret) endpoints.push({ provider: aliyun, secret: sms.aliyun.secret, allowFrom: sms.aliyun.allowFrom });
  if (sms.tencent.secret) endpoints.push({ provider: tencent, secret: sms.tencent.secret, allowFrom: sms.tencent.allowFrom });
  if (endpoints.length > 0) {
    const log = deps.log.child({ channel: 'sms' });
    smsAcks = new BullmqSmsAckQueue({ redisUrl: deps.redisUrl, prefix: keys.bullPrefix, providers, attempts: sms.ack.attempts, backoffMs: sms.ack.backoffMs, log });
    smsAcks.start();
    const noticeSeconds = sms.ack.restrictedNoticeHours * 3600;
    const gate = async (phone: string) => (await redis.set(keys.smsNotice(phone), '1', 'EX', noticeSeconds, 'NX')) === 'OK';
    routes.push(smsUplinkRoutes({ endpoints, inbox: new SmsInbox(acceptor, smsAcks, gate, log, deps.surveySmsReply), maxBodyBytes: sms.maxBodyBytes }));
  }

  const partnerKeys = parsePartnerKeys(config.partner.keys);
  if (partnerKeys.size > 0) {
    routes.push(
      partnerIntakeRoutes({
        acceptor,
        keys: partnerKeys,
        replayGuard: new RedisReplayGuard(redis, keys),
        maxSkewSeconds: config.partner.maxSkewSeconds,
        maxBodyBytes: config.partner.maxBodyBytes,
        maxContentChars: config.web.maxContentChars,
      }),
    );
  }

  const checks: HealthCheck[] = [];
  const acks = smsAcks;
  if (acks) {
    checks.push({
      name: 'smsAcks',
      critical: false,
      async check() {
        const counts = await acks.counts();
        return { ok: true, waiting: counts.waiting ?? 0, retrying: counts.delayed ?? 0, failed: counts.failed ?? 0 };
      },
    });
  }

  return {
    routes,
    checks,
    ...(smsAcks ? { smsAcks } : {}),
    smsProviders: providers,
    async stop() {
      await smsAcks?.close();
    },
  };
}
