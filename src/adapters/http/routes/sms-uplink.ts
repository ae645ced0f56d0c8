import { BlockList, isIP } from 'node:net';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { HotlineError, invalidField } from '../../../core/errors.js';
import type { SmsProvider } from '../../../core/ports/sms-provider.js';
import type { SmsInbox } from '../../../services/sms-inbox.js';
import { errorBodySchema } from '../errors.js';
import { safeEqual } from '../partner-signature.js';

export interface SmsUplinkEndpoint {
  provider: SmsProvider;
  /** The secret the provider's callback URL carries (?secret=…). */
  secret: string;
  /** Source CIDRs allowed; empty allows any. */
  allowFrom: string[];
}

export interface SmsUplinkRouteOptions {
  endpoints: SmsUplinkEndpoint[];
  inbox: SmsInbox;
  maxBodyBytes: number;
}

export function buildAllowList(cidrs: string[]): BlockList | undefined {
  if (cidrs.length === 0) return undefined;
  const list = new BlockList();
  for (const c of cidrs) {
    const [addr, bits] = c.split('/');
    const family = isIP(addr!) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr!, family);
    else list.addSubnet(addr!, Number(bits), family);
  }
  return list;
}

export function addressAllowed(list: BlockList | undefined, ip: string): boolean {
  if (!list) return true;
  // IPv4 clients of a dual-stack socket appear as ::ffff:a.b.c.d.
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  const addr = v4 ?? ip;
  const family = isIP(addr);
  if (family === 0) return false;
  return list.check(addr, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * POST /v1/channels/sms/aliyun and /v1/channels/sms/tencent: providers' uplink pushes. Neither
 * provider signs these pushes, so each endpoint is guarded by a secret in its callback URL
 * (compared in constant time) and, where configured, an allowlist of the provider's addresses.
 */
export function smsUplinkRoutes(options: SmsUplinkRouteOptions): FastifyPluginAsync {
  return async (app) => {
    // Providers' HTTP clients are not all careful with Content-Type: take JSON sent as text/plain
    // too, in this scope only.
    app.addContentTypeParser('text/plain', { parseAs: 'string', bodyLimit: options.maxBodyBytes }, (_req, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(invalidField('(body)', '请求内容不是有效的 JSON'), undefined);
      }
    });
    for (const endpoint of options.endpoints) {
      const allow = buildAllowList(endpoint.allowFrom);
      const authenticate = async (request: FastifyRequest<{ Querystring: { secret?: string } }>) => {
        if (!addressAllowed(allow, request.ip)) throw new HotlineError('FORBIDDEN', '来源地址不在允许范围内');
        const given = request.query.secret;
        if (!given || !safeEqual(given, endpoint.secret)) throw new HotlineError('UNAUTHENTICATED', '回调密钥不正确', 'secret');
      };
      app.post<{ Querystring: { secret?: string } }>(
        `/v1/channels/sms/${endpoint.provider.id}`,
        {
          bodyLimit: options.maxBodyBytes,
          // Authenticated before the body is even parsed: nothing from a stranger is read.
          onRequest: authenticate,
          schema: {
            querystring: { type: 'object', properties: { secret: { type: 'string', maxLength: 256 } } },
            response: { '4xx': errorBodySchema, '5xx': errorBodySchema },
          },
        },
        async (request, reply) => {
          const uplinks = endpoint.provider.parseUplink(request.body);
          await options.inbox.receive(endpoint.provider.id, uplinks);
          return reply.code(200).send(endpoint.provider.uplinkAck());
        },
      );
    }
  };
}
