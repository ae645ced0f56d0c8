// Opt-in: two gateway instances' call sides (the FreeSWITCH adapter under call ownership) on a real
// FreeSWITCH (HOTLINE_FS_ESL, HOTLINE_FS_PASSWORD; HOTLINE_FS_CONF_DIR installs our dialplan). A
// SIPp citizen calls 12345 and is bridged with an agent's phone (a SIPp UAS the owner originated);
// the owner dies. The survivor finds the call bridged and adopts it — no IVR over the conversation
// — and when the citizen hangs up it hangs up the agent's leg and records the call with the end it
// saw. CI has no FreeSWITCH: there the suite is skipped and says so.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { FreeSwitchSwitch } from '../../src/adapters/freeswitch/freeswitch-switch.js';
import { freePort } from '../../src/adapters/redis/embedded-redis.js';
import { RedisKeys } from '../../src/adapters/redis/keys.js';
import { RedisCallOwnership } from '../../src/adapters/redis/redis-call-ownership.js';
import type { CallInfo, SwitchEvent } from '../../src/core/ports/switch.js';
import { OwnedSwitch } from '../../src/services/owned-switch.js';
import { eventually } from '../helpers/gateway.js';
import { silentLogger } from '../helpers/logger.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { FS, PASSWORD, SIP, installDialplan, sippCall } from './real-gateway.js';

const skipMessage = 'real-switch suite: set HOTLINE_FS_ESL=host:port (and HOTLINE_FS_PASSWORD, HOTLINE_FS_CONF_DIR) to run the adoption test against a FreeSWITCH';
if (!FS) process.stdout.write(`[skipped] ${skipMessage}\n`);

describe.skipIf(!FS)(skipMessage.replace('set ', 'needs '), () => {
  let redis: TestRedis | undefined;
  const sipps: ChildProcess[] = [];
  const instances: { sw: FreeSwitchSwitch; owned: OwnedSwitch }[] = [];
  afterAll(async () => {
    for (const i of instances) {
      i.owned.stop();
      await i.sw.stop();
    }
    for (const p of sipps) p.kill('SIGKILL');
    await redis?.stop();
  });

  it('the survivor adopts a call bridged with an agent: left talking, the agent leg hung up at the end, recorded with the cause it saw', async () => {
    await installDialplan();
    redis = await startRedis();
    const [host, port] = FS!.split(':');
    const keys = new RedisKeys('adopt-real:');
    const leaseMs = 1500;
    const lapsed: { by: string; call: CallInfo; ended?: { at: string; cause: string } }[] = [];
    const make = (name: string) => {
      const sw = new FreeSwitchSwitch({ server: { host: host!, port: Number(port ?? 8021), password: PASSWORD }, log: silentLogger() });
      const owned = new OwnedSwitch(sw, new RedisCallOwnership(redis!.client(), keys, name, leaseMs, sw.id), {
        renewEveryMs: leaseMs / 3,
        onLapsed: async (call, ended) => void lapsed.push({ by: name, call, ...(ended ? { ended } : {}) }),
        log: silentLogger(),
      });
      const events: SwitchEvent[] = [];
      owned.on((e) => events.push(e));
      sw.start();
      owned.start();
      instances.push({ sw, owned });
      return { name, sw, owned, events };
    };
    const a = make('gw-a');
    const b = make('gw-b');
    await eventually(() => a.sw.connection.connected && b.sw.connection.connected, (up) => up, 10_000);
    const agentPort = await freePort();
    sipps.push(spawn('sipp', ['-i', '127.0.0.1', '-nostdin', '-sn', 'uas', '-p', String(agentPort)], { stdio: 'ignore' }));
    await new Promise((r) => setTimeout(r, 500));

    // The citizen holds the line 12 s after the answer, then hangs up.
    const citizenRun = sippCall(SIP, await freePort(), 12_000);
    const arrival = (s: { events: SwitchEvent[] }) => s.events.find((e) => e.type === 'call.arrived');
    await eventually(() => arrival(a) ?? arrival(b), (e) => e !== undefined, 10_000);
    const owner = arrival(a) ? a : b;
    const survivor = owner === a ? b : a;
    const citizen = (arrival(owner) as Extract<SwitchEvent, { type: 'call.arrived' }>).call.callId;
    await owner.owned.answer(citizen);
    const leg = await owner.owned.originate({ endpoint: { kind: 'uri', uri: `agent@127.0.0.1:${agentPort}` }, callerIdNumber: '12345', timeoutSec: 10, variables: { hotline_entry: 'agent-leg' } });
    expect(leg.outcome).toBe('answered');
    await owner.owned.bridge(citizen, leg.callId!);
    await eventually(() => owner.sw.connection.bgapi(`uuid_getvar ${citizen} bridge_uuid`, 5000), (v) => v === leg.callId, 5000);

    // The owner dies. The survivor claims the call after the lease and adopts it: no arrival for it.
    owner.owned.stop();
    await owner.sw.stop();
    await eventually(() => redis!.client().get(`adopt-real:call:owner:${citizen}`), (o) => o === survivor.name, 5 * leaseMs);
    expect(survivor.events.some((e) => e.type === 'call.arrived' && e.call.callId === citizen)).toBe(false);
    expect(await survivor.sw.connection.bgapi(`uuid_getvar ${citizen} bridge_uuid`, 5000)).toBe(leg.callId); // still talking
    expect(lapsed).toEqual([]);

    // The citizen hangs up: the agent's leg goes too, and the call is recorded with what was seen.
    const run = await citizenRun;
    expect(run.code, run.out.slice(-1500)).toBe(0);
    const [rec] = await eventually(() => lapsed, (l) => l.length > 0, 10_000);
    expect(rec).toMatchObject({ by: survivor.name, call: { callId: citizen, dialled: '12345' }, ended: { cause: 'NORMAL_CLEARING' } });
    expect(Math.abs(Date.parse(rec!.ended!.at) - Date.now())).toBeLessThan(5000);
    await eventually(async () => (await survivor.sw.connection.bgapi(`uuid_exists ${leg.callId}`, 5000)).trim(), (x) => x === 'false', 5000);
    expect(await redis.client().hlen(`adopt-real:calls:live:${survivor.sw.id}`)).toBe(0);
  }, 90_000);
});
