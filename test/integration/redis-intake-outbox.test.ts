import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisKeys } from '../../src/adapters/redis/keys.js';
import { RedisIntakeOutbox } from '../../src/adapters/redis/redis-intake-outbox.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { anIntake } from '../builders/intake.js';

let server: TestRedis;
let redis: Redis;
let outbox: RedisIntakeOutbox;

const options = { leaseMs: 1000, idempotencyTtlSeconds: 3600, statusRetentionSeconds: 3600 };

beforeAll(async () => {
  server = await startRedis();
  redis = server.client();
});
afterAll(() => server.stop());
beforeEach(() => {
  outbox = new RedisIntakeOutbox(redis, new RedisKeys(`test-${randomUUID()}:`), options);
});

const ids = (lease: { items: { intake: { intakeId: string } }[] }) => lease.items.map((i) => i.intake.intakeId);

describe('RedisIntakeOutbox', () => {
  it('keeps one intake per idempotency key and answers the first intake id', async () => {
    const first = anIntake({ key: 'web:req-1' });
    const again = anIntake({ key: 'web:req-1' });
    expect(await outbox.enqueue(first)).toEqual({ intakeId: first.intakeId, duplicate: false });
    expect(await outbox.enqueue(again)).toEqual({ intakeId: first.intakeId, duplicate: true });
    expect((await outbox.stats()).depth).toBe(1);
    expect(await outbox.status(again.intakeId)).toBeUndefined();
    expect((await outbox.status(first.intakeId))?.status).toBe('queued');
  });

  it('delivers critical intakes ahead of urgent and normal ones, each in acceptance order', async () => {
    const n1 = anIntake({ phone: '+8613800000001' });
    const c1 = anIntake({ phone: '+8613800000002', urgency: 'URGENCY_CRITICAL' });
    const n2 = anIntake({ phone: '+8613800000003' });
    const u1 = anIntake({ phone: '+8613800000004', urgency: 'URGENCY_URGENT' });
    const c2 = anIntake({ phone: '+8613800000005', urgency: 'URGENCY_CRITICAL' });
    for (const i of [n1, c1, n2, u1, c2]) await outbox.enqueue(i);
    const lease = await outbox.lease(10);
    expect(ids(lease)).toEqual([c1, c2, u1, n1, n2].map((i) => i.intakeId));
  });

  it('lets only one lease deliver a citizen at a time, so their intakes arrive in order', async () => {
    const a1 = anIntake({ phone: '+8613800000011', text: 'a1' });
    const b1 = anIntake({ phone: '+8613800000022', text: 'b1' });
    const a2 = anIntake({ phone: '+8613800000011', text: 'a2' });
    const b2 = anIntake({ phone: '+8613800000022', text: 'b2' });
    for (const i of [a1, b1, a2, b2]) await outbox.enqueue(i);

    const first = await outbox.lease(1); // a1 only
    expect(ids(first)).toEqual([a1.intakeId]);
    const second = await outbox.lease(10); // a2 must wait for a1's lease; b1, b2 may go
    expect(ids(second)).toEqual([b1.intakeId, b2.intakeId]);
    expect(ids(await outbox.lease(10))).toEqual([]);

    await outbox.settle(first, [{ intakeId: a1.intakeId, outcome: 'delivered', workOrderId: 'WO1', duplicate: false }]);
    expect(ids(await outbox.lease(10))).toEqual([a2.intakeId]);
  });

  it('puts back what the core did not acknowledge, in its old place', async () => {
    const i1 = anIntake({ phone: '+8613800000031' });
    const i2 = anIntake({ phone: '+8613800000032' });
    const i3 = anIntake({ phone: '+8613800000033' });
    for (const i of [i1, i2, i3]) await outbox.enqueue(i);
    const lease = await outbox.lease(10);
    await outbox.settle(lease, [{ intakeId: i1.intakeId, outcome: 'delivered', workOrderId: 'WO9', duplicate: false }]);
    const status = await outbox.status(i1.intakeId);
    expect(status).toMatchObject({ status: 'delivered', workOrderId: 'WO9', attempts: 1 });
    const again = await outbox.lease(10);
    expect(ids(again)).toEqual([i2.intakeId, i3.intakeId]);
    expect(again.items.map((i) => i.attempts)).toEqual([2, 2]);
  });

  it('marks an intake the core refuses for good as failed and keeps it for inspection', async () => {
    const bad = anIntake();
    await outbox.enqueue(bad);
    const lease = await outbox.lease(10);
    await outbox.settle(lease, [{ intakeId: bad.intakeId, outcome: 'failed', error: 'INVALID_ARGUMENT: no' }]);
    expect(await outbox.status(bad.intakeId)).toMatchObject({ status: 'failed', error: 'INVALID_ARGUMENT: no' });
    expect(await outbox.stats()).toEqual({ depth: 0, inFlight: 0, failed: 1 });
  });

  it('returns the intakes of a lapsed lease (a dead worker) before later intakes of the same citizen', async () => {
    const x1 = anIntake({ phone: '+8613800000041', text: 'x1' });
    await outbox.enqueue(x1);
    const dead = await outbox.lease(10); // this worker dies: never settles
    expect(ids(dead)).toEqual([x1.intakeId]);
    const x2 = anIntake({ phone: '+8613800000041', text: 'x2' });
    await outbox.enqueue(x2);
    expect(ids(await outbox.lease(10))).toEqual([]); // x2 waits behind x1's live lease
    await sleep(options.leaseMs + 100);
    const next = await outbox.lease(10);
    expect(ids(next)).toEqual([x1.intakeId, x2.intakeId]);
    // The dead worker wakes up and settles late: harmless, x1 is delivered once in the outbox's eyes.
    await outbox.settle(dead, [{ intakeId: x1.intakeId, outcome: 'delivered', workOrderId: 'WO1', duplicate: false }]);
    await outbox.settle(next, [
      { intakeId: x1.intakeId, outcome: 'delivered', workOrderId: 'WO1', duplicate: true },
      { intakeId: x2.intakeId, outcome: 'delivered', workOrderId: 'WO2', duplicate: false },
    ]);
    expect(await outbox.stats()).toEqual({ depth: 0, inFlight: 0, failed: 0 });
    expect((await outbox.status(x2.intakeId))?.workOrderId).toBe('WO2');
  });

  it('keeps a very long queue ordered exactly (scores are exact integers)', async () => {
    const keys = new RedisKeys(`test-${randomUUID()}:`);
    const big = new RedisIntakeOutbox(redis, keys, options);
    await redis.set(keys.outboxSequence, 999_999_999_990); // far into the sequence
    const list = Array.from({ length: 20 }, (_, i) => anIntake({ phone: `+86138000001${String(i).padStart(2, '0')}` }));
    for (const i of list) await big.enqueue(i);
    expect(ids(await big.lease(50))).toEqual(list.map((i) => i.intakeId));
  });
});
