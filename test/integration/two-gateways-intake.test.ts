// A centre scales the accept path out: two gateway instances on one Redis, behind a load balancer
// that sends a citizen's submissions to either. Every accepted intake reaches the core once, each
// citizen's in the order they were accepted (issue 2), a form sent to both at once is one intake,
// the art. 34 limit counts a citizen's submissions on both together, and the repeat rule (art. 30)
// links a matter to the one the other instance accepted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../src/app/gateway.js';
import { freePort } from '../../src/adapters/redis/embedded-redis.js';
import { DevCore } from '../../src/dev-core/dev-core.js';
import { silentLogger } from '../helpers/logger.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { eventually, readCoreFile, testConfig } from '../helpers/gateway.js';

let redis: TestRedis;
let core: DevCore;
let file: string;
const gws: RunningGateway[] = [];

beforeAll(async () => {
  redis = await startRedis();
  const port = await freePort();
  const env = { HOTLINE_REDIS_URL: redis.url, HOTLINE_CORE_ADDRESS: `127.0.0.1:${port}`, HOTLINE_REDIS_PREFIX: 'two-gw:' };
  const a = testConfig(env);
  file = a.devCore.file;
  core = new DevCore({ intakesFile: file, log: silentLogger() });
  await core.start('127.0.0.1', port);
  gws.push(await startGateway(a, silentLogger()));
  gws.push(await startGateway(testConfig(env), silentLogger()));
}, 60_000);
afterAll(async () => {
  for (const gw of gws) await gw.stop();
  await core?.stop();
  await redis?.stop();
});

const post = (gw: RunningGateway, body: Record<string, unknown>) =>
  fetch(`${gw.url}/v1/intake/web`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const depth = async () => ((await (await fetch(`${gws[0]!.url}/healthz`)).json()) as { checks: { outbox: { depth: number } } }).checks.outbox.depth;

describe('two gateway instances on one Redis', () => {
  it('deliver every intake once, each citizen in acceptance order, one intake for a form sent to both, one limit, repeats linked across them', async () => {
    // 20 citizens, 8 submissions each, sent one after the other and alternately to each instance;
    // the citizens all at once.
    const accepted = new Map<string, string[]>();
    await Promise.all(
      Array.from({ length: 20 }, async (_, c) => {
        const phone = `1390000${String(c).padStart(4, '0')}`;
        const ids: string[] = [];
        for (let i = 0; i < 8; i++) {
          const res = await post(gws[i % 2]!, { content: `第${i}件事：${c}号楼电梯停运，老人上下楼困难`, phone });
          expect(res.status).toBe(202);
          ids.push(((await res.json()) as { intakeId: string }).intakeId);
        }
        accepted.set(`+86${phone}`, ids);
      }),
    );

    // A form submitted twice, to each instance at the same moment: one intake.
    const form = { content: '公园东门的护栏倒了', phone: '13700001111', clientRequestId: 'form-two-gw' };
    const both = (await Promise.all(gws.map(async (gw) => (await post(gw, form)).json()))) as { intakeId: string; duplicate: boolean }[];
    expect(both[1]!.intakeId).toBe(both[0]!.intakeId);
    expect(both.map((r) => r.duplicate).sort()).toEqual([false, true]);

    // Art. 34 (10 an hour by default): the first citizen's 9th and 10th go through, the 11th is
    // refused, whichever instance takes it.
    const phone = '13900000000';
    for (const gw of gws) {
      const res = await post(gw, { content: '又一件事：路灯不亮', phone });
      expect(res.status).toBe(202);
      accepted.get(`+86${phone}`)!.push(((await res.json()) as { intakeId: string }).intakeId);
    }
    const refused = await post(gws[0]!, { content: '再一件事：井盖丢了', phone });
    expect(refused.status).toBe(429);
    expect((await post(gws[1]!, { content: '再一件事：井盖丢了', phone })).status).toBe(429);

    await eventually(depth, (d) => d === 0, 30_000);
    const lines = readCoreFile(file);
    const ids = lines.map((l) => l.intake.intakeId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(lines).toHaveLength(20 * 8 + 1 + 2);
    expect(lines.filter((l) => l.intake.idempotencyKey === 'web:form-two-gw')).toHaveLength(1);
    const byCitizen = new Map<string, { intakeId: string; relatedIntakeIds?: string[] }[]>();
    for (const l of lines) {
      const key = (l.intake.citizen as { phone: string }).phone;
      byCitizen.set(key, [...(byCitizen.get(key) ?? []), { intakeId: l.intake.intakeId as string, relatedIntakeIds: (l.intake.links as { relatedIntakeIds?: string[] } | undefined)?.relatedIntakeIds }]);
    }
    for (const [key, list] of accepted) {
      const delivered = byCitizen.get(key)!;
      expect(delivered.map((d) => d.intakeId)).toEqual(list);
      // The second matter (accepted by the other instance) is linked to the first as a repeat.
      expect(delivered[1]!.relatedIntakeIds).toContain(list[0]);
    }
  }, 120_000);
});
