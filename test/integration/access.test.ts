import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../src/app/gateway.js';
import { RedisKeys } from '../../src/adapters/redis/keys.js';
import { RedisCallStore } from '../../src/adapters/redis/redis-call-store.js';
import { testConfig } from '../helpers/gateway.js';
import { silentLogger } from '../helpers/logger.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';

// People, login and roles on the composed gateway over real HTTP with a real redis-server
// (issue 5): the bootstrap administrator, login and lockout, role checks, user management and
// recording access, each audited.
describe('people, login and roles', () => {
  let redis: TestRedis;
  let gw: RunningGateway;
  let base: string;
  let dataDir: string;
  let keys: RedisKeys;
  let adminToken: string;
  let auditorToken: string;

  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // not JSON (audio, export)
    }
    return { status: res.status, json: json as Record<string, any>, text, headers: res.headers }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const loginAs = (username: string, password: string) =>
    call('POST', '/v1/auth/login', undefined, { username, password });
  /** Creates a user as the administrator, then logs in as them and sets their own password (first login). */
  const newPerson = async (username: string, roles: string[], extra: Record<string, unknown> = {}) => {
    const created = await call('POST', '/v1/users', adminToken, {
      username,
      displayName: `用户${username}`,
      roles,
      password: 'Initial-pass-1',
      ...extra,
    });
    expect(created.status, created.text).toBe(201);
    const first = await loginAs(username, 'Initial-pass-1');
    const changed = await call('POST', '/v1/auth/password', first.json.token, {
      currentPassword: 'Initial-pass-1',
      newPassword: 'Own-secret-2026!',
    });
    expect(changed.status, changed.text).toBe(200);
    return changed.json.token as string;
  };
  const auditEntries = async (target?: string) =>
    (
      await call(
        'GET',
        `/v1/admin/audit?limit=1000${target ? `&target=${encodeURIComponent(target)}` : ''}`,
        auditorToken,
      )
    ).json.entries as {
      action: string;
      actor: string;
      target: string;
      details?: Record<string, unknown>;
    }[];

  beforeAll(async () => {
    redis = await startRedis();
    const config = testConfig({ HOTLINE_REDIS_URL: redis.url });
    dataDir = config.dataDir;
    keys = new RedisKeys(config.redis.keyPrefix);
    gw = await startGateway(config, silentLogger());
    base = gw.url;
  });
  afterAll(async () => {
    await gw?.stop();
    await redis.stop();
  });

  it('first start: a bootstrap administrator with a generated one-time password, kept 0600 under the data dir, that must be changed first', async () => {
    const b = gw.access.bootstrap!;
    expect(b.username).toBe('admin');
    expect(b.generatedPassword).toMatch(/^[A-Za-z2-9]{5}(-[A-Za-z2-9]{5}){3}$/);
    expect(readFileSync(b.passwordFile!, 'utf8')).toContain(b.generatedPassword);
    expect(statSync(b.passwordFile!).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'auth', 'token-secret')).mode & 0o777).toBe(0o600);

    const first = await loginAs('admin', b.generatedPassword!);
    expect(first.status).toBe(200);
    expect(first.json.user).toMatchObject({ username: 'admin', roles: ['admin'], mustChangePassword: true });
    const refused = await call('GET', '/v1/users', first.json.token);
    expect(refused.status).toBe(403);
    expect(refused.json.message).toContain('修改初始密码');

    const weak = await call('POST', '/v1/auth/password', first.json.token, {
      currentPassword: b.generatedPassword,
      newPassword: 'short',
    });
    expect(weak.status).toBe(400);
    expect(weak.json).toMatchObject({ code: 'INVALID_FIELD', field: 'newPassword' });
    const changed = await call('POST', '/v1/auth/password', first.json.token, {
      currentPassword: b.generatedPassword,
      newPassword: 'Chief-own-pass-2026',
    });
    expect(changed.status).toBe(200);
    adminToken = changed.json.token;
    expect((await call('GET', '/v1/users', adminToken)).status).toBe(200);
    // The token of before the change no longer works.
    expect((await call('GET', '/v1/auth/me', first.json.token)).status).toBe(401);
    expect((await loginAs('admin', b.generatedPassword!)).status).toBe(401);

    auditorToken = await newPerson('shen.ji', ['auditor']);
  });

  it('a second start with users in the store creates no administrator', async () => {
    const again = await startGateway(
      testConfig({ HOTLINE_REDIS_URL: redis.url, HOTLINE_REDIS_PREFIX: keys.prefix }),
      silentLogger(),
    );
    try {
      expect(again.access.bootstrap).toBeUndefined();
    } finally {
      await again.stop();
    }
  });

  it('login: a token for the right password; 401 with a Chinese message for a wrong one or an unknown user; locked out after 5 failures', async () => {
    await newPerson('zhao.liu', ['supervisor']);
    const ok = await loginAs('zhao.liu', 'Own-secret-2026!');
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({
      tokenType: 'Bearer',
      user: { username: 'zhao.liu', roles: ['supervisor'], mustChangePassword: false },
    });
    expect(ok.json.user.passwordHash).toBeUndefined();
    expect(Date.parse(ok.json.expiresAt) - Date.now()).toBeGreaterThan(50 * 60_000);

    const bad = await loginAs('zhao.liu', 'wrong-password-1');
    expect(bad.status).toBe(401);
    expect(bad.json).toMatchObject({ code: 'UNAUTHENTICATED', message: '用户名或密码错误' });
    expect((await loginAs('nobody.here', 'wrong-password-1')).json.message).toBe('用户名或密码错误');

    for (let i = 0; i < 3; i++) expect((await loginAs('zhao.liu', `wrong-${i}-password`)).status).toBe(401);
    const fifth = await loginAs('zhao.liu', 'wrong-5-password');
    expect(fifth.status).toBe(429);
    expect(fifth.json).toMatchObject({
      code: 'RATE_LIMITED',
      message: expect.stringMatching(/登录失败次数过多.*分钟后再试/),
    });
    // Locked: even the right password is refused until the lockout ends.
    const locked = await loginAs('zhao.liu', 'Own-secret-2026!');
    expect(locked.status).toBe(429);
    // The lockout lapses by itself (shortened here in Redis rather than waiting 15 minutes).
    await redis.client().pexpire(keys.loginFailures('user', 'zhao.liu'), 1);
    await new Promise((r) => setTimeout(r, 20));
    expect((await loginAs('zhao.liu', 'Own-secret-2026!')).status).toBe(200);

    const failures = (await auditEntries('user:zhao.liu')).filter((e) => e.action === 'auth.login-failed');
    expect(failures.length).toBe(5);
    expect(failures[0]!.details).toMatchObject({ address: '127.0.0.1', lockedOut: true });
  });

  it('401 without a token, with a forged or tampered one; 400 naming the field for a bad login body', async () => {
    expect((await call('GET', '/v1/users')).status).toBe(401);
    const [h, p, s] = adminToken.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const elevated = Buffer.from(JSON.stringify({ ...claims, roles: ['admin', 'auditor'] })).toString(
      'base64url',
    );
    expect((await call('GET', '/v1/users', `${h}.${elevated}.${s}`)).status).toBe(401);
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    expect((await call('GET', '/v1/users', `${none}.${p}.`)).status).toBe(401);
    const missing = await call('POST', '/v1/auth/login', undefined, { username: 'admin' });
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({ code: 'INVALID_FIELD', field: 'password' });
  });

  it('403 naming the missing role, and the refusal audited', async () => {
    const agent = await newPerson('a1001', ['agent'], {
      agent: { skills: { general: 1 }, endpoint: { kind: 'user', user: '1001' } },
    });
    const r = await call('GET', '/v1/users', agent);
    expect(r.status).toBe(403);
    expect(r.json).toMatchObject({ code: 'FORBIDDEN', message: '无权执行此操作：需要管理员（admin）角色' });
    expect((await call('GET', '/v1/admin/audit', agent)).json.message).toContain('审计员');
    const denied = (await auditEntries()).find(
      (e) => e.action === 'access.denied' && e.actor === 'user:a1001',
    );
    expect(denied).toMatchObject({ target: 'GET /v1/admin/audit', details: { permission: 'audit.read' } });
  });

  it('administrators create, change, disable users and reset passwords; each action audited; bad input names the field', async () => {
    const tryCreate = (over: Record<string, unknown>) =>
      call('POST', '/v1/users', adminToken, {
        username: 'a2001',
        displayName: '坐席二',
        roles: ['agent'],
        password: 'Initial-pass-1',
        ...over,
      });
    const noProfile = await tryCreate({});
    expect(noProfile.status).toBe(400);
    expect(noProfile.json).toMatchObject({ field: 'agent' });
    expect((await tryCreate({ roles: ['boss'] })).json).toMatchObject({ field: 'roles.0' });
    const badLevel = await tryCreate({
      agent: { skills: { general: 12 }, endpoint: { kind: 'user', user: '2001' } },
    });
    expect(badLevel.status).toBe(400);
    expect(badLevel.json.field).toBe('agent.skills.general');
    const weak = await tryCreate({ roles: ['quality'], password: '1111111111' });
    expect(weak.json).toMatchObject({ field: 'password' });

    const token = await newPerson('a2001', ['agent'], {
      agent: { skills: { general: 2, enterprise: 1 }, endpoint: { kind: 'user', user: '2001' } },
    });
    expect(
      (
        await call('POST', '/v1/users', adminToken, {
          username: 'a2001',
          displayName: 'x',
          roles: ['quality'],
          password: 'Initial-pass-1',
        })
      ).status,
    ).toBe(409);

    const patched = await call('PATCH', '/v1/users/a2001', adminToken, {
      displayName: '坐席二号',
      agent: { skills: { general: 1 }, endpoint: { kind: 'uri', uri: 'sip:2001@10.0.0.5' } },
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({
      displayName: '坐席二号',
      agent: { skills: { general: 1 }, endpoint: { kind: 'uri', uri: 'sip:2001@10.0.0.5' } },
    });
    // A profile change does not log the person out; disabling does, at once.
    expect((await call('GET', '/v1/auth/me', token)).status).toBe(200);
    expect((await call('PATCH', '/v1/users/a2001', adminToken, { disabled: true })).json.disabled).toBe(true);
    expect((await call('GET', '/v1/auth/me', token)).status).toBe(401);
    expect((await loginAs('a2001', 'Own-secret-2026!')).json.message).toContain('停用');
    await call('PATCH', '/v1/users/a2001', adminToken, { disabled: false });

    expect(
      (await call('POST', '/v1/users/a2001/password', adminToken, { password: 'Reset-pass-77' })).status,
    ).toBe(204);
    expect((await loginAs('a2001', 'Own-secret-2026!')).status).toBe(401);
    const afterReset = await loginAs('a2001', 'Reset-pass-77');
    expect(afterReset.json.user.mustChangePassword).toBe(true);
    expect((await call('PATCH', '/v1/users/nobody', adminToken, { disabled: true })).status).toBe(404);
    // The last enabled administrator cannot be disabled or demoted.
    const last = await call('PATCH', '/v1/users/admin', adminToken, { roles: ['auditor'] });
    expect(last.status).toBe(409);

    const actions = (await auditEntries('user:a2001'))
      .filter((e) => e.actor === 'user:admin')
      .map((e) => e.action)
      .reverse();
    expect(actions).toEqual([
      'user.create',
      'user.update',
      'user.disable',
      'user.enable',
      'user.password-reset',
    ]);
    const list = await call('GET', '/v1/users', adminToken);
    expect(list.json.users.map((u: { username: string }) => u.username)).toEqual(
      expect.arrayContaining(['admin', 'a2001', 'shen.ji']),
    );
    expect(list.text).not.toContain('scrypt');
  });

  it('recordings: quality inspectors get metadata and audio, every access audited; agents are refused (and that is audited)', async () => {
    const quality = await newPerson('zhi.jian', ['quality']);
    const agent = await newPerson('a3001', ['agent'], {
      agent: { skills: { general: 1 }, endpoint: { kind: 'user', user: '3001' } },
    });
    const dir = join(dataDir, 'rec-test');
    mkdirSync(dir, { recursive: true });
    const wav = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(40, 7)]);
    writeFileSync(join(dir, 'call-1.wav'), wav);
    const store = new RedisCallStore(redis.client(), keys, { factRetentionSeconds: 60 });
    await store.saveRecording({
      recordingId: 'call-1',
      callId: 'call-1',
      caller: '+8613800138000',
      entry: { kind: 'citizen' } as never,
      path: join(dir, 'call-1.wav'),
      startTime: '2026-11-22T06:00:00Z',
      bytes: wav.length,
      sha256: 'abc',
    });

    const meta = await call('GET', '/v1/recordings/call-1', quality);
    expect(meta.status).toBe(200);
    expect(meta.json).toMatchObject({
      callId: 'call-1',
      caller: '+8613800138000',
      sha256: 'abc',
      audio: '/v1/recordings/call-1/audio',
    });
    expect(meta.json.path).toBeUndefined();
    const res = await fetch(`${base}/v1/recordings/call-1/audio`, {
      headers: { authorization: `Bearer ${quality}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    expect(Buffer.from(await res.arrayBuffer()).equals(wav)).toBe(true);
    expect((await call('GET', '/v1/recordings/call-404', quality)).status).toBe(404);

    const refused = await call('GET', '/v1/recordings/call-1/audio', agent);
    expect(refused.status).toBe(403);
    expect(refused.json.message).toContain('质检员');

    const entries = await auditEntries('call:call-1');
    expect(entries.map((e) => [e.action, e.actor]).reverse()).toEqual([
      ['recording.metadata', 'user:zhi.jian'],
      ['recording.audio', 'user:zhi.jian'],
    ]);
    expect((await auditEntries('call:call-404'))[0]).toMatchObject({
      action: 'recording.metadata',
      details: { found: false },
    });
    expect(
      (await auditEntries()).some(
        (e) =>
          e.action === 'access.denied' &&
          e.actor === 'user:a3001' &&
          e.target === 'GET /v1/recordings/:callId/audio',
      ),
    ).toBe(true);
  });

  it('refresh gives a new token while the old one is valid', async () => {
    const r = await call('POST', '/v1/auth/refresh', adminToken);
    expect(r.status).toBe(200);
    expect(r.json.token).not.toBe(adminToken);
    expect((await call('GET', '/v1/auth/me', r.json.token)).json.username).toBe('admin');
  });
});
