import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests beside the code, and e2e suites under test/e2e that start real MariaDB and
// etcd processes. E2E files run one at a time (each shares one cluster across its tests) so that the
// 2-core machines are not oversubscribed; unit files run in parallel.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
