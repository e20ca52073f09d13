/**
 * `npm run bench:registry-reads`: the reads of a registry that holds a nation which no other bench
 * times, on a copy of the registry template of `BENCH_REGISTRY_DEMANDES=3000000 npm run
 * bench:pipeline` (`pipeline/registry-seed.ts`: seeded once, about 10 minutes, then kept):
 * - the infocentre's quality report of the guichets (`GET /infocentre/qualite`) of the Nord, where the
 *   template's guichet registers, and of Paris, where none does, over 12 months; then the Nord's again
 *   once the copy has spread its demandes over BENCH_NORD_GUICHETS guichets (default 120; the
 *   template has one), with their messages and history lines, as a département's many guichets and
 *   bailleurs would leave them;
 * - two of the infocentre's reads that `npm run bench:infocentre` times too (flux France, ancienneté
 *   of a région), for JIT's sake;
 * - the contingent's priority list (`GET /connectors/contingent/v1/demandes`), first page and a page
 *   half-way, for a national client, a région and one département; the copy first labels one active
 *   demande in 12 (`prioritaire`), as the template has none.
 *
 * Each is timed as the hub runs it (JIT compilation off, `services/db/pool.ts`) and with JIT on, the
 * server's default, in the same run: median of BENCH_RUNS after one warm-up. Exits by itself and drops
 * its copy.
 *
 * Options (environment): BENCH_REGISTRY_DEMANDES (default 3000000), BENCH_REGISTRY_TEMPLATE (another
 * template, the test's), BENCH_RUNS (default 5), BENCH_NORD_GUICHETS (default 120), DATABASE_URL (an
 * admin URL, default local).
 */
import pg from 'pg';
import { PgPriorityQueries } from '../services/core/store/priority-queries-pg.ts';
import { allDepartements } from '../services/core/territoire.ts';
import { createPool } from '../services/db/pool.ts';
import { Infocentre } from '../services/infocentre/infocentre.ts';
import { PgInfocentreQueries } from '../services/infocentre/queries-pg.ts';
import { median, timedRuns } from './median.ts';
import { createRegistryDatabase, registryTemplate } from './pipeline/registry-seed.ts';
import { dropScratchDatabase } from './pipeline/scratch-database.ts';

