import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure, fast, no servers) and `integration` (real kube-apiserver, local OpenStack
// API server, and the minicloud when it is up). `npm test` runs both; see scripts/test.sh.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // Compiles the upstream-schema validators once per run instead of once per test file.
          globalSetup: ['test/support/schema-validators-setup.ts'],
          environment: 'node',
          // Pure tests, but the first ones of a file compile the upstream schemas (ajv): on a loaded 2-core
          // machine that alone passes vitest's 5 s default. A bound, not a speed check (that is npm run bench).
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/schema-validators-setup.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // One kube-apiserver / one cloud at a time on a 2-core machine.
          fileParallelism: false,
        },
      },
    ],
  },
});
