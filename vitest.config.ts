import { defineConfig } from 'vitest/config';

// Three projects: `unit` (pure, fast, no servers), `integration` (real kube-apiserver, local OpenStack
// API server, and the minicloud when it is up) and `guest` (a Debian guest booted under QEMU TCG, minutes
// per boot on one core: its own project, which scripts/test.sh runs in a second vitest process beside the
// other two, since in one process vitest runs the integration project's files in a phase of their own).
// `npm test` runs all three; `npx vitest run` alone runs them one after the other.
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
          exclude: ['test/integration/guest-boot.test.ts'],
          globalSetup: ['test/support/schema-validators-setup.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // One kube-apiserver / one cloud at a time on a 2-core machine.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'guest',
          include: ['test/integration/guest-boot.test.ts'],
          environment: 'node',
          testTimeout: 1_200_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
