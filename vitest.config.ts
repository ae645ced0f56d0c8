import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real redis-server, gRPC and HTTP in most suites: generous but bounded.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // 2 cores here and in CI; suites start their own servers.
    maxWorkers: 2,
  },
});
