// Opt-in: the whole inbound path on real switches — SIPp (the carrier) → drachtio-server (the SIP
// front, our drachtio-srf app) → FreeSWITCH (parked by our dialplan) → the gateway's IVR. Needs both
// HOTLINE_FS_ESL and HOTLINE_DRACHTIO (with HOTLINE_DRACHTIO_SECRET). Everything on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/adapters/redis/embedded-redis.js';
import { eventually } from '../helpers/gateway.js';
import { FS, SIP, startRealGateway, type RealGateway } from './real-gateway.js';

const DRACHTIO = process.env.HOTLINE_DRACHTIO;
const skipMessage =
  'real-switch suite: set HOTLINE_FS_ESL and HOTLINE_DRACHTIO (host:port each) to run the front-to-FreeSWITCH path';
if (!FS || !DRACHTIO) process.stdout.write(`[skipped] ${skipMessage}\n`);

describe.skipIf(!FS || !DRACHTIO)(`${skipMessage.replace('set ', 'needs ')}`, () => {
  let real: RealGateway;
  let carrier: number;

  beforeAll(async () => {
    carrier = await freePort();
    real = await startRealGateway(
      {
        HOTLINE_DRACHTIO: DRACHTIO!,
        HOTLINE_DRACHTIO_SECRET: process.env.HOTLINE_DRACHTIO_SECRET ?? 'cymru',
      },
      (config) => {
        config.sip = {
          ...config.sip,
          freeswitchUri: `sip:${SIP}`,
          peers: [{ name: 'carrier', kind: 'carrier', addresses: [`127.0.0.1:${carrier}`] }],
        };
      },
    );
    await eventually(
      async () =>
        (
          (await real.gw.http.inject({ method: 'GET', url: '/healthz' })).json() as {
            checks: { sip?: { ok: boolean } };
          }
        ).checks.sip?.ok,
      (ok) => ok === true,
      20_000,
    );
  }, 60_000);

  afterAll(async () => {
    await real?.stop();
  });

  it('a carrier call to 12345 on the SIP front reaches FreeSWITCH, is parked, answered by the IVR and leaves one call record', async () => {
    // Sent to drachtio-server (FreeSWITCH does not listen on its port) from the carrier's address.
    const rec = await real.callAndRecord(process.env.HOTLINE_DRACHTIO_SIP ?? '127.0.0.1:5080', carrier);
    expect(rec.dialled).toBe('12345');
    expect(rec.facts?.map((f) => f.type)).toContain('ivr.started');
    expect(rec.disposition).toBe('DISPOSITION_ABANDONED');
  }, 90_000);
});
