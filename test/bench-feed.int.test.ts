import { describe, expect, it } from 'vitest';
import { runBenchScript } from './helpers/bench-script.ts';

/**
 * `npm run bench:feed` at a tiny size, as a child process: it prints the pipeline's rate alone and
 * beside the long-polling clients, their requests and the feed's reads, a 1-in-10,000 client's
 * polls at both log sizes (each finding its event), and exits by itself. Figures are not asserted.
 */

describe('bench:feed', () => {
  it('prints both pipeline rates, the clients’ load and the polls at both sizes, then exits with 0', async () => {
    const { code, output } = await runBenchScript('bench/feed.bench.ts', {
      BENCH_MESSAGES: '500',
      BENCH_WARMUP: '0',
      BENCH_LOG_EVENTS: '20000',
      BENCH_POLLS: '2',
    });
    expect(code, output).toBe(0);
    expect(output).toMatch(/pipeline alone +: \d+ messages\/s/);
    expect(output).toMatch(/pipeline beside 50 long-polls +: \d+ messages\/s/);
    expect(output).toMatch(/ratio with \/ without +: \d+\.\d\d/);
    expect(output).toMatch(/the 35 clients seeing none of it +: [\d.]+ requests\/s, 0 events/);
    expect(output).toMatch(/the feed's reads in SQL, all 50 +: [\d.]+\/s/);
    for (const client of ['dalo-75', 'prefet-75', 'guichet-75']) {
      expect(
        output.match(new RegExp(`${client} +poll over the last 10,000: .*\\(medians of 2; 0 missed\\)`, 'g')),
      ).toHaveLength(2);
      expect(output).toMatch(
        new RegExp(`${client} +20,000 / 10,000 events: poll over the last 10,000 \\d+\\.\\d\\d×`),
      );
    }
  }, 240_000);
});
