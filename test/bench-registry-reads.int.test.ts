import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { runBenchScript } from './helpers/bench-script.ts';

/**
 * `npm run bench:registry-reads` at a tiny size, as a child process: it seeds its registry template,
 * times the quality report and the priority list as the hub runs them and with JIT on, prints each,
 * spreads the Nord's demandes over 120 guichets and times the Nord's report again, drops its copy and
 * exits by itself. Figures are not asserted.
 */
const TEMPLATE = `sne_test_reads_${randomBytes(4).toString('hex')}`;

async function admin(sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: inject('postgresAdminUrl') });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  await admin(`ALTER DATABASE ${TEMPLATE} WITH IS_TEMPLATE false`).catch(() => {});
  await admin(`DROP DATABASE IF EXISTS ${TEMPLATE} WITH (FORCE)`);
});

describe('bench:registry-reads', () => {
  it('prints every read as the hub runs it and with JIT on, then drops its copy and exits with 0', async () => {
    const { code, output } = await runBenchScript('bench/registry-reads.bench.ts', {
      BENCH_REGISTRY_DEMANDES: '3000',
      BENCH_REGISTRY_TEMPLATE: TEMPLATE,
      BENCH_RUNS: '1',
    });
    expect(code, output).toBe(0);
    expect(output).toMatch(/\d+ demandes labelled prioritaires in the copy/);
    for (const read of [
      'quality report 59, 12 months',
      'quality report 75, 12 months',
      'flux France, 12 months',
      'ancienneté région 32',
      'priority list national, first page',
      'priority list national, half-way',
      'priority list Hauts-de-France, first page',
      'priority list Nord, first page',
      'quality report 59, 120 guichets',
    ]) {
      expect(output).toMatch(new RegExp(`${read} +[\\d.]+ ms +[\\d.]+ ms +\\d+ `));
    }
    // The Nord is where the template's guichet registers.
    expect(output).toMatch(/quality report 59, 12 months .* 1 guichet\(s\), [1-9]\d* demandes registered/);
    // Then spread over 120 guichets of the Nord: they are all listed, beside the template's own.
    expect(output).toMatch(/[1-9]\d* demandes of the Nord spread over 120 guichets/);
    expect(output).toMatch(
      /quality report 59, 120 guichets .* 121 guichet\(s\), [1-9]\d* demandes registered/,
    );
    const copies = await admin(`SELECT 1 FROM pg_database WHERE datname LIKE 'benchreads%'`);
    expect(copies.rowCount).toBe(0);
  }, 300_000);
});
