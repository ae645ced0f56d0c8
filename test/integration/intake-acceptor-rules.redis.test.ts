import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisAbuseLimits } from '../../src/adapters/redis/redis-abuse-limits.js';
import { RedisAuditLog } from '../../src/adapters/redis/redis-audit-log.js';
import { RedisIntakeOutbox } from '../../src/adapters/redis/redis-intake-outbox.js';
import { RedisKeys } from '../../src/adapters/redis/keys.js';
import { RedisIntakeStore } from '../../src/adapters/redis/redis-intake-store.js';
import { RedisRecentIntakes } from '../../src/adapters/redis/redis-recent-intakes.js';
import { loadIntakeRules } from '../../src/config/intake-rules.js';
import { HotlineError } from '../../src/core/errors.js';
import type { IntakeDraft } from '../../src/core/intake/draft.js';
import type { IntakeMetrics } from '../../src/core/ports/intake-metrics.js';
import { compileIntakeRules } from '../../src/core/rules/intake-rules.js';
import { IntakeAcceptor } from '../../src/services/intake-acceptor.js';
import { IntakeRulesJudge } from '../../src/services/intake-rules-judge.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';

const noMetrics: IntakeMetrics = { accepted: () => undefined, delivered: () => undefined, failed: () => undefined };

// The one intake path with the rules, the repeat lookup and the abuse limits on a real redis-server:
// the separate adapters one after the other, and the one script (store-intake-7) that the gateway
// runs, through the same cases.
describe.each(['one after the other', 'in one script'] as const)('IntakeAcceptor with rules and limits (%s)', (composition) => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  const make = (options: { max?: number; windowHours?: number } = {}) => {
    const keys = new RedisKeys(`t-${randomUUID()}:`);
    const client = redis.client();
    const outbox = new RedisIntakeOutbox(client, keys, { leaseMs: 30_000, idempotencyTtlSeconds: 3600, statusRetentionSeconds: 3600 });
    const audit = new RedisAuditLog(client, keys);
    const limits = new RedisAbuseLimits(client, keys, audit, { intake: { max: options.max ?? 100, windowSeconds: 60 }, call: { max: 100, windowSeconds: 60 }, maxRestrictionDays: 30 });
    const cfg = loadIntakeRules();
    const rules = compileIntakeRules({ ...cfg, repeats: { ...cfg.repeats, windowHours: options.windowHours ?? cfg.repeats.windowHours } });
    const recent = new RedisRecentIntakes(client, keys, { maxPerCitizen: 50 });
    const judge = new IntakeRulesJudge(rules, recent);
    const acceptor = new IntakeAcceptor(
      outbox,
      noMetrics,
      judge.judge,
      undefined,
      undefined,
      composition === 'one after the other'
        ? { limits, onStored: judge.stored }
        : { limits, store: new RedisIntakeStore(client, keys, outbox, limits, recent), remember: judge.memory },
    );
    return { acceptor, limits, outbox, audit, recent };
  };
  const draft = (text: string, phone = '+8613912345678', idempotencyKey?: string): IntakeDraft => ({
    channel: 'CHANNEL_WEB',
    citizen: { phone },
    content: { text },
    ...(idempotencyKey ? { idempotencyKey } : {}),
  });

  it('links a citizen\'s similar matter to the earlier intake, not another citizen\'s', async () => {
    const { acceptor } = make();
    const first = await acceptor.accept(draft('小区门口的路灯坏了半个月了，一直没人修'));
    const other = await acceptor.accept(draft('请问办理居住证需要带什么材料'));
    const again = await acceptor.accept(draft('小区门口路灯又坏了，还是没人修'));
    expect(again.intake.links?.relatedIntakeIds).toEqual([first.intake.intakeId]);
    expect(again.intake.links?.relatedIntakeIds).not.toContain(other.intake.intakeId);
    const someoneElse = await acceptor.accept(draft('小区门口路灯又坏了，还是没人修', '+8613700000000'));
    expect(someoneElse.intake.links?.relatedIntakeIds).toBeUndefined();
  });

  it('a channel retry (same idempotency key) is not remembered as a second matter', async () => {
    const { acceptor } = make();
    const a = await acceptor.accept(draft('楼下烧烤摊每天营业到凌晨两点', undefined, 'web:r1'));
    const retry = await acceptor.accept(draft('楼下烧烤摊每天营业到凌晨两点', undefined, 'web:r1'));
    expect(retry.duplicate).toBe(true);
    const third = await acceptor.accept(draft('楼下烧烤摊每天营业到凌晨两点太吵'));
    expect(third.intake.links?.relatedIntakeIds).toEqual([a.intake.intakeId]);
  });

  it('does not link beyond the configured window', async () => {
    const { acceptor } = make({ windowHours: 1 / 3600 }); // one second
    await acceptor.accept(draft('小区垃圾桶好几天没人清运了'));
    await sleep(1200);
    const later = await acceptor.accept(draft('小区垃圾桶好几天没人清运了'));
    expect(later.intake.links?.relatedIntakeIds).toBeUndefined();
  });

  it('a restricted citizen is refused politely and nothing is stored; an emergency still gets through, flagged', async () => {
    const { acceptor, limits, outbox } = make();
    await limits.restrict('tel:+8613912345678', { reason: '恶意骚扰', until: new Date(Date.now() + 60_000), by: 'supervisor:li' });
    const err = await acceptor.accept(draft('我要投诉物业')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HotlineError);
    expect(err).toMatchObject({ code: 'RATE_LIMITED' });
    expect((err as Error).message).toMatch(/暂时受到限制.*自动解除.*110、119、120、122/);
    expect((await outbox.stats()).depth).toBe(0);

    const fire = await acceptor.accept(draft('着火了！三号楼五楼冒大烟'));
    expect(fire.intake.emergencyLine).toBe('EMERGENCY_LINE_119');
    expect(fire.intake.decisions.find((d) => d.rule === 'limits.emergency-bypass')?.outcome).toBe('ACCEPTED_WHILE_RESTRICTED');
    expect((await outbox.stats()).depth).toBe(1);
  });

  it('a channel retry of the same message counts once and is not refused', async () => {
    const { acceptor } = make({ max: 2 });
    const first = await acceptor.accept(draft('路灯坏了', undefined, 'wechat:msg-1'));
    for (let i = 0; i < 3; i++) {
      const retry = await acceptor.accept(draft('路灯坏了', undefined, 'wechat:msg-1'));
      expect(retry).toMatchObject({ duplicate: true, intake: { intakeId: first.intake.intakeId } });
    }
    await acceptor.accept(draft('井盖丢了', undefined, 'wechat:msg-2'));
    const err = await acceptor.accept(draft('垃圾没人清运', undefined, 'wechat:msg-3')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'RATE_LIMITED' });
    // The retry of a message let through earlier still gets its intake number.
    expect(await acceptor.accept(draft('井盖丢了', undefined, 'wechat:msg-2'))).toMatchObject({ duplicate: true });
  });

  it('a refused attempt is neither stored nor remembered as an earlier matter', async () => {
    const { acceptor, outbox, recent } = make({ max: 1 });
    const first = await acceptor.accept(draft('楼下烧烤摊每天营业到凌晨两点'));
    const refused = await acceptor.accept(draft('小区东门路灯坏了一个星期')).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'RATE_LIMITED' });
    expect((await outbox.stats()).depth).toBe(1);
    const remembered = await recent.recent('tel:+8613912345678', new Date(0), 10);
    expect(remembered.map((e) => e.intakeId)).toEqual([first.intake.intakeId]);
  });

  it('rate-limits repeated submissions but never counts emergencies', async () => {
    const { acceptor } = make({ max: 2 });
    await acceptor.accept(draft('煤气味很重'));
    await acceptor.accept(draft('有人晕倒了叫不醒'));
    await acceptor.accept(draft('路灯坏了'));
    await acceptor.accept(draft('井盖丢了'));
    const err = await acceptor.accept(draft('垃圾没人清运')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'RATE_LIMITED' });
    expect((err as Error).message).toMatch(/短时间内提交的诉求较多.*分钟后/);
    const stillAnEmergency = await acceptor.accept(draft('楼道里电动车起火了'));
    expect(stillAnEmergency.intake.emergencyLine).toBe('EMERGENCY_LINE_119');
  });
});
