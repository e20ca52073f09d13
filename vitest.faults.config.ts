import { defineConfig } from 'vitest/config';

/** `npm run test:faults`: the fault suite, which starts a PostgreSQL and a Redis of its own. */
export default defineConfig({
  test: {
    // The default reporter, then the unhandled errors again after the summary (read the helper).
    reporters: ['default', './test/helpers/unhandled-errors-reporter.ts'],
    include: ['test/faults/**/*.test.ts'],
    testTimeout: 1_800_000,
    hookTimeout: 300_000,
  },
});
