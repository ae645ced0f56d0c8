import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../src/app/gateway.js';
import { RedisKeys } from '../../src/adapters/redis/keys.js';
import { RedisUserStore } from '../../src/adapters/redis/redis-user-store.js';
import { RedisAuditLog } from '../../src/adapters/redis/redis-audit-log.js';
import { TokenSigner } from '../../src/services/auth/tokens.js';
import type { DeskCommand } from '../../src/core/ports/desk.js';
import { DeskServiceDouble } from '../doubles/desk-doubles.js';
import { DeskClient } from '../helpers/desk-client.js';
import { eventually, testConfig } from '../helpers/gateway.js';
import { silentLogger } from '../helpers/logger.js';
import { login, seedUser } from '../helpers/people.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';

const SECRET = 'desk-ws-test-secret-0123456789-abcdef';

// The agent desktop's WebSocket on the composed gateway: real ws clients, a real redis-server,
// real login over HTTP and the gateway's real live figures; the desk service is a test double (the
// ws layer's job is authentication, validation, role checks and forwarding).
describe('agent desktop over WebSocket', () => {
  let redis: TestRedis;
  let gw: RunningGateway;
  let base: string;
  let store: RedisUserStore;
  let keys: RedisKeys;
  let stopped = false;
  const desk = new DeskServiceDouble();
  const clients: DeskClient[] = [];
  const open = async (options: Parameters<typeof DeskClient.connect>[1] = {}) => {
    const c = await DeskClient.connect(base, options);
    clients.push(c);
    return c;
  };
  const agentToken = () => login(base, 'a1001');
  const supervisorToken = () => login(base, 'ban.zhang');

  beforeAll(async () => {
    redis = await startRedis();
    const config = testConfig({ HOTLINE_REDIS_URL: redis.url, HOTLINE_AUTH_TOKEN_SECRET: SECRET });
    Object.assign(config.auth.desk, {
      heartbeatSeconds: 1,
      logoutGraceSeconds: 1,
      agentsEverySeconds: 1,
      authTimeoutSeconds: 2,
      framesPerSecond: 20,
      burst: 40,
      maxFrameBytes: 4096,
    });
    config.figures.feedIntervalMs = 300;
    gw = await startGateway(config, silentLogger(), { desk, agentStates: desk });
    base = gw.url;
    keys = new RedisKeys(config.redis.keyPrefix);
    store = new RedisUserStore(redis.client(), keys);
    await seedUser(store, 'a1001', ['agent'], {
      skills: { general: 1, enterprise: 2 },
      endpoint: { kind: 'user', user: '1001' },
    });
    await seedUser(store, 'a1002', ['agent'], {
      skills: { general: 3 },
      endpoint: { kind: 'uri', uri: 'sip:1002@10.0.0.9' },
    });
    await seedUser(store, 'ban.zhang', ['supervisor']);
    await seedUser(store, 'qc.li', ['quality']);
  });
  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    if (!stopped) await gw?.stop();
    await redis.stop();
  });

  it('requires a token: none, an invalid one, or one in the URL query are refused; a token in Sec-WebSocket-Protocol or a first auth frame is accepted', async () => {
    await expect(DeskClient.connect(base, { token: 'not.a.valid-token-at-all' })).rejects.toMatchObject({
      status: 401,
    });
    const token = await agentToken();
    const ws = new (await import('ws')).WebSocket(
      `${base.replace('http', 'ws')}/v1/desk?access_token=${token}`,
      ['hotline.desk.v1'],
    );
    const status = await new Promise<number>((r) =>
      ws.once('unexpected-response', (_q, res) => r(res.statusCode!)),
    );
    expect(status).toBe(400);

    const anonymous = await open();
    const refused = await anonymous.request({ type: 'call.answer', callId: 'c1' });
    expect(refused).toMatchObject({ type: 'error', code: 'UNAUTHENTICATED' });
    const bad = await anonymous.request({ type: 'auth', token: 'x'.repeat(40) });
    expect(bad).toMatchObject({
      type: 'error',
      code: 'UNAUTHENTICATED',
      message: expect.stringContaining('登录'),
    });
    expect((await anonymous.closed).code).toBe(4401);

    const byFrame = await open();
    const hello = await byFrame.request({ type: 'auth', token });
    expect(hello).toMatchObject({
      type: 'hello',
      protocol: 'hotline.desk.v1',
      user: { username: 'a1001', roles: ['agent'] },
    });
    const byHeader = await open({ token });
    expect(byHeader.ws.protocol).toBe('hotline.desk.v1');
    expect(await byHeader.next((f) => f.type === 'hello')).toMatchObject({ user: { username: 'a1001' } });

    const silent = await open();
    expect(await silent.next((f) => f.type === 'session.closing', 4000)).toMatchObject({
      reason: 'auth-timeout',
    });
    expect((await silent.closed).code).toBe(4401);
  });

  it('a bad frame gets an error frame naming the field in Chinese, and the connection stays usable', async () => {
    const c = await open({ token: await agentToken() });
    await c.next((f) => f.type === 'hello');
    const cases: [unknown, string, RegExp][] = [
      ['{not json', '(frame)', /JSON/],
      [[1, 2], '(frame)', /对象/],
      [{ type: 'ping' }, 'v', /版本/],
      [{ v: 2, type: 'ping', id: 'k' }, 'v', /版本/],
      [{ v: 1, id: 'k' }, 'type', /type/],
      [{ v: 1, type: 'call.teleport', id: 'k' }, 'type', /未知的消息类型/],
      [{ v: 1, type: 'call.answer', id: 'k' }, 'callId', /缺少必填字段 callId/],
      [{ v: 1, type: 'call.answer', id: 'k', callId: 'c 1' }, 'callId', /格式/],
      [{ v: 1, type: 'call.answer', id: 'k', callId: 'c1', colour: 'red' }, 'colour', /不支持的字段/],
      [{ v: 1, type: 'transfer.blind', id: 'k', callId: 'c1', to: { kind: 'moon' } }, 'to.kind', /取值/],
      [{ v: 1, type: 'transfer.blind', id: 'k', callId: 'c1', to: { kind: 'queue' } }, 'to.queue', /缺少/],
      [{ v: 1, type: 'state.set', id: 'k', state: 'not-ready', reason: 'missed-offer' }, 'reason', /取值/],
      [
        {
          v: 1,
          type: 'wrapup.submit',
          id: 'k',
          callId: 'c1',
          form: { type: 'COMPLAINT', content: '', confidential: false },
        },
        'form.content',
        /不能为空/,
      ],
      [
        { v: 1, type: 'emergency.handoff', id: 'k', callId: 'c1', line: '999', summary: '着火' },
        'line',
        /取值/,
      ],
    ];
    for (const [frame, field, message] of cases) {
      c.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
      const e = await c.next((f) => f.type === 'error');
      expect(e, JSON.stringify(frame)).toMatchObject({
        code: 'INVALID_FIELD',
        field,
        message: expect.stringMatching(message),
      });
      if (typeof frame === 'object' && frame && 'id' in frame) expect(e.id).toBe('k');
    }
    c.ws.send(Buffer.from([1, 2, 3]));
    expect(await c.next((f) => f.type === 'error')).toMatchObject({ field: '(frame)' });
    c.send({ type: 'ping', id: 'big', pad: 'x'.repeat(5000) });
    expect(await c.next((f) => f.type === 'error')).toMatchObject({
      code: 'INVALID_FIELD',
      message: expect.stringContaining('消息过大'),
    });
    expect(await c.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
    expect(c.invalid).toEqual([]);
  });

  it('agents: desk.login uses the profile from the user store; every desk command is forwarded with the agent id; notices are pushed', async () => {
    const c = await open({ token: await agentToken() });
    await c.next((f) => f.type === 'hello');
    expect(await c.request({ type: 'call.answer', callId: 'c1' })).toMatchObject({
      type: 'error',
      code: 'CONFLICT',
      message: expect.stringContaining('desk.login'),
    });

    const loggedIn = await c.request({ type: 'desk.login' });
    expect(loggedIn).toMatchObject({
      type: 'result',
      ok: true,
      detail: { status: { agentId: 'a1001', state: 'not-ready' } },
    });
    expect(desk.logins.at(-1)).toEqual({
      agentId: 'a1001',
      name: '测试a1001',
      skills: { general: 1, enterprise: 2 },
      endpoint: { kind: 'user', user: '1001' },
    });
    expect(await c.next((f) => f.type === 'notice')).toMatchObject({
      notice: { type: 'agent.state', status: { agentId: 'a1001' } },
    });

    const commands: DeskCommand[] = [
      { type: 'state.set', state: 'available' },
      { type: 'state.set', state: 'not-ready', reason: 'training' },
      { type: 'call.answer', callId: 'c1' },
      { type: 'call.decline', callId: 'c1' },
      { type: 'call.hold', callId: 'c1' },
      { type: 'call.unhold', callId: 'c1' },
      { type: 'call.hangup', callId: 'c1' },
      { type: 'transfer.blind', callId: 'c1', to: { kind: 'queue', queue: 'enterprise' } },
      { type: 'transfer.blind', callId: 'c1', to: { kind: 'external', number: '12348' } },
      { type: 'transfer.consult', callId: 'c1', to: { kind: 'agent', agentId: 'a1002' } },
      { type: 'transfer.complete', callId: 'c1' },
      { type: 'transfer.cancel', callId: 'c1' },
      { type: 'threeway.consent', callId: 'c1' },
      { type: 'threeway.start', callId: 'c1', party: { kind: 'fixed-line', unitId: 'water-co' } },
      { type: 'threeway.start', callId: 'c1', party: { kind: 'expert', queue: 'expert-tax' } },
      { type: 'threeway.leave', callId: 'c1' },
      {
        type: 'emergency.handoff',
        callId: 'c1',
        line: '119',
        summary: '厨房起火，老人被困',
        location: '和平路88号3楼',
      },
      {
        type: 'wrapup.submit',
        callId: 'c1',
        form: {
          type: 'COMPLAINT',
          content: '路灯坏了一周',
          place: '和平路',
          incidentTime: '昨晚十点左右',
          confidential: true,
        },
      },
    ];
    const before = desk.commands.length;
    for (const command of commands) {
      const r = await c.request({ ...command });
      expect(r, command.type).toMatchObject({ type: 'result', ok: true, detail: { done: command.type } });
    }
    expect(desk.commands.slice(before)).toEqual(commands.map((command) => ({ agentId: 'a1001', command })));

    // A refusal from the desk service comes back as a result with its code and message.
    desk.result = () => ({
      ok: false,
      code: 'OUTSIDE_HOURS',
      message: '该单位三方通话专线当前不在服务时间，建议转为工单',
    });
    expect(
      await c.request({
        type: 'threeway.start',
        callId: 'c1',
        party: { kind: 'fixed-line', unitId: 'gas-co' },
      }),
    ).toMatchObject({ ok: false, code: 'OUTSIDE_HOURS', message: expect.stringContaining('工单') });
    desk.result = (_a, cmd) => ({ ok: true, detail: { done: cmd.type } });

    desk.emit('a1001', {
      type: 'offer',
      callId: 'c9',
      queue: 'general',
      caller: '+8613800138000',
      entry: 'citizen',
      expiresAtMs: Date.now() + 15_000,
      screenPop: { caller: '+8613800138000', recentIntakes: [], openWorkOrders: [] },
    });
    expect(await c.next((f) => f.type === 'notice')).toMatchObject({
      notice: { type: 'offer', callId: 'c9', queue: 'general' },
    });
    desk.emit('a1001', { type: 'call.state', callId: 'c9', state: 'held' });
    expect(await c.next((f) => f.type === 'notice')).toMatchObject({
      notice: { type: 'call.state', state: 'held' },
    });

    expect(await c.request({ type: 'desk.logout' })).toMatchObject({
      ok: true,
      detail: { status: { state: 'logged-out' } },
    });
    expect(desk.subscribers('a1001')).toBe(0);
    expect(c.invalid).toEqual([]);
  });

  it('roles are checked per frame type: an agent cannot run supervisor frames, a supervisor cannot answer calls', async () => {
    const a = await open({ token: await agentToken() });
    await a.next((f) => f.type === 'hello');
    for (const type of ['figures.subscribe', 'agents.subscribe'])
      expect(await a.request({ type })).toMatchObject({
        type: 'error',
        code: 'FORBIDDEN',
        message: expect.stringContaining('班长'),
      });
    expect(await a.request({ type: 'agent.logout', agentId: 'a1002', reason: 'x' })).toMatchObject({
      code: 'FORBIDDEN',
    });
    const s = await open({ token: await supervisorToken() });
    await s.next((f) => f.type === 'hello');
    expect(await s.request({ type: 'desk.login' })).toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('坐席'),
    });
    expect(await s.request({ type: 'call.answer', callId: 'c1' })).toMatchObject({ code: 'FORBIDDEN' });
    const q = await open({ token: await login(base, 'qc.li') });
    await q.next((f) => f.type === 'hello');
    expect(await q.request({ type: 'figures.subscribe' })).toMatchObject({ code: 'FORBIDDEN' });
    expect(await a.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
  });

  it('supervisors reach the callback queue over ws and HTTP (the composed gateway callback service); agents are refused', async () => {
    const s = await open({ token: await supervisorToken() });
    await s.next((f) => f.type === 'hello');
    expect(await s.request({ type: 'callbacks.list' })).toMatchObject({ type: 'result', ok: true, detail: { items: [] } });
    for (const frame of [
      { type: 'callback.cancel', callbackId: '01KAAAAAAAAAAAAAAAAAAAAAAA', reason: '测试' },
      { type: 'callback.reschedule', callbackId: '01KAAAAAAAAAAAAAAAAAAAAAAA', at: '2026-11-23T10:00:00+08:00' },
    ])
      expect(await s.request(frame)).toMatchObject({ type: 'error', code: 'NOT_FOUND', message: '没有该回拨记录' });
    const a = await open({ token: await agentToken() });
    await a.next((f) => f.type === 'hello');
    expect(await a.request({ type: 'callbacks.list' })).toMatchObject({ code: 'FORBIDDEN' });
    const res = await fetch(`${base}/v1/callbacks`, { headers: { authorization: `Bearer ${await supervisorToken()}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ items: [] });
  });

  it('supervisors get the live figures at once and every few seconds, alarms as raised, agent states; watching and forced logout are audited', async () => {
    const s = await open({ token: await supervisorToken() });
    await s.next((f) => f.type === 'hello');
    expect(await s.request({ type: 'figures.subscribe' })).toMatchObject({ ok: true });
    expect(await s.next((f) => f.type === 'figures')).toMatchObject({
      figures: expect.any(Array),
      active: [],
    });

    // 20 calls offered to the general queue, 17 answered: 85 %, below 90 % — a critical alarm
    // (art. 29) comes with the next figures, through the gateway's real figures store and feed.
    const at = Date.now();
    for (let i = 0; i < 20; i++) {
      await gw.figures.store.record({ type: 'offered', queue: 'general', callId: `fig-${i}`, atMs: at });
      if (i < 17)
        await gw.figures.store.record({
          type: 'answered',
          queue: 'general',
          callId: `fig-${i}`,
          atMs: at + 1000,
          waitMs: 1000,
        });
    }
    const update = await s.next(
      (f) => f.type === 'figures' && (f.alarms as { queue: string }[]).some((a) => a.queue === 'general'),
      5000,
    );
    const general = (
      update.figures as { queue: string; window: string; offered: number; answered: number }[]
    ).find((f) => f.queue === 'general' && f.window === 'rolling-15m');
    expect(general).toMatchObject({ offered: 20, answered: 17 });
    expect(
      (update.alarms as { queue: string; level: string; message: string }[]).find(
        (a) => a.queue === 'general',
      ),
    ).toMatchObject({ level: 'critical', message: expect.any(String) });
    // A supervisor who starts watching now is given the alarms in force at once.
    const late = await open({ token: await supervisorToken() });
    await late.next((f) => f.type === 'hello');
    await late.request({ type: 'figures.subscribe' });
    const firstLate = await late.next((f) => f.type === 'figures');
    expect((firstLate.active as { queue: string }[]).map((a) => a.queue)).toContain('general');
    expect(late.invalid).toEqual([]);

    const agent = await open({ token: await agentToken() });
    await agent.next((f) => f.type === 'hello');
    await agent.request({ type: 'desk.login' });
    expect(await s.request({ type: 'agents.subscribe' })).toMatchObject({ ok: true });
    const agents = await s.next((f) => f.type === 'agents');
    expect(agents.agents).toEqual(
      expect.arrayContaining([expect.objectContaining({ agentId: 'a1001', state: 'not-ready' })]),
    );

    const forced = await s.request({ type: 'agent.logout', agentId: 'a1001', reason: '下班未签出' });
    expect(forced).toMatchObject({ ok: true, detail: { status: { agentId: 'a1001', state: 'logged-out' } } });
    expect(desk.logouts.at(-1)).toBe('a1001');
    expect(
      await agent.next(
        (f) =>
          f.type === 'notice' && (f.notice as { status?: { state: string } }).status?.state === 'logged-out',
      ),
    ).toBeTruthy();
    // The agent's desk commands are now refused until they log in again.
    expect(await agent.request({ type: 'call.answer', callId: 'c1' })).toMatchObject({ code: 'CONFLICT' });
    // The change shows in the agents view on a following push.
    expect(
      await s.next(
        (f) =>
          f.type === 'agents' &&
          (f.agents as { agentId: string; state: string }[]).some(
            (x) => x.agentId === 'a1001' && x.state === 'logged-out',
          ),
        3000,
      ),
    ).toBeTruthy();

    const entries = await new RedisAuditLog(redis.client(), keys).list({ limit: 200 });
    const mine = entries.filter((e) => e.actor === 'user:ban.zhang').map((e) => [e.action, e.target]);
    expect(mine).toEqual(
      expect.arrayContaining([
        ['desk.force-logout', 'agent:a1001'],
        ['desk.figures-watch', 'figures'],
        ['desk.agents-watch', 'agents'],
      ]),
    );
    expect(entries.find((e) => e.action === 'desk.force-logout')!.details).toEqual({ reason: '下班未签出' });
    expect(s.invalid).toEqual([]);
  });

  it('floods are refused with an error frame and the connection stays usable', async () => {
    const c = await open({ token: await agentToken() });
    await c.next((f) => f.type === 'hello');
    for (let i = 0; i < 100; i++) c.send({ type: 'ping', id: `f${i}` });
    expect(await c.next((f) => f.type === 'error')).toMatchObject({
      code: 'RATE_LIMITED',
      message: expect.stringContaining('过于频繁'),
    });
    const pongs = await eventually(
      () => c.frames.filter((f) => f.type === 'pong').length,
      (n) => n >= 40,
    );
    expect(pongs).toBeLessThan(100);
    await new Promise((r) => setTimeout(r, 500));
    expect(await c.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
  });

  it('token expiry ends the session with a clear frame; a refreshed token sent in an auth frame keeps it going', async () => {
    const signer = new TokenSigner(SECRET);
    const now = Math.floor(Date.now() / 1000);
    const short = signer.sign({ sub: 'a1001', roles: ['agent'], ver: 1, iat: now, exp: now + 2 });
    const c = await open({ token: short });
    await c.next((f) => f.type === 'hello');
    expect(await c.next((f) => f.type === 'session.expired', 4000)).toMatchObject({
      message: expect.stringContaining('过期'),
    });
    expect((await c.closed).code).toBe(4401);

    const fresh = await agentToken();
    const later = Math.floor(Date.now() / 1000);
    const renewed = await open({
      token: signer.sign({ sub: 'a1001', roles: ['agent'], ver: 1, iat: later, exp: later + 3 }),
    });
    await renewed.next((f) => f.type === 'hello');
    expect(await renewed.request({ type: 'auth', token: fresh })).toMatchObject({ type: 'hello' });
    await new Promise((r) => setTimeout(r, 3500));
    expect(await renewed.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
    expect(await renewed.request({ type: 'auth', token: await supervisorToken() })).toMatchObject({
      type: 'error',
      code: 'FORBIDDEN',
    });
  });

  it('a disabled account loses its session at the next heartbeat', async () => {
    const c = await open({ token: await login(base, 'a1002') });
    await c.next((f) => f.type === 'hello');
    await store.update('a1002', (u) => ({ ...u, disabled: true, tokenVersion: u.tokenVersion + 1 }));
    expect(await c.next((f) => f.type === 'session.expired', 4000)).toMatchObject({
      message: expect.stringContaining('失效'),
    });
    await store.update('a1002', (u) => ({ ...u, disabled: false }));
  });

  it('a dead desktop (no pongs) is dropped and the agent logged out of the desk after the grace period; a reconnection within it keeps the agent in', async () => {
    const dead = await open({ token: await agentToken(), autoPong: false });
    await dead.next((f) => f.type === 'hello');
    await dead.request({ type: 'desk.login' });
    const logouts = desk.logouts.length;
    await dead.closed;
    await eventually(
      () => desk.logouts.length,
      (n) => n === logouts + 1,
      6000,
    );
    expect(desk.logouts.at(-1)).toBe('a1001');

    const dropped = await open({ token: await agentToken() });
    await dropped.next((f) => f.type === 'hello');
    await dropped.request({ type: 'desk.login' });
    dropped.ws.terminate();
    const back = await open({ token: await agentToken() });
    await back.next((f) => f.type === 'hello');
    await back.request({ type: 'desk.login' });
    const after = desk.logouts.length;
    await new Promise((r) => setTimeout(r, 2500));
    expect(desk.logouts.length).toBe(after);
    expect(await back.request({ type: 'call.hold', callId: 'c1' })).toMatchObject({ ok: true });

    // A second desktop of the same agent takes the desk over: the first is told and closed.
    const second = await open({ token: await agentToken() });
    await second.next((f) => f.type === 'hello');
    await second.request({ type: 'desk.login' });
    expect(await back.next((f) => f.type === 'session.closing')).toMatchObject({ reason: 'replaced' });
    expect((await back.closed).code).toBe(4409);

    // A desktop that vanishes while its desk.login is still under way: the agent is logged in by
    // then, and is logged out after the grace period like any vanished desktop.
    desk.loginDelayMs = 300;
    const loginsBefore = desk.logins.length;
    const racing = await open({ token: await agentToken() });
    await racing.next((f) => f.type === 'hello');
    racing.send({ type: 'desk.login', id: 'race' });
    await eventually(
      () => desk.logins.length,
      (n) => n > loginsBefore,
    );
    const beforeRace = desk.logouts.length;
    racing.ws.terminate();
    await eventually(
      () => desk.logouts.length,
      (n) => n > beforeRace,
      6000,
    );
    desk.loginDelayMs = 0;
  });

  it('shutdown tells every client to reconnect (1012) and logs the agents whose desk it held out of the desk', async () => {
    const agent = await open({ token: await agentToken() });
    await agent.next((f) => f.type === 'hello');
    await agent.request({ type: 'desk.login' });
    const s = await open({ token: await supervisorToken() });
    await s.next((f) => f.type === 'hello');
    const logouts = desk.logouts.length;
    stopped = true;
    await gw.stop();
    expect(await agent.next((f) => f.type === 'session.closing')).toMatchObject({ reason: 'shutdown' });
    expect((await agent.closed).code).toBe(1012);
    expect((await s.closed).code).toBe(1012);
    expect(desk.logouts.slice(logouts)).toContain('a1001');
  });
});
