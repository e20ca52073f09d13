import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { NUMERO_UNIQUE_PATTERN } from '../services/core/numero-unique.ts';
import { runBenchScript } from './helpers/bench-script.ts';

/**
 * `BENCH_REGISTRY_DEMANDES` of `npm run bench:pipeline` at a tiny size: the bench seeds a template
 * registry (bench/pipeline/registry-seed.ts), runs the hub on a copy of it, and prints both rates
 * and their ratio; the template it leaves must be what the hub itself would have written — real
 * numéros and their counters, infocentre counts equal to a recount, metrics equal to the messages,
 * nothing pending. Figures are not asserted.
 */
const DEMANDES = 3000;
const TEMPLATE = `sne_test_registry_${randomBytes(4).toString('hex')}`;

function adminQuery<T extends pg.QueryResultRow>(database: string | undefined, sql: string) {
  const url = new URL(inject('postgresAdminUrl'));
  if (database) url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.href });
  return client
    .connect()
    .then(() => client.query<T>(sql))
    .finally(() => client.end());
}

afterAll(async () => {
  await adminQuery(undefined, `ALTER DATABASE ${TEMPLATE} WITH IS_TEMPLATE false`).catch(() => {});
  await adminQuery(undefined, `DROP DATABASE IF EXISTS ${TEMPLATE} WITH (FORCE)`);
});

describe('bench:pipeline on a seeded registry', () => {
  it('prints the empty and the seeded rates and their ratio, and every message is applied', async () => {
    const { code, output } = await runBenchScript('bench/pipeline.bench.ts', {
      BENCH_MESSAGES: '1000',
      BENCH_BASELINE_JOBS: '300',
      BENCH_BASELINE_CONCURRENCY: '10',
      BENCH_PROFILE_LOTS: '0',
      BENCH_REGISTRY_DEMANDES: String(DEMANDES),
      BENCH_REGISTRY_TEMPLATE: TEMPLATE,
      BENCH_REGISTRY_PAIRS: '2',
    });
    expect(code, output).toBe(0);
    expect(output).toMatch(/hub, enregistrements via HTTP lots +: \d+ messages\/s .*1000 applied/);
    expect(output).toMatch(
      new RegExp(`hub, on ${DEMANDES} demandes already +: \\d+ messages/s .*1000 applied`),
    );
    expect(output).toMatch(/ratio seeded \/ empty registry +: \d+\.\d\d/);
    // A second pair, and the median of the two ratios.
    expect(output).toMatch(/hub, empty registry \(pair 2\) +: \d+ messages\/s .*1000 applied/);
    expect(output).toMatch(/ratio seeded \/ empty, 2 pairs +: median \d+\.\d\d \(\d+\.\d\d, \d+\.\d\d\)/);
    expect(output).toMatch(new RegExp(`template ${TEMPLATE}: \\d+ [kMG]B`));
  }, 300_000);

  it('leaves a template the hub could have written', async () => {
    const one = async (sql: string) => (await adminQuery<{ v: string }>(TEMPLATE, sql)).rows[0]?.v;
    expect(await one('SELECT count(*)::text AS v FROM demandes')).toBe(String(DEMANDES));
    const numeros = await adminQuery<{ numero_unique: string }>(
      TEMPLATE,
      'SELECT numero_unique FROM demandes',
    );
    expect(numeros.rows.every((r) => NUMERO_UNIQUE_PATTERN.test(r.numero_unique))).toBe(true);
    // Each counter is the highest numéro drawn from it.
    expect(
      await one(`SELECT count(*)::text AS v FROM numero_sequences s
                  FULL JOIN (SELECT left(numero_unique, 7) AS id, max(substr(numero_unique, 8, 6)::int) AS n
                               FROM demandes GROUP BY 1) d ON d.id = s.territoire || s.mois || s.annee
                  WHERE s.dernier IS DISTINCT FROM d.n`),
    ).toBe('0');
    // The infocentre's counts, once folded, equal a recount of the demandes.
    await one('SELECT infocentre_replier()::text AS v');
    expect(
      await one(`WITH recount AS (
                   SELECT departement, date_trunc('month', date_depot)::date AS mois, typologie, 'depot' AS mouvement, count(*)::int AS n
                     FROM demandes GROUP BY 1, 2, 3
                   UNION ALL
                   SELECT departement, date_trunc('month', date_radiation)::date, typologie, motif_radiation, count(*)::int
                     FROM demandes WHERE date_radiation IS NOT NULL GROUP BY 1, 2, 3, 4)
                 SELECT count(*)::text AS v FROM recount r FULL JOIN infocentre_mois_departement m
                   USING (departement, mois, typologie, mouvement) WHERE r.n IS DISTINCT FROM m.n`),
    ).toBe('0');
    expect(
      await one(`SELECT (SELECT sum(n) FROM metric_counts WHERE metric = 'messages')
                        - (SELECT count(*) FROM messages) AS v`),
    ).toBe('0');
    // A message, its attempt and a history line per demande; nothing pending; the bench's client has traffic.
    expect(
      await one(`SELECT concat_ws(' ', (SELECT count(*) FROM messages WHERE status = 'applied'),
                                       (SELECT count(*) FROM message_attempts),
                                       (SELECT count(DISTINCT numero_unique) FROM demande_historique),
                                       (SELECT count(*) FROM pending_keys),
                                       (SELECT (count(*) > 0)::text FROM messages WHERE client_id = 'bench-bailleur')) AS v`),
    ).toBe(`${DEMANDES} ${DEMANDES} ${DEMANDES} 0 true`);
    // A daily sweep would find nothing to do: active demandes renewed, préavis of the month sent.
    expect(
      await one(`SELECT count(*)::text AS v FROM demandes WHERE statut = 'active'
                   AND (date_echeance < current_date OR (preavis_a_envoyer AND date_echeance <= current_date + 28))`),
    ).toBe('0');
  });
});
