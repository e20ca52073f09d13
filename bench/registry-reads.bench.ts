/**
 * `npm run bench:registry-reads`: the reads of a registry that holds a nation which no other bench
 * times, on a copy of the registry template of `BENCH_REGISTRY_DEMANDES=3000000 npm run
 * bench:pipeline` (`pipeline/registry-seed.ts`: seeded once, about 10 minutes, then kept):
 * - the infocentre's quality report of the guichets (`GET /infocentre/qualite`) of the Nord, where the
 *   template's guichet registers, and of Paris, where none does, over 12 months;
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
 * template, the test's), BENCH_RUNS (default 5), DATABASE_URL (an admin URL, default local).
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

/** The median time of `work` in ms over BENCH_RUNS runs after one warm-up, and what it found. */
async function timed(work: () => Promise<string>): Promise<{ ms: number; found: string }> {
  const { times, found } = await timedRuns(RUNS, work);
  return { ms: median(times), found };
}

interface Read {
  name: string;
  run: (pool: pg.Pool) => Promise<string>;
}

function reads(middle: string): Read[] {
  const infocentre = (pool: pg.Pool) =>
    new Infocentre(new PgInfocentreQueries(pool), { delaiAnormalMois: { defaut: 24, parDepartement: {} } });
  const qualite = (departement: string): Read => ({
    name: `quality report ${departement}, 12 months`,
    run: async (pool) => {
      const { guichets } = await infocentre(pool).qualite(departement, DU, AU);
      const registered = guichets.reduce((n, g) => n + (g.demandesEnregistrees ?? 0), 0);
      return `${guichets.length} guichet(s), ${registered} demandes registered`;
    },
  });
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
    for (const read of reads(rows[0]?.numero_unique ?? '')) {
      const off = await timed(() => read.run(hub));
      const on = await timed(() => read.run(withJit));
      console.log(
        `${read.name.padEnd(44)} ${`${off.ms.toFixed(1)} ms`.padStart(12)} ${`${on.ms.toFixed(1)} ms`.padStart(12)}   ${off.found}`,
      );
    }
  } finally {
    await hub.end();
    await withJit.end();
    await dropScratchDatabase(ADMIN_URL, copy.name);
  }
}

await main();
