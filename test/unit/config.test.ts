import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { ENV_BINDINGS } from '../../src/config/env.js';

describe('configuration', () => {
  it('starts from the documented defaults', () => {
    const { config } = loadConfig({});
    expect(config.http.port).toBe(8080);
    expect(config.redis.url).toBe('');
    expect(config.core.address).toBe('');
    expect(config.devCore.file).toBe('var/dev-core/intakes.jsonl');
  });

  it('takes HOTLINE_* overrides onto nested keys', () => {
    const { config, unknownVariables } = loadConfig({
      HOTLINE_HTTP_PORT: '9090',
      HOTLINE_REDIS_URL: 'redis://10.0.0.5:6380/2',
      HOTLINE_CORE_ADDRESS: 'core.internal:50051',
      HOTLINE_DEV_CORE_FILE: '/tmp/x.jsonl',
      HOTLINE_HTTP_PROT: '1',
    });
    expect(config.http.port).toBe(9090);
    expect(config.redis.url).toBe('redis://10.0.0.5:6380/2');
    expect(config.core.address).toBe('core.internal:50051');
    expect(config.devCore.file).toBe('/tmp/x.jsonl');
    expect(unknownVariables).toEqual(['HOTLINE_HTTP_PROT']);
  });

  it.each([
    [{ HOTLINE_HTTP_PORT: 'eighty' }, /HOTLINE_HTTP_PORT \(http\.port\): expected a whole number/],
    [{ HOTLINE_HTTP_PORT: '70000' }, /http\.port \(from HOTLINE_HTTP_PORT\)/],
    [{ HOTLINE_REDIS_URL: 'localhost:6379' }, /redis\.url \(from HOTLINE_REDIS_URL\): must be empty or a redis:\/\//],
    [{ HOTLINE_CORE_ADDRESS: 'http://core' }, /core\.address \(from HOTLINE_CORE_ADDRESS\): must be empty or host:port/],
    [{ HOTLINE_LOG_LEVEL: 'loud' }, /log\.level \(from HOTLINE_LOG_LEVEL\)/],
  ])('stops on an invalid value and names the key: %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('lays an operator file over the defaults and rejects unknown keys by name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hg-config-'));
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'http:\n  port: 8181\noutbox:\n  batchSize: 50\n');
    const { config } = loadConfig({ HOTLINE_CONFIG: good });
    expect(config.http.port).toBe(8181);
    expect(config.outbox.batchSize).toBe(50);
    expect(config.outbox.leaseMs).toBe(30000);

    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'outbox:\n  batchSise: 50\n');
    expect(() => loadConfig({ HOTLINE_CONFIG: bad })).toThrow(/outbox.*batchSise/);
  });

  it('documents every HOTLINE_ variable in the README', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const b of ENV_BINDINGS) expect(readme, b.env).toContain(`\`${b.env}\``);
  });
});
