/**
 * `npm run bench:infocentre`: the infocentre's reads at national scale. Loads, straight into a
 * fresh PostgreSQL database (generate_series, no HTTP), BENCH_DEMANDES demandes over five years
 * (2019-2023 dépôts; 60 % radiées by motif; rank-1 communes drawn by population from the Code
 * officiel géographique, so Paris, Marseille, Lille weigh as they do), their attributions and a parc
 * of logements, and BENCH_HISTORIQUE history lines. The bulk load bypasses the infocentre's triggers
 * and builds their counts in one GROUP BY (as migration 008 does for existing demandes), then
 * measures what the triggers cost a batch of the apply worker (1,000 radiations, with and without
 * them). Then it times each query of the infocentre (median of BENCH_RUNS runs after one warm-up),
 * checks that the counts equal a full recount of the demandes, and drops the database.
 *
 * Options (environment): BENCH_DEMANDES (default 3000000), BENCH_HISTORIQUE (default 20/3 per
 * demande: 20 million for 3 million), BENCH_RUNS (default 7), DATABASE_URL (an admin URL from which
 * the scratch database is made, default local), BENCH_DATABASE (measure only, on a database an
 * interrupted earlier run loaded: nothing is loaded, nothing dropped).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../services/db/migrate.ts';
import { createPool } from '../services/db/pool.ts';
import { Infocentre } from '../services/infocentre/infocentre.ts';
import { PgInfocentreQueries } from '../services/infocentre/queries-pg.ts';
import { median, timedRuns } from './median.ts';
import { BUILD_INFOCENTRE_COUNTS, loadCommunes } from './pipeline/registry-seed.ts';

const DEMANDES = Number(process.env.BENCH_DEMANDES ?? 3_000_000);
const HISTORIQUE = Number(process.env.BENCH_HISTORIQUE ?? Math.round((DEMANDES * 20) / 3));
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const CHUNK = 250_000;
const EXISTING = process.env.BENCH_DATABASE;

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
}

async function timed<T>(what: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await work();
  log(`${what}: ${((performance.now() - start) / 1000).toFixed(1)} s`);
  return result;
}

/** One chunk of demandes: dépôts over 2019-2023, 60 % radiées (attribution, non-renouvellement, …). */
const INSERT_DEMANDES = `
  WITH g AS (
    SELECT i, (1 + floor(random() * $3))::int AS k, random() AS r_rad, random() AS r_motif, random() AS r_typ,
           ('2019-01-01'::date + floor(random() * 1826)::int) AS depot, floor(random() * 900)::int AS duree
      FROM generate_series($1::int, $2::int) AS i)
  INSERT INTO demandes (numero_unique, departement, date_depot, code_guichet, organisme, identite_hash, demandeur, menage,
    nombre_personnes, ressources_mensuelles, typologie, communes_souhaitees, commune_rang1, motif, statut, date_echeance,
    date_radiation, motif_radiation)
  SELECT lpad(i::text, 12, '0') || 'BENCH', c.departement, g.depot, 'BENCH', '123456789', md5(i::text), '{}', '{}',
         1 + (i % 5), 1000 + (i % 2000),
         CASE WHEN r_typ < 0.0135 THEN 'chambre' WHEN r_typ < 0.112 THEN 'T1' WHEN r_typ < 0.416 THEN 'T2'
              WHEN r_typ < 0.758 THEN 'T3' WHEN r_typ < 0.961 THEN 'T4' WHEN r_typ < 0.997 THEN 'T5' ELSE 'T6+' END,
         ARRAY[c.code], c.code, 'autre',
         CASE WHEN r_rad < 0.6 THEN 'radiee' ELSE 'active' END,
         g.depot + interval '1 year',
         CASE WHEN r_rad < 0.6 THEN least(g.depot + g.duree, '2024-06-30'::date) END,
         CASE WHEN r_rad >= 0.6 THEN NULL WHEN r_motif < 0.42 THEN 'attribution' WHEN r_motif < 0.92 THEN 'non-renouvellement'
              WHEN r_motif < 0.98 THEN 'abandon' WHEN r_motif < 0.99 THEN 'irrecevabilite' ELSE 'non-reponse' END
    FROM g JOIN bench_communes c ON c.idx = g.k`;

