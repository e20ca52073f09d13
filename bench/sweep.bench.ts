/**
 * `npm run bench:sweep`: the renewal sweep over BENCH_DEMANDES active demandes (default 2,700,000,
 * the national registry) in a scratch database, échéances spread evenly over the coming year.
 * Prints the time of a first sweep (a month of préavis to catch up), of an ordinary day after it
 * (one day of préavis), of a day with radiations, and the buffers one page of the préavis phase
 * reads, against the page the sweep used before migration 007 (by numéro over the échéance range,
 * re-reading and re-locking every demande already told).
 *
 * Options (environment): BENCH_DEMANDES, DATABASE_URL (an admin URL from which the scratch database
 * is made, default local).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { addMonths } from '../services/core/dates.ts';
import { migrate } from '../services/db/migrate.ts';
import { runRenouvellementSweep } from '../services/pipeline/maintenance.ts';

const DEMANDES = Number(process.env.BENCH_DEMANDES ?? 2_700_000);
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const START = '2024-01-01';

function nextDay(date: string, days = 1): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

async function timed<T>(what: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await work();
  console.log(`${what}: ${((performance.now() - started) / 1000).toFixed(2)} s`, result ?? '');
  return result;
}

/** Shared buffers hit or read by one query (EXPLAIN ANALYZE, BUFFERS), and its time. */
async function pageCost(pool: pg.Pool, sql: string, params: unknown[]): Promise<string> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS) ${sql}`,
      params,
    );
    await client.query('ROLLBACK');
    const plan = rows.map((r) => r['QUERY PLAN']);
    const buffers = plan.find((l) => l.includes('Buffers:'))?.trim();
    const time = plan.find((l) => l.startsWith('Execution Time'));
    const index = plan.find((l) => /Index|Seq Scan/.test(l))?.trim();
    return `${index} | ${buffers} | ${time}`;
  } finally {
    client.release();
  }
}

async function main() {
  const name = `sne_bench_sweep_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = Object.assign(new URL(ADMIN_URL), { pathname: `/${name}` }).href;
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => {});
  try {
    await migrate(pool);
    await timed(`insert ${DEMANDES} active demandes`, async () => {
      // Échéances evenly over the year from START; dépôt a year before each.
      await pool.query(
        `INSERT INTO demandes (numero_unique, departement, date_depot, code_guichet, organisme, identite_hash,
           demandeur, menage, nombre_personnes, ressources_mensuelles, typologie, communes_souhaitees, commune_rang1,
           motif, statut, date_echeance)
         SELECT '059' || lpad(i::text, 10, '0') || 'BENCH', '59', e - interval '1 year', 'BENCH', '123456789',
                md5(i::text), jsonb_build_object('nom', 'Nom' || i, 'prenom', 'P', 'dateNaissance', '1980-01-01',
                'nationalite', 'FR'), '{"nombrePersonnes": 2}', 2, 1200, 'T3', ARRAY['59350'], '59350',
                'autre', 'active', e
           FROM generate_series(1, $1::int) AS i, LATERAL (SELECT $2::date + (i % 365) AS e) x`,
        [DEMANDES, START],
      );
      await pool.query('ANALYZE demandes');
    });
    const run = { actor: 'bench', wait: false };
    // The first sweep catches up a month of préavis (échéances up to START + 1 month).
    await timed(`first sweep as of ${START} (a month of préavis)`, () =>
      runRenouvellementSweep(pool, START, run),
    );
    // Between two daily sweeps autovacuum has had its turn: the index entries of the demandes told are gone.
    await pool.query('VACUUM ANALYZE demandes');
    const day = nextDay(START);
    await timed(`ordinary day as of ${day}`, () => runRenouvellementSweep(pool, day, run));
    await timed(`same day again as of ${day} (idempotent)`, () => runRenouvellementSweep(pool, day, run));
    const radiationDay = addMonths(nextDay(START, 2), 1);
    // A month of préavis to catch up again, then the radiations of the first échéances.
    await timed(`sweep as of ${radiationDay} (catch-up, first radiations)`, () =>
      runRenouvellementSweep(pool, radiationDay, run),
    );
    await pool.query('VACUUM ANALYZE demandes');
    const next = nextDay(radiationDay);
    await timed(`ordinary day with radiations as of ${next}`, () => runRenouvellementSweep(pool, next, run));
    await pool.query('VACUUM ANALYZE demandes');

    const asOf = nextDay(next);
    console.log('\none page (1000) of the préavis phase, as of', asOf);
    console.log(
      '  before 007:',
      await pageCost(
        pool,
        `SELECT d.*, EXISTS (SELECT 1 FROM preavis p WHERE p.numero_unique = d.numero_unique
                               AND p.date_echeance = d.date_echeance) AS preavis_sent
           FROM demandes d
          WHERE d.statut = 'active' AND d.numero_unique > ''
            AND d.date_echeance <= ($1::date + interval '1 month')::date
            AND (d.date_echeance - interval '1 month')::date <= $1::date
          ORDER BY d.numero_unique LIMIT 1000 FOR UPDATE OF d`,
        [asOf],
      ),
    );
    console.log(
      '  with 007:  ',
      await pageCost(
        pool,
        `SELECT d.* FROM demandes d
          WHERE d.statut = 'active' AND d.preavis_a_envoyer
            AND d.date_echeance <= $1::date AND (d.date_echeance, d.numero_unique) > ('-infinity'::date, '')
          ORDER BY d.date_echeance, d.numero_unique LIMIT 1000`,
        [addMonths(asOf, 1)],
      ),
    );
  } finally {
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((error) => {
  console.error((error as Error).message);
  process.exit(1);
});
