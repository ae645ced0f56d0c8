import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../src/app/gateway.js';
import { silentLogger } from '../helpers/logger.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { eventually, readCoreFile, testConfig } from '../helpers/gateway.js';
import type { Config } from '../../src/config/schema.js';

let redis: TestRedis;
let gw: RunningGateway;
let config: Config;

beforeAll(async () => {
  redis = await startRedis();
  config = testConfig({ HOTLINE_REDIS_URL: redis.url });
  gw = await startGateway(config, silentLogger());
});
afterAll(async () => {
  await gw?.stop();
  await redis?.stop();
});

const post = (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(`${gw.url}/v1/intake/web`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

const coreLines = () => readCoreFile(config.devCore.file);
const depth = async () => ((await (await fetch(`${gw.url}/healthz`)).json()) as { checks: { outbox: { depth: number } } }).checks.outbox.depth;

describe('web channel → outbox → work-order core', () => {
  it('answers 202 with the intake id and delivers the record to the core once', async () => {
    const res = await post({
      content: '人民路与解放路交叉口红绿灯不亮，车辆拥堵',
      phone: '138 1234 5678',
      name: '李四',
      location: { text: '人民路与解放路交叉口', latitude: 35.747, longitude: 114.297, datum: 'GCJ02' },
      incidentTime: '2026-11-21T19:30:00+08:00',
      confidential: true,
    });
    expect(res.status).toBe(202);
    const { intakeId, message } = (await res.json()) as { intakeId: string; message: string };
    expect(intakeId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(message).toContain(intakeId);
    expect(res.headers.get('location')).toBe(`/v1/intake/${intakeId}`);

    const status = await eventually(
      async () => (await (await fetch(`${gw.url}/v1/intake/${intakeId}`)).json()) as { status: string; workOrderId?: string },
      (s) => s.status === 'delivered',
    );
    const lines = coreLines().filter((l) => l.intake.intakeId === intakeId);
    expect(lines).toHaveLength(1);
    expect(status.workOrderId).toBe(lines[0]!.workOrderId);
    expect(lines[0]!.intake).toMatchObject({
      channel: 'CHANNEL_WEB',
      citizen: { phone: '+8613812345678', name: '李四', confidentialityRequested: true, citizenKey: 'tel:+8613812345678' },
      content: { text: '人民路与解放路交叉口红绿灯不亮，车辆拥堵' },
      incident: {
        time: '2026-11-21T11:30:00.000Z',
        location: { coordinates: { latitude: 35.747, longitude: 114.297, datum: 'DATUM_GCJ02' } },
      },
    });
    // Contact, content, time and place are all there (art. 13): nothing is listed missing.
    expect(lines[0]!.intake.missingElements).toBeUndefined();
  });

  it('lists the missing required elements on the record', async () => {
    const res = await post({ content: '噪音扰民' });
    const { intakeId } = (await res.json()) as { intakeId: string };
    await eventually(coreLines, (ls) => ls.some((l) => l.intake.intakeId === intakeId));
    const line = coreLines().find((l) => l.intake.intakeId === intakeId)!;
    expect(line.intake.missingElements).toEqual(['REQUIRED_ELEMENT_CONTACT', 'REQUIRED_ELEMENT_TIME', 'REQUIRED_ELEMENT_PLACE']);
  });

  it('gives the same intake id and one record for the same clientRequestId', async () => {
    const body = { content: '公交站牌被撞坏', phone: '13900001111', clientRequestId: 'form-7f3a' };
    const first = (await (await post(body)).json()) as { intakeId: string; duplicate: boolean };
    const second = (await (await post(body)).json()) as { intakeId: string; duplicate: boolean };
    expect(second.intakeId).toBe(first.intakeId);
    expect([first.duplicate, second.duplicate]).toEqual([false, true]);
    await eventually(coreLines, (ls) => ls.some((l) => l.intake.intakeId === first.intakeId));
    await eventually(depth, (d) => d === 0);
    expect(coreLines().filter((l) => l.intake.idempotencyKey === 'web:form-7f3a')).toHaveLength(1);
  });

  it.each([
    ['malformed JSON', '{"content": "路灯', 400, '(body)'],
    ['a JSON array', '[1,2]', 400, '(body)'],
    ['no content', { phone: '13800001111' }, 400, 'content'],
    ['blank content', { content: '   ' }, 400, 'content'],
    ['content of the wrong type', { content: 42 }, 400, 'content'],
    ['an invalid phone', { content: '路灯坏了', phone: '12345abc' }, 400, 'phone'],
    ['an unknown field', { content: '路灯坏了', phoneNumber: '13800001111' }, 400, 'phoneNumber'],
    ['latitude out of range', { content: '路灯坏了', location: { latitude: 95, longitude: 114, datum: 'WGS84' } }, 400, 'location'],
    ['coordinates without a datum', { content: '路灯坏了', location: { latitude: 35, longitude: 114 } }, 400, 'location.datum'],
    ['a bad clientRequestId', { content: '路灯坏了', clientRequestId: 'a b' }, 400, 'clientRequestId'],
    ['content over the limit', { content: '长'.repeat(5001) }, 400, 'content'],
    ['a body over the size limit', { content: 'x'.repeat(70_000) }, 413, '(body)'],
  ])('rejects %s with %i naming the field, and stores nothing', async (_what, body, status, field) => {
    const before = coreLines().length;
    const depthBefore = await depth();
    const res = await post(body);
    expect(res.status).toBe(status);
    const err = (await res.json()) as { code: string; field: string; message: string };
    expect(err.field).toBe(field);
    expect(err.code).toBe('INVALID_FIELD');
    expect(err.message).toMatch(/[\u4e00-\u9fa5]/); // shown to people: Chinese
    expect(await depth()).toBe(depthBefore);
    expect(coreLines().length).toBe(before);
  });

  it('rejects a wrong content type with 415', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const res = await post('content=路灯', { 'content-type': type });
      expect(res.status).toBe(415);
      expect(((await res.json()) as { field: string }).field).toBe('content-type');
    }
  });

  it('answers 404 for an unknown intake and 400 for a malformed id', async () => {
    expect((await fetch(`${gw.url}/v1/intake/01M80QK4JMF13GNP99VY0C4XT7`)).status).toBe(404);
    const bad = await fetch(`${gw.url}/v1/intake/not-an-id`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { field: string }).field).toBe('id');
  });

  it('reports health, readiness and Prometheus metrics', async () => {
    const health = (await (await fetch(`${gw.url}/healthz`)).json()) as {
      status: string;
      checks: { redis: { ok: boolean }; core: { ok: boolean; development: boolean }; outbox: { depth: number } };
    };
    expect(health.status).toBe('ok');
    expect(health.checks.redis.ok).toBe(true);
    expect(health.checks.core).toMatchObject({ ok: true, development: true });
    expect((await fetch(`${gw.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/hotline_intakes_accepted_total\{channel="web"\} [1-9]/);
    expect(metrics).toMatch(/hotline_intakes_delivered_total\{channel="web"\} [1-9]/);
    expect(metrics).toMatch(/hotline_intakes_duplicate_total\{channel="web"\} 1/);
    expect(metrics).toMatch(/hotline_outbox_depth \d/);
    expect(metrics).toMatch(/hotline_intake_delivery_latency_seconds_bucket/);
  });
});