/** Each attribution with its own logement in the demande's commune, then the rest of the parc. */
const INSERT_ATTRIBUTIONS = [
  `INSERT INTO logements (identifiant_rpls, siren_bailleur, code_commune, departement)
   SELECT 'A' || left(numero_unique, 12), '123456789', commune_rang1, departement FROM demandes WHERE motif_radiation = 'attribution'`,
  `INSERT INTO attributions (numero_unique, logement, date_signature_bail, contingent, accord_collectif, dalo, prioritaire, client_id)
   SELECT numero_unique, 'A' || left(numero_unique, 12), date_radiation,
          (ARRAY['prefet', 'action-logement', 'collectivite', 'bailleur', 'autre'])[1 + floor(random() * 5)::int],
          false, random() < 0.05, random() < 0.1, 'bench'
     FROM demandes WHERE motif_radiation = 'attribution'`,
  `INSERT INTO logements (identifiant_rpls, siren_bailleur, code_commune, departement)
   SELECT 'P' || lpad(i::text, 11, '0'), '123456789', c.code, c.departement
     FROM (SELECT i, (1 + floor(random() * $1))::int AS k FROM generate_series(1, $2::int) AS i) g
     JOIN bench_communes c ON c.idx = g.k`,
];

const BUILD_ATTRIBUTION_COUNTS = `
  INSERT INTO infocentre_attributions_commune (commune, annee, n)
  SELECT l.code_commune, extract(year FROM a.date_signature_bail)::smallint, count(*)
    FROM attributions a JOIN logements l ON l.identifiant_rpls = a.logement GROUP BY 1, 2`;

/** A batch of the apply worker, as SAVE_DEMANDES writes it: 1,000 active demandes radiées in one statement. */
const RADIER_LOT = `
  UPDATE demandes SET statut = 'radiee', date_radiation = date_depot + 30, motif_radiation = 'abandon', updated_at = now()
   WHERE numero_unique IN (SELECT numero_unique FROM demandes WHERE statut = 'active' AND date_depot < '2024-01-01'
                           ORDER BY numero_unique DESC LIMIT 1000 OFFSET $1)`;

const INSERT_HISTORIQUE = `
  INSERT INTO demande_historique (numero_unique, kind, date_effet, client_id, details)
  SELECT lpad(n::text, 12, '0') || 'BENCH',
         (ARRAY['enregistrement', 'modification', 'renouvellement', 'preavis', 'radiation'])[1 + (j % 5)],
         '2019-01-01'::date + ((n::bigint * 7 + j::bigint * 31) % 1826)::int, 'bench', '{}'
    FROM generate_series($1::int, $2::int) AS j, LATERAL (SELECT (1 + (j::bigint * 7919) % $3::int)::int AS n) x`;

async function measure(name: string, work: () => Promise<string>): Promise<void> {
  const { times, found: summary } = await timedRuns(RUNS, work);
  const row = `${name.padEnd(44)} median ${median(times).toFixed(1).padStart(7)} ms   min ${Math.min(...times)
    .toFixed(1)
    .padStart(7)}   max ${Math.max(...times)
    .toFixed(1)
    .padStart(7)}   ${summary}`;
  process.stdout.write(`${row}\n`);
}

