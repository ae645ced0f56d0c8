// The composed gateway with FreeSWITCH configured: the IVR drives calls over the Event Socket
// adapter (here against the ESL double), records them and sends one call record per call.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../../src/app/gateway.js';
import { loadConfig } from '../../../src/config/load.js';
import { freePort } from '../../../src/adapters/redis/embedded-redis.js';
import { startRedis, type TestRedis } from '../../helpers/redis-server.js';
import { silentLogger } from '../../helpers/logger.js';
import { eventually } from '../../helpers/gateway.js';
import { EslDouble } from '../../doubles/esl-double.js';
import { readFileSync } from 'node:fs';

interface CallLine {
  record: { callId: string; disposition: string; reason?: string; callbackRequested?: boolean; facts?: { type: string }[]; entry: { kind: string; fromLine?: string }; priority?: string; recording?: { sha256?: string; path: string } };
}

describe('IVR over the FreeSWITCH adapter (ESL double)', () => {
  let redis: TestRedis;
  let fs: EslDouble;
  let gw: RunningGateway;
  let dir: string;
  let callsFile: string;

  beforeAll(async () => {
    redis = await startRedis();
    fs = new EslDouble({ password: 'hotline-test', mediaMs: 30, writeRecordings: true });
    const port = await fs.listen();
    dir = mkdtempSync(join(tmpdir(), 'hg-ivr-fs-'));
    callsFile = join(dir, 'calls.jsonl');
    const { config } = loadConfig({
      HOTLINE_GRPC_PORT: '0', // a free control port (issue 6): test gateways run side by side
      HOTLINE_REDIS_URL: redis.url,
      HOTLINE_HTTP_PORT: String(await freePort()),
      HOTLINE_DATA_DIR: dir,
      HOTLINE_DEV_CORE_SURVEYS_FILE: join(dir, 'surveys.jsonl'),
      HOTLINE_DEV_CORE_FILE: join(dir, 'intakes.jsonl'),
      HOTLINE_DEV_CORE_CALLS_FILE: callsFile,
      HOTLINE_RECORDINGS_DIR: join(dir, 'recordings'),
      HOTLINE_LOG_LEVEL: 'silent',
      HOTLINE_FS_ESL: `127.0.0.1:${port}`,
      HOTLINE_FS_PASSWORD: 'hotline-test',
    });
    config.outbox.idlePollMs = 20;
    gw = await startGateway(config, silentLogger());
    await eventually(() => fs.connectedClients, (n) => n > 0);
  });

  afterAll(async () => {
    await gw?.stop();
    await fs.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const callLines = (): CallLine[] => {
    try {
      return readFileSync(callsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as CallLine);
    } catch {
      return [];
    }
  };

  it('answers a parked call, records it, and sends one call record with the recording checksum when the caller hangs up', async () => {
    expect(gw.telephony.mode).toBe('freeswitch');
    const uuid = fs.placeCall({ caller: '13800138000' });
    await eventually(() => fs.channels.get(uuid)?.answerState, (a) => a === 'answered');
    await eventually(() => fs.received.some((l) => l.includes('uuid_record') && l.includes(uuid)), (x) => x);
    fs.hangup(uuid);
    const line = await eventually(() => callLines().find((l) => l.record.callId === uuid), (l) => !!l, 20_000);
    expect(line!.record.disposition).toBe('DISPOSITION_ABANDONED');
    expect(line!.record.recording?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(line!.record.recording?.path).toContain(uuid);
  });

  it('marks a call transferred from 119 and gives it priority', async () => {
    const uuid = fs.placeCall({ caller: '13900139000', variables: { hotline_entry: 'emergency-transfer', hotline_from_line: '119' } });
    await eventually(() => fs.channels.get(uuid)?.answerState, (a) => a === 'answered');
    fs.hangup(uuid);
    const line = await eventually(() => callLines().find((l) => l.record.callId === uuid), (l) => !!l, 20_000);
    expect(line!.record.entry).toMatchObject({ kind: 'emergency-transfer', fromLine: '119' });
    expect(line!.record.priority).not.toBe('normal');
  });

  it('a call the SIP front captured at overload hears the capture prompt, is hung up by the gateway and leaves a busy-time callback', async () => {
    const uuid = fs.placeCall({ caller: '13700137000', variables: { hotline_entry: 'citizen', hotline_admission: 'callback-capture' } });
    const line = await eventually(() => callLines().find((l) => l.record.callId === uuid), (l) => !!l, 20_000);
    expect(line!.record).toMatchObject({ disposition: 'DISPOSITION_ENDED_IN_IVR', reason: 'overload', callbackRequested: true });
    // Released after the capture prompt played to its end (the double models no history of apps).
    expect(line!.record.facts?.map((f) => f.type)).toEqual(expect.arrayContaining(['callback.captured', 'capture.released']));
    const { items } = await gw.callbacks.service.list({ number: '+8613700137000' });
    expect(items).toMatchObject([{ kind: 'busy-time', origins: ['overload'], callIds: [uuid], status: 'pending' }]);
  });
});
