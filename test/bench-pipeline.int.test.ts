import { describe, expect, it } from 'vitest';
import { runBenchScript } from './helpers/bench-script.ts';

/**
 * `npm run bench:pipeline` at a tiny size, as a child process: it must end by itself once it has
 * printed (it used to print and hang on a Redis connection nobody closed), compare the hub with the
 * best bare BullMQ setting it tried, and print the profile of a lot. Figures are not asserted.
 */

describe('bench:pipeline', () => {
  it('prints the settings, the best baseline, the ratio and the profile, then exits by itself with 0', async () => {
    const { code, output } = await runBenchScript('bench/pipeline.bench.ts', {
      BENCH_MESSAGES: '1000',
      BENCH_BASELINE_JOBS: '300',
      BENCH_BASELINE_CONCURRENCY: '1,10',
      BENCH_PROFILE_LOTS: '1',
    });
    // The whole output as the message: a failing run says why.
    expect(code, output).toBe(0);
    expect(output).toMatch(/addBulk ×500, 4 batches in flight; worker concurrency 1\n/);
    expect(output).toMatch(/addBulk ×500, 4 batches in flight; worker concurrency 10\n/);
    expect(output).toMatch(/add, 50 in flight; worker concurrency (1|10)\n/);
    expect(output).toMatch(/bare BullMQ, best +: \d+ jobs\/s \(/);
    expect(output).toMatch(/hub, enregistrements via HTTP lots +: \d+ messages\/s .*1000 applied/);
    expect(output).toMatch(/ratio hub \/ best bare BullMQ +: \d+\.\d\d/);
    expect(output).toMatch(/profile: 1 lots, 500 messages \(500 applied\)/);
    for (const step of ['decode: XML lot', 'validate: JSON Schema', 'intake: transaction', 'apply: job']) {
      expect(output).toContain(step);
    }
    expect(output).toContain('events: EVENTS_LOCK and INSERT INTO events');
    expect(output).toContain('holding EVENTS_LOCK');
    // The WAL of the profiled lot, by relation: the messages' rows among them.
    expect(output).toMatch(/WAL per message: \d+ bytes \(pg_walinspect/);
    expect(output).toMatch(/ +\d+ B +\d+\.\d\d records {2}messages: Heap\//);
  }, 180_000);
});