async function load(pool: pg.Pool, name: string): Promise<void> {
  log(`database ${name}: ${DEMANDES} demandes, ${HISTORIQUE} history lines, ${RUNS} runs per query`);
  await migrate(pool);
  const weight = await loadCommunes(pool);
  await pool.query('ALTER TABLE demandes DISABLE TRIGGER USER');
  await timed(`demandes (${CHUNK} per statement)`, async () => {
    for (let from = 1; from <= DEMANDES; from += CHUNK) {
      await pool.query(INSERT_DEMANDES, [from, Math.min(DEMANDES, from + CHUNK - 1), weight]);
    }
  });
  await timed('infocentre counts (one GROUP BY per table)', async () => {
    for (const sql of BUILD_INFOCENTRE_COUNTS) await pool.query(sql);
  });
  await pool.query('ALTER TABLE demandes ENABLE TRIGGER USER');
  await timed('attributions and parc', async () => {
    await pool.query(INSERT_ATTRIBUTIONS[0] as string);
    await pool.query('ALTER TABLE attributions DISABLE TRIGGER USER');
    await pool.query(INSERT_ATTRIBUTIONS[1] as string);
    await pool.query(BUILD_ATTRIBUTION_COUNTS);
    await pool.query('ALTER TABLE attributions ENABLE TRIGGER USER');
    await pool.query(INSERT_ATTRIBUTIONS[2] as string, [weight, Math.round(DEMANDES * 1.2)]);
  });
  await timed('history lines', async () => {
    for (let from = 1; from <= HISTORIQUE; from += 2_000_000) {
      await pool.query(INSERT_HISTORIQUE, [from, Math.min(HISTORIQUE, from + 1_999_999), DEMANDES]);
    }
  });
}

