import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { eslServersFromConfig } from '../../../src/adapters/freeswitch/servers.js';

describe('FreeSWITCH configuration', () => {
  it('names no FreeSWITCH by default (telephony is simulated)', () => {
    const { config } = loadConfig({});
    expect(eslServersFromConfig(config.freeswitch)).toEqual([]);
  });

  it('takes servers from HOTLINE_FS_ESL, with port 8021 and the shared password by default', () => {
    const { config, unknownVariables } = loadConfig({
      HOTLINE_FS_ESL: '10.0.0.1:8022, fs2.local',
      HOTLINE_FS_PASSWORD: 's3cret',
    });
    expect(unknownVariables).toEqual([]);
    expect(eslServersFromConfig(config.freeswitch)).toEqual([
      { host: '10.0.0.1', port: 8022, password: 's3cret' },
      { host: 'fs2.local', port: 8021, password: 's3cret' },
    ]);
    expect(eslServersFromConfig(loadConfig({ HOTLINE_FS_ESL: '127.0.0.1' }).config.freeswitch)).toEqual([
      { host: '127.0.0.1', port: 8021, password: 'ClueCon' },
    ]);
  });

  it('rejects a malformed server, naming the key', () => {
    expect(() => loadConfig({ HOTLINE_FS_ESL: 'a b:80' })).toThrow(/freeswitch\.servers\.0/);
  });
});
