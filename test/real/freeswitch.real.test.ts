// Opt-in: the gateway against a real FreeSWITCH (HOTLINE_FS_ESL=host:port, HOTLINE_FS_PASSWORD),
// with SIPp placing a citizen's call to 12345 on FreeSWITCH's public profile. FreeSWITCH must
// have dialplans/public/00_hotline_12345.xml installed; with HOTLINE_FS_CONF_DIR set (its conf dir)
// the suite installs it and runs reloadxml itself. Everything on 127.0.0.1.
// CI has no FreeSWITCH: there the suite is skipped and says so.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/adapters/redis/embedded-redis.js';
import { FS, SIP, startRealGateway, type RealGateway } from './real-gateway.js';

const skipMessage =
  'real-switch suite: set HOTLINE_FS_ESL=host:port (and HOTLINE_FS_PASSWORD, HOTLINE_FS_SIP) to run it against a FreeSWITCH';
if (!FS) process.stdout.write(`[skipped] ${skipMessage}\n`);

describe.skipIf(!FS)(`${skipMessage.replace('set ', 'needs ')}`, () => {
  let real: RealGateway;

  beforeAll(async () => {
    real = await startRealGateway();
  }, 60_000);

  afterAll(async () => {
    await real?.stop();
  });

  it('a SIPp call to 12345 is parked, answered by the IVR, queued, recorded by FreeSWITCH, and leaves one call record', async () => {
    const rec = await real.callAndRecord(SIP, await freePort());
    expect(rec.dialled).toBe('12345');
    expect(rec.entry.kind).toBe('citizen');
    // The caller hung up while waiting in the ACD queue (no agent is logged in to this gateway).
    expect(rec.disposition).toBe('DISPOSITION_ABANDONED');
    expect(rec.facts?.map((f) => f.type)).toContain('queue.entered');
    // FreeSWITCH wrote the recording where the gateway asked; the gateway checksummed it.
    expect(rec.recording?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(existsSync(rec.recording!.path)).toBe(true);
    expect(Number(rec.recording?.bytes)).toBeGreaterThan(1000);
  }, 90_000);
});