async function measureAll(pool: pg.Pool): Promise<void> {
  await timed('VACUUM ANALYZE', () => pool.query('VACUUM ANALYZE'));
  // What the triggers cost the apply worker: the same batch of 1,000 radiations with and without them.
  const lot = async (offset: number) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const start = performance.now();
      await client.query(RADIER_LOT, [offset]);
      const ms = performance.now() - start;
      await client.query('ROLLBACK');
      return ms;
    } finally {
      client.release();
    }
  };
  const avec: number[] = [];
  const sans: number[] = [];
  for (let i = 0; i < RUNS; i++) avec.push(await lot(i * 1000));
  await pool.query('ALTER TABLE demandes DISABLE TRIGGER USER');
  for (let i = 0; i < RUNS; i++) sans.push(await lot(i * 1000));
  await pool.query('ALTER TABLE demandes ENABLE TRIGGER USER');
  log(
    `a batch of 1,000 radiations: median ${median(avec).toFixed(1)} ms with the infocentre triggers, ${median(sans).toFixed(1)} ms without`,
  );
  const sizes = await pool.query<{ t: string; rows: string; size: string }>(
    `SELECT relname AS t, n_live_tup AS rows, pg_size_pretty(pg_total_relation_size(relid)) AS size
         FROM pg_stat_user_tables WHERE relname IN ('demandes', 'demande_historique', 'infocentre_jour',
           'infocentre_mois_commune', 'infocentre_mois_departement', 'attributions', 'logements') ORDER BY 1`,
  );
  for (const s of sizes.rows) log(`  ${s.t.padEnd(28)} ${String(s.rows).padStart(10)} rows  ${s.size}`);

  await pool.query('SELECT infocentre_replier()');
  const exact = await pool.query<{ diff: number }>(`
      WITH recount AS (
        SELECT departement, date_trunc('month', date_depot)::date AS mois, typologie, 'depot' AS mouvement, count(*)::int AS n
          FROM demandes GROUP BY 1, 2, 3
        UNION ALL
        SELECT departement, date_trunc('month', date_radiation)::date, typologie, motif_radiation, count(*)::int
          FROM demandes WHERE date_radiation IS NOT NULL GROUP BY 1, 2, 3, 4)
      SELECT count(*)::int AS diff FROM recount r FULL JOIN (SELECT * FROM infocentre_mois_departement WHERE n <> 0) m
        USING (departement, mois, typologie, mouvement) WHERE r.n IS DISTINCT FROM m.n`);
  log(
    `counts equal to a full recount of the demandes: ${exact.rows[0]?.diff === 0 ? 'yes' : `NO (${exact.rows[0]?.diff} differ)`}`,
  );

  const infocentre = new Infocentre(new PgInfocentreQueries(pool), {
    delaiAnormalMois: { defaut: 24, parDepartement: {} },
  });
  const t = (codes: string[]) => infocentre.territoires(codes);
  const du = '2022-10-01';
  const au = '2023-09-30';
  const fin = (r: { total: { enCoursFin: number | null } }) => `enCoursFin ${r.total.enCoursFin}`;
  process.stdout.write('\n');
  await measure('flux région 32 (Hauts-de-France), 12 months', async () =>
    fin(await infocentre.flux(t(['region:32']), du, au)),
  );
  await measure('flux France, 12 months', async () => fin(await infocentre.flux(t(['france']), du, au)));
  await measure('flux 101 départements (part), 12 months', async () =>
    fin(
      await infocentre.flux(
        t(['france']).flatMap((f) => t(f.departements.map((d) => `departement:${d}`))),
        du,
        au,
      ),
    ),
  );
  await measure('flux EPCI Métropole Européenne de Lille', async () =>
    fin(await infocentre.flux(t(['epci:200093201']), du, au)),
  );
  await measure(
    'typologie région 32',
    async () => `total ${(await infocentre.typologie(t(['region:32']), au)).total}`,
  );
  await measure(
    'typologie France',
    async () => `total ${(await infocentre.typologie(t(['france']), au)).total}`,
  );
  for (const commune of ['75056', '59350', '62041']) {
    await measure(`chiffres-clés commune ${commune}`, async () => {
      const c = await infocentre.chiffresCles(t([`commune:${commune}`])[0] as never, 2022);
      return `en attente ${c.demandesEnAttente}, parc ${c.logementsSociaux}, attributions ${c.attributions}`;
    });
  }
  await measure(
    'ancienneté région 32',
    async () => `total ${(await infocentre.anciennete(t(['region:32']), au)).total}`,
  );
  await measure(
    'attributions mensuel région 32',
    async () =>
      `total ${(await infocentre.attributionsMensuel(t(['region:32']), du, au, 42_000)).total.attributions}`,
  );
  await measure(
    'attributions délais région 32',
    async () =>
      `médiane ${(await infocentre.attributionsDelais(t(['region:32']), du, au)).total.medianeMois} mois`,
  );
  // What the counts spare: the same flux for France read from the demandes table itself.
  await measure('(baseline) flux France by scanning demandes', async () => {
    const { rows } = await pool.query<{ fin: string }>(
      `SELECT count(*) FILTER (WHERE date_depot <= $2 AND (date_radiation IS NULL OR date_radiation > $2)) AS fin,
                count(*) FILTER (WHERE date_depot < $1 AND (date_radiation IS NULL OR date_radiation >= $1)) AS debut,
                count(*) FILTER (WHERE date_depot BETWEEN $1 AND $2) AS nouvelles,
                count(*) FILTER (WHERE date_radiation BETWEEN $1 AND $2) AS radiees
           FROM demandes`,
      [du, au],
    );
    return `enCoursFin ${rows[0]?.fin}`;
  });
}

async function main(): Promise<void> {
  const name = EXISTING ?? `sne_bench_infocentre_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  if (!EXISTING) await admin.query(`CREATE DATABASE ${name}`);
  const url = Object.assign(new URL(ADMIN_URL), { pathname: `/${name}` }).href;
  const pool = createPool({ connectionString: url, max: 4 });
  try {
    if (!EXISTING) await load(pool, name);
    else log(`database ${name} as loaded before, ${RUNS} runs per query`);
    await measureAll(pool);
  } finally {
    await pool.end();
    if (!EXISTING) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

await main();
