// The floor under the accept benchmark (intake.bench.ts): the same HTTP route on a bare fastify
// with the web form's own body schema (webIntakeBodySchema), making the same two Redis round trips an accept makes — the
// citizen's recent intakes (ZREVRANGEBYSCORE), then one script that writes the body as a record
// (HSET, ZADD) — and answering 202 with a JSON body. No rules, no limits, no record of ours, no
// logger: what HTTP and two round trips cost on this machine, measured in the same run.
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import type { AddressInfo } from 'node:net';
import { webIntakeBodySchema } from '../../src/adapters/http/routes/web-intake.js';
import { loadConfig } from '../../src/config/load.js';

const redis = new Redis(process.env.FLOOR_REDIS_URL!, { connectionName: 'bench-floor' });
const STORE = `redis.call('HSET', KEYS[1], 'record', ARGV[1], 'status', 'queued')
redis.call('ZADD', KEYS[2], ARGV[2], KEYS[1])
return 1`;
redis.defineCommand('floorStore', { numberOfKeys: 2, lua: STORE });
const store = (redis as unknown as { floorStore: (...a: (string | number)[]) => Promise<unknown> }).floorStore.bind(redis);

const app = Fastify({ logger: false });
let n = 0;
app.post(
  '/v1/intake/web',
  {
    schema: {
      body: webIntakeBodySchema(loadConfig().config.web.maxContentChars),
      response: { 202: { type: 'object', properties: { intakeId: { type: 'string' }, status: { type: 'string' }, message: { type: 'string' } } } },
    },
  },
  async (request, reply) => {
    const body = request.body as { phone?: string };
    const id = `floor-${process.pid}-${++n}`;
    await redis.zrevrangebyscore(`floor:recent:${body.phone ?? id}`, '+inf', 0, 'WITHSCORES', 'LIMIT', 0, 5);
    await store(`floor:intake:${id}`, 'floor:ready', JSON.stringify(request.body), n);
    return reply.code(202).send({ intakeId: id, status: 'queued', message: '您的诉求已受理' });
  },
);
await app.listen({ port: 0, host: '127.0.0.1' });
process.send!({ port: (app.server.address() as AddressInfo).port });
process.on('disconnect', () => process.exit(0));
