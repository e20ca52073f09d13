import type { Reporter, SerializedError } from 'vitest/node';

/**
 * Repeats each unhandled error, briefly, after the run's summary. Vitest prints them above it, and a
 * CI log that keeps only its tail would otherwise show "1 error" and nothing of what it was.
 */
export default class UnhandledErrorsReporter implements Reporter {
  onTestRunEnd(_modules: unknown, unhandledErrors: ReadonlyArray<SerializedError>): void {
    if (unhandledErrors.length === 0) return;
    const lines = [`Unhandled errors of this run (${unhandledErrors.length}), repeated:`];
    for (const error of unhandledErrors) {
      const where = error as { VITEST_TEST_PATH?: string; VITEST_TEST_NAME?: string; type?: string };
      lines.push(
        `- ${where.type ?? 'error'} in ${where.VITEST_TEST_PATH ?? '?'}${where.VITEST_TEST_NAME ? ` (${where.VITEST_TEST_NAME})` : ''}:`,
        ...(error.stack ?? `${error.name}: ${error.message}`)
          .split('\n')
          .slice(0, 12)
          .map((l) => `    ${l}`),
      );
    }
    process.stderr.write(`${lines.join('\n')}\n`);
  }
}