const DEMANDES = Number(process.env.BENCH_REGISTRY_DEMANDES ?? 3_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const DU = '2024-01-01';
const AU = '2024-12-31';
const HAUTS_DE_FRANCE = ['02', '59', '60', '62', '80'];
const NORD_GUICHETS = Number(process.env.BENCH_NORD_GUICHETS ?? 120);

/** The median time of `work` in ms over BENCH_RUNS runs after one warm-up, and what it found. */
async function timed(work: () => Promise<string>): Promise<{ ms: number; found: string }> {
  const { times, found } = await timedRuns(RUNS, work);
  return { ms: median(times), found };
}

interface Read {
  name: string;
  run: (pool: pg.Pool) => Promise<string>;
}

function infocentre(pool: pg.Pool): Infocentre {
  return new Infocentre(new PgInfocentreQueries(pool), {
    delaiAnormalMois: { defaut: 24, parDepartement: {} },
  });
}

function qualite(departement: string, name = `quality report ${departement}, 12 months`): Read {
  return {
    name,
    run: async (pool) => {
      const { guichets } = await infocentre(pool).qualite(departement, DU, AU);
      const registered = guichets.reduce((n, g) => n + (g.demandesEnregistrees ?? 0), 0);
      return `${guichets.length} guichet(s), ${registered} demandes registered`;
    },
  };
}

function reads(middle: string): Read[] {
  const prioritaires = (what: string, departements: string[], after = ''): Read => ({
    name: `priority list ${what}`,
    run: async (pool) => {
      const page = await new PgPriorityQueries(pool).prioritaires({
        departements,
        filtre: 'tous',
        after,
        limit: 101,
      });
      return `${page.length} demandes`;
    },
  });
  const territoires = (pool: pg.Pool, codes: string[]) => infocentre(pool).territoires(codes);
  return [
    qualite('59'),
    qualite('75'),
    {
      name: 'flux France, 12 months',
      run: async (pool) => {
        const { total } = await infocentre(pool).flux(territoires(pool, ['france']), DU, AU);
        return `${total.enCoursFin} en cours at the end`;
      },
    },
    {
      name: 'ancienneté région 32',
      run: async (pool) =>
        `${(await infocentre(pool).anciennete(territoires(pool, ['region:32']), AU)).total} en cours`,
    },
    prioritaires('national, first page', allDepartements()),
    prioritaires('national, half-way', allDepartements(), middle),
    prioritaires('Hauts-de-France, first page', HAUTS_DE_FRANCE),
    prioritaires('Nord, first page', ['59']),
  ];
}

/**
 * Spreads the Nord's demandes registered by the template's guichets (`BE59A`, `RG00A`) over
 * NORD_GUICHETS new guichets of the Nord (by a hash of the numéro), each demande's messages and
 * history lines going to its guichet too; the portail's stay the portail's. Returns how many demandes
 * moved.
 */
async function spreadNordGuichets(pool: pg.Pool): Promise<number> {
  await pool.query(
    `INSERT INTO clients (id, role, organisme, nom, departements, code_guichet, token_hash)
     SELECT 'nord-' || i, 'guichet', (200000000 + i)::text, 'Guichet du Nord ' || i, '{59}',
            'NG' || lpad(i::text, 3, '0'), sha256(('nord-' || i)::bytea)
       FROM generate_series(1, $1::int) AS i`,
    [NORD_GUICHETS],
  );
  await pool.query(
    `CREATE TEMP TABLE nord AS
     SELECT numero_unique, 1 + abs(hashtext(numero_unique)) % $1::int AS i
       FROM demandes WHERE departement = '59' AND code_guichet IN ('BE59A', 'RG00A')`,
    [NORD_GUICHETS],
  );
  const { rowCount } = await pool.query(
    `UPDATE demandes d SET code_guichet = 'NG' || lpad(n.i::text, 3, '0')
       FROM nord n WHERE d.numero_unique = n.numero_unique`,
  );
  await pool.query(
    `UPDATE messages m SET client_id = 'nord-' || n.i
       FROM demande_historique h JOIN nord n ON n.numero_unique = h.numero_unique
      WHERE m.id = h.message_id`,
  );
  await pool.query(
    `UPDATE demande_historique h SET client_id = 'nord-' || n.i
       FROM nord n WHERE h.numero_unique = n.numero_unique`,
  );
  await pool.query('VACUUM ANALYZE clients, demandes, messages, demande_historique');
  return rowCount ?? 0;
}

/** Times `read` as the hub runs it and with JIT on, and prints both. */
async function timeRead(read: Read, hub: pg.Pool, withJit: pg.Pool): Promise<void> {
  const off = await timed(() => read.run(hub));
  const on = await timed(() => read.run(withJit));
  console.log(
    `${read.name.padEnd(44)} ${`${off.ms.toFixed(1)} ms`.padStart(12)} ${`${on.ms.toFixed(1)} ms`.padStart(12)}   ${off.found}`,
  );
}

async function main(): Promise<void> {
  console.log(`bench:registry-reads — a registry of ${DEMANDES} demandes, median of ${RUNS} runs`);
  const template = await registryTemplate(ADMIN_URL, DEMANDES);
  const copy = await createRegistryDatabase(ADMIN_URL, template, 'benchreads');
  const hub = createPool({ connectionString: copy.url, max: 1 });
  const withJit = new pg.Pool({ connectionString: copy.url, max: 1, options: '-c jit=on' });
  withJit.on('error', () => {});
  try {
    const { rowCount } = await hub.query(
      `UPDATE demandes SET prioritaire = '{"categorie": "bench"}'::jsonb
        WHERE statut = 'active' AND abs(hashtext(numero_unique)) % 12 = 0`,
    );
    await hub.query('VACUUM ANALYZE demandes');
    const { rows } = await hub.query<{ numero_unique: string }>(
      `SELECT numero_unique FROM demandes WHERE statut = 'active' AND prioritaire IS NOT NULL
        ORDER BY numero_unique OFFSET $1 LIMIT 1`,
      [Math.floor((rowCount ?? 0) / 2)],
    );
    console.log(`${rowCount} demandes labelled prioritaires in the copy`);
    console.log(`${'read'.padEnd(44)} ${'as the hub'.padStart(12)} ${'JIT on'.padStart(12)}`);
    for (const read of reads(rows[0]?.numero_unique ?? '')) await timeRead(read, hub, withJit);
    const moved = await spreadNordGuichets(hub);
    console.log(
      `${moved} demandes of the Nord spread over ${NORD_GUICHETS} guichets, with their messages and history`,
    );
    await timeRead(qualite('59', `quality report 59, ${NORD_GUICHETS} guichets`), hub, withJit);
  } finally {
    await hub.end();
    await withJit.end();
    await dropScratchDatabase(ADMIN_URL, copy.name);
  }
}

await main();
