import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIntake } from '../../src/core/intake/draft.js';
import type { Intake, Urgency } from '../../src/core/intake/intake.js';
import type { CallDetailRecord } from '../../src/core/calls/call-record.js';
import { RedisKeys } from '../../src/adapters/redis/keys.js';
import { RedisIntakeOutbox } from '../../src/adapters/redis/redis-intake-outbox.js';
import { RedisCallRecordOutbox } from '../../src/adapters/redis/redis-call-record-outbox.js';
import { GrpcIntakeSink } from '../../src/adapters/grpc/grpc-intake-sink.js';
import { DevCore } from '../../src/dev-core/dev-core.js';
import { DeliveryWorker } from '../../src/services/delivery-worker.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { silentLogger } from '../helpers/logger.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const opts = { leaseMs: 1000, idempotencyTtlSeconds: 3600, statusRetentionSeconds: 3600 };
const keys = () => new RedisKeys(`t-${randomUUID().slice(0, 8)}:`);
let seq = 0;
function intake(phone: string, urgency: Urgency = 'URGENCY_NORMAL', key?: string): Intake {
  const i = buildIntake({ channel: 'CHANNEL_WEB', citizen: { phone }, content: { text: `诉求 ${++seq}` }, ...(key ? { idempotencyKey: key } : {}) }, `01I${Date.now()}${seq}`, new Date());
  return { ...i, classification: { ...i.classification, urgency } };
}
function cdr(callId: string, citizenKey: string, disposition: CallDetailRecord['disposition'] = 'abandoned'): CallDetailRecord {
  const now = new Date().toISOString();
  return {
    callId, switchId: 's', direction: 'inbound', caller: citizenKey, citizenKey, dialled: '12345', entry: { kind: 'citizen' },
    disposition, priority: 'normal', arrivedTime: now, endTime: now, durationSec: 1, hangupCause: 'NORMAL_CLEARING', callbackRequested: false, facts: [],
  };
}

