import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';

describe('SIP front configuration', () => {
  it('is off by default and HOTLINE_DRACHTIO=host:port switches it on', () => {
    expect(loadConfig({}).config.sip.drachtio.host).toBe('');
    const { config } = loadConfig({ HOTLINE_DRACHTIO: '10.0.0.7:9023', HOTLINE_DRACHTIO_SECRET: 's3' });
    expect(config.sip.drachtio).toEqual({ host: '10.0.0.7', port: 9023, secret: 's3' });
  });

  it('names the variable when HOTLINE_DRACHTIO is not host:port', () => {
    expect(() => loadConfig({ HOTLINE_DRACHTIO: 'drachtio' })).toThrow(/HOTLINE_DRACHTIO \(sip\.drachtio\): expected host:port/);
    expect(() => loadConfig({ HOTLINE_DRACHTIO: '10.0.0.7:99999' })).toThrow(/sip\.drachtio\.port \(from HOTLINE_DRACHTIO\)/);
  });
});
