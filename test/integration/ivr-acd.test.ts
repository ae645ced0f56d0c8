// The IVR's queue step is the ACD: a caller's place, position and estimated wait announced at the
// queue's interval, the callback offer past its wait, overflow keeping the place, and a hang-up
// during an offer freeing the agent at once. Simulated switch, real Redis, the dev core over gRPC.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { startIvr, type IvrHarness } from '../helpers/ivr-harness.js';

let redis: TestRedis;
let h: IvrHarness;
let n = 0;
const number = () => `1390013${String(1000 + ++n).padStart(4, '0')}`;

/** Waits for a condition (no fixed sleeps: the machine may be loaded). */
async function until(probe: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  redis = await startRedis();
  // Seconds instead of the shipped tens of seconds, so the test sees several announcements.
  h = await startIvr(redis, {
    promptMs: 100,
    queues: {
      // The offer well after the first announcement (~1 s): a loaded machine may delay that by seconds.
      general: { announceEverySec: 1, callbackOfferAfterSec: 4 },
      enterprise: { announceEverySec: 60, overflow: { afterSec: 1, to: 'general' } },
      'sub-12348': { kind: 'sub-centre', line: '12348', announceEverySec: 60 },
      'sub-12366': { kind: 'sub-centre', line: '12366', externalNumber: '12366', announceEverySec: 60 },
    },
  });
});
afterAll(async () => {
  await h?.stop();
  await redis?.stop();
});

describe('the IVR on the ACD', () => {
  it('announces position and estimated wait every interval, offers the callback past its wait, and the key registers it', async () => {
    // One agent with the general skill, not ready: staffed 1, available 0.
    await h.acd.login('agent-busy', { general: 1 }, Date.now());
    await h.acd.setState('agent-busy', 'not-ready', Date.now(), 'meeting');
    const ahead = h.sim.placeCall({ caller: number() });
    await ahead.waitForMedia('welcome');
    const caller = number();
    const c = h.sim.placeCall({ caller });
    await c.waitForMedia('holdMusic');
    // Second in line; (2 − ½) × 240 s ÷ 1 agent = 6 minutes.
    await c.waitForMedia('queueAhead1', { timeoutMs: 5000 });
    await c.waitForMedia('queueWait6');
    await c.waitForMedia('holdMusic', { nth: 2 });
    expect(c.heard.slice(0, 5)).toEqual(['welcome', 'holdMusic', 'queueAhead1', 'queueWait6', 'holdMusic']);
    // Past 4 s of waiting, the announcement ends with the callback offer.
    await c.waitForMedia('queueCallbackOffer', { timeoutMs: 10_000 });
    await c.press('4');
    await c.waitForMedia('callbackRegistered');
    expect(await h.callbackStore.pendingFor(`tel:+86${caller}`)).toMatchObject({ callIds: [c.callId], queues: ['general'], kind: 'keep-place' });
    const announced = (await h.calls.facts(c.callId)).filter((f) => f.type === 'queue.announced');
    expect(announced[0]!.detail).toEqual({ position: '2', estimatedWaitSec: '360', callbackOffered: 'false' });
    expect(announced.some((f) => f.detail!.callbackOffered === 'true')).toBe(true);
    // Once requested, the offer is not repeated.
    const offers = c.heard.filter((m) => m === 'queueCallbackOffer').length;
    await c.waitForMedia('queueAhead1', { nth: announced.length + 1, timeoutMs: 5000 });
    await c.waitForMedia('holdMusic', { nth: c.heard.filter((m) => m === 'holdMusic').length + 1 });
    expect(c.heard.filter((m) => m === 'queueCallbackOffer').length).toBe(offers);
    await c.hangup();
    await ahead.hangup();
    await h.acd.logout('agent-busy', Date.now());
  });

  it('overflows a waiting caller to the general queue keeping their arrival place', async () => {
    const first = h.sim.placeCall({ caller: number() });
    await first.waitForMedia('welcome');
    await first.press('1');
    await first.waitForMedia('enterpriseQueue');
    const later = h.sim.placeCall({ caller: number() });
    await later.waitForMedia('welcome');
    expect(await h.acd.position(first.callId)).toEqual({ queue: 'enterprise', position: 1 });
    expect(await h.waiting('general')).toEqual([later.callId]);
    // After a second in the enterprise queue: back in general, ahead of the later caller.
    await first.waitUntil(() => h.queueEvents.some((e) => e.type === 'moved' && e.callId === first.callId && e.why === 'overflow'), 'overflow', 5000);
    expect(await h.waiting('general')).toEqual([first.callId, later.callId]);
    const moved = (await h.calls.facts(first.callId)).filter((f) => f.type === 'queue.moved').map((f) => f.detail);
    expect(moved).toEqual([
      { from: 'general', to: 'enterprise', why: 'key' },
      { from: 'enterprise', to: 'general', why: 'overflow' },
    ]);
    await first.hangup();
    const [cdr] = await h.cdrLines(first.callId);
    expect(cdr).toMatchObject({ disposition: 'DISPOSITION_ABANDONED', queue: 'general' });
    await later.hangup();
  });

  it('a caller hanging up while an agent is offered the call frees the agent at once', async () => {
    const c = h.sim.placeCall({ caller: number() });
    await c.waitForMedia('welcome');
    await h.acd.login('agent-7', { general: 1 }, Date.now() - 5000);
    const [offer] = await h.acd.dispatch(['general'], Date.now());
    expect(offer).toMatchObject({ callId: c.callId, agentId: 'agent-7', owner: 'gw-test' });
    expect((await h.acd.status('agent-7')).state).toBe('reserved');
    await c.hangup();
    await until(() => h.queueEvents.some((e) => e.type === 'left' && e.callId === c.callId));
    expect(h.queueEvents.find((e) => e.type === 'left' && e.callId === c.callId)).toMatchObject({ releasedAgent: 'agent-7' });
    expect(await h.acd.status('agent-7')).toMatchObject({ state: 'available' });
    expect(await h.acd.accept('agent-7', c.callId, Date.now())).toBe(false);
    expect(await h.acd.lapsed(Date.now() + 60_000)).toEqual([]);
    const [cdr] = await h.cdrLines(c.callId);
    expect(cdr).toMatchObject({ disposition: 'DISPOSITION_ABANDONED' });
    await h.acd.logout('agent-7', Date.now());
  });

  it('a sub-centre line answered here (双号并行) waits in its own queue; one that runs its own agents, or none, in the general queue', async () => {
    const local = h.sim.placeCall({ caller: number(), entry: { kind: 'sub-centre', fromLine: '12348' } });
    const external = h.sim.placeCall({ caller: number(), entry: { kind: 'sub-centre', fromLine: '12366' } });
    const unknown = h.sim.placeCall({ caller: number(), entry: { kind: 'sub-centre', fromLine: '12315' } });
    for (const c of [local, external, unknown]) await c.waitForMedia('welcome');
    expect((await h.acd.position(local.callId))?.queue).toBe('sub-12348');
    expect((await h.acd.position(external.callId))?.queue).toBe('general');
    expect((await h.acd.position(unknown.callId))?.queue).toBe('general');
    for (const c of [local, external, unknown]) await c.hangup();
  });
});