describe('intake outbox on the shared outbox scripts (existing behaviour kept)', () => {
  it('critical first, FIFO per citizen, idempotent, lapsed leases reclaimed', async () => {
    const outbox = new RedisIntakeOutbox(redis.client(), keys(), opts);
    const a1 = intake('+8613800000001');
    const a2 = intake('+8613800000001');
    const b = intake('+8613800000002', 'URGENCY_CRITICAL');
    for (const i of [a1, a2, b]) expect((await outbox.enqueue(i)).duplicate).toBe(false);
    const dup = await outbox.enqueue({ ...intake('+8613800000009'), idempotencyKey: a1.idempotencyKey });
    expect(dup).toEqual({ intakeId: a1.intakeId, duplicate: true });

    const first = await outbox.lease(2);
    // Critical first; then a1. a2 stays behind: while a lease holds a citizen's intake, no other
    // lease takes that citizen's later ones (FIFO per citizen).
    expect(first.items.map((i) => i.intake.intakeId)).toEqual([b.intakeId, a1.intakeId]);
    expect((await outbox.lease(10)).items).toEqual([]);
    await outbox.settle(first, [{ intakeId: b.intakeId, outcome: 'delivered', workOrderId: 'WO1', duplicate: false }]);
    expect(await outbox.status(b.intakeId)).toMatchObject({ status: 'delivered', workOrderId: 'WO1' });
    // a1 went back in its place, ahead of a2.
    const second = await outbox.lease(1);
    expect(second.items.map((i) => i.intake.intakeId)).toEqual([a1.intakeId]);
    expect(second.items[0]!.attempts).toBe(2);
    // The worker holding `second` dies: after the lease lapses, a1 is leased again.
    await new Promise((r) => setTimeout(r, 1100));
    const third = await outbox.lease(10);
    expect(third.items.map((i) => [i.intake.intakeId, i.attempts])).toEqual([
      [a1.intakeId, 3],
      [a2.intakeId, 1],
    ]);
    expect(await outbox.stats()).toEqual({ depth: 2, inFlight: 2, failed: 0 });
  });

  it('the delivery worker still delivers intakes to the dev core', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hg-outbox-'));
    const core = new DevCore({ intakesFile: join(dir, 'intakes.jsonl'), log: silentLogger() });
    const address = await core.start();
    const sink = new GrpcIntakeSink({ address, deadlineMs: 5000 });
    const outbox = new RedisIntakeOutbox(redis.client(), keys(), opts);
    const metrics = { accepted: () => undefined, delivered: () => undefined, failed: () => undefined };
    const worker = new DeliveryWorker(outbox, sink, metrics, { batchSize: 10, idlePollMs: 20, retryMinMs: 20, retryMaxMs: 100 }, silentLogger());
    const items = [intake('+8613800000003'), intake('+8613800000003'), intake('+8613800000004')];
    for (const i of items) await outbox.enqueue(i);
    worker.start();
    for (let t = 0; (await outbox.stats()).depth > 0 && t < 200; t++) await new Promise((r) => setTimeout(r, 25));
    await worker.stop();
    const stored = readFileSync(join(dir, 'intakes.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { intake: Intake }).intake.intakeId);
    expect(stored.sort()).toEqual(items.map((i) => i.intakeId).sort());
    for (const i of items) expect((await outbox.status(i.intakeId))?.status).toBe('delivered');
    sink.close();
    await core.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  it('a burst of accepts wakes the worker once after wakeDelayMs: the burst goes in one batch, not one per intake', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hg-outbox-'));
    const core = new DevCore({ intakesFile: join(dir, 'intakes.jsonl'), log: silentLogger() });
    const grpcSink = new GrpcIntakeSink({ address: await core.start(), deadlineMs: 5000 });
    const batches: number[] = [];
    const sink = { submitBatch: (b: Intake[]) => (batches.push(b.length), grpcSink.submitBatch(b)) };
    const outbox = new RedisIntakeOutbox(redis.client(), keys(), opts);
    const metrics = { accepted: () => undefined, delivered: () => undefined, failed: () => undefined };
    // No idle poll during the test: only the wake-ups deliver.
    const worker = new DeliveryWorker(outbox, sink, metrics, { batchSize: 100, idlePollMs: 60_000, wakeDelayMs: 500, retryMinMs: 20, retryMaxMs: 100 }, silentLogger());
    worker.start();
    await new Promise((r) => setTimeout(r, 50)); // both loops found the outbox empty and wait
    const items = Array.from({ length: 20 }, (_, i) => intake(`+86138000001${String(i).padStart(2, '0')}`));
    await Promise.all(items.map(async (i) => (await outbox.enqueue(i), worker.wake())));
    expect(batches).toEqual([]);
    for (let t = 0; (await outbox.stats()).depth > 0 && t < 200; t++) await new Promise((r) => setTimeout(r, 25));
    await worker.stop();
    expect(batches).toEqual([20]);
    grpcSink.close();
    await core.stop();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('call-record outbox: the same scripts, its own namespace', () => {
  it('keeps its records apart from intakes, emergency records first, idempotent by call id, lapsed leases reclaimed', async () => {
    const k = keys();
    const client = redis.client();
    const intakes = new RedisIntakeOutbox(client, k, opts);
    const records = new RedisCallRecordOutbox(client, k, opts);
    await intakes.enqueue(intake('+8613800000005'));
    const plain = cdr('call-1', 'tel:+8613800000005');
    const emergency = cdr('call-2', 'tel:+8613800000006', 'emergency-transferred');
    expect(await records.enqueue(plain)).toEqual({ duplicate: false });
    expect(await records.enqueue(emergency)).toEqual({ duplicate: false });
    expect(await records.enqueue({ ...plain, disposition: 'answered' })).toEqual({ duplicate: true });

    expect(await intakes.stats()).toMatchObject({ depth: 1 });
    expect(await records.stats()).toMatchObject({ depth: 2 });
    const lease = await records.lease(10);
    expect(lease.items.map((i) => i.record.callId)).toEqual(['call-2', 'call-1']);
    expect(lease.items[1]!.record.disposition).toBe('abandoned'); // the first record stands
    expect((await intakes.lease(10)).items).toHaveLength(1); // intake leases never see call records

    await records.settle(lease, [{ callId: 'call-2', outcome: 'delivered', duplicate: false }]);
    expect(await records.status('call-2')).toBe('delivered');
    await new Promise((r) => setTimeout(r, 1100));
    const again = await records.lease(10);
    expect(again.items.map((i) => [i.record.callId, i.attempts])).toEqual([['call-1', 2]]);
  });
});
