import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';

/**
 * `npm run bench:pipeline` at a tiny size, as a child process: it must end by itself once it has
 * printed (it used to print and hang on a Redis connection nobody closed), compare the hub with the
 * best bare BullMQ setting it tried, and print the profile of a lot. Figures are not asserted.
 */
const ROOT = path.resolve(import.meta.dirname, '..');

describe('bench:pipeline', () => {
  it('prints the settings, the best baseline, the ratio and the profile, then exits by itself with 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/pipeline.bench.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: inject('postgresAdminUrl'),
        REDIS_URL: inject('redisUrl'),
        BENCH_MESSAGES: '1000',
        BENCH_BASELINE_JOBS: '300',
        BENCH_BASELINE_CONCURRENCY: '1,10',
        BENCH_PROFILE_LOTS: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    // No kill on a timer: if the bench hangs, this waits until vitest's timeout fails the test.
    const [code] = await once(child, 'exit');
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
    expect(output).toContain('events: INSERT INTO events');
    expect(output).toContain('holding EVENTS_LOCK');
  }, 180_000);
});
