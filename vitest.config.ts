import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Clears the torture suite's figures before the run and prints their summary after it.
    globalSetup: ['test/torture/summary.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // One fork per test file: the SQLite and PostgreSQL suites run side by side, and no more
    // than two at once, so a 2-core machine is not oversubscribed while tests spawn workers.
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    minWorkers: 1,
    // Tests inside a file run one after another: each owns its store and its child processes.
    sequence: { concurrent: false },
  },
});
