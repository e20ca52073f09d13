import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The default reporter, then the unhandled errors again after the summary (read the helper).
    reporters: ['default', './test/helpers/unhandled-errors-reporter.ts'],
    globalSetup: ['./test/helpers/global-setup.ts'],
    include: [
      'services/**/*.test.ts',
      'connectors/**/*.test.ts',
      'contracts/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    // The fault suite runs on its own (`npm run test:faults`, vitest.faults.config.ts).
    exclude: ['test/faults/**', '**/node_modules/**'],
    // Integration tests start hubs and child processes: two files at a time suit a 2-core machine.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
