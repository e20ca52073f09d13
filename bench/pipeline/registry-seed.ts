/**
 * A registry that already holds a nation, for `BENCH_REGISTRY_DEMANDES=3000000 npm run bench:pipeline`.
 *
 * Seeds, straight in SQL (generate_series, no HTTP), a template database `sne_bench_registry_<N>`
 * with what a year of national traffic leaves: N demandes in every département, weighted by
 * population (so the Nord, where the bench files, has its share), 60 % of them radiées, with real
 * numéros uniques (`TTT MM AA NNNNNN GGGGG`) and the `numero_sequences` they were drawn from,
 * SHA-256 identity hashes (the doublon rule's lookups), references per organisme; for each
 * demande the message that registered it (applied, with its raw text, canonical JSON, result and
 * attempt, in lots of 500, a third of them sent by the bench's own client `bench-bailleur`, whose
 * sender ids the idempotency lookup searches), two history lines and an event; `pending_keys`
 * empty; the infocentre's count tables and the metrics' counts built from what was loaded, as
 * their triggers would have. The bulk load runs without the secondary indexes and triggers, then
 * rebuilds the indexes from their own definitions, then VACUUM (FREEZE, ANALYZE).
 *
 * The template is seeded once and kept: later runs make their scratch database from it
 * (`CREATE DATABASE … TEMPLATE … STRATEGY FILE_COPY`), after bringing the template up to the
 * current migrations. `BENCH_REGISTRY_RESEED=1` drops and seeds it again; `BENCH_REGISTRY_TEMPLATE`
 * names another template (the test's).
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import pg from 'pg';
import { migrate } from '../../services/db/migrate.ts';
import { createPool } from '../../services/db/pool.ts';
import { resolveTerritoire } from '../../services/infocentre/territoire.ts';

const require = createRequire(import.meta.url);

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString().slice(11, 19)} registry: ${message}\n`);
}

async function timed<T>(what: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await work();
  log(`${what}: ${((performance.now() - start) / 1000).toFixed(1)} s`);
  return result;
}

/** The départements of the SNE (métropole and DROM; not the collectivités d'outre-mer). */
const FRANCE = new Set(resolveTerritoire('france').departements);

/**
 * Communes drawn by population into the UNLOGGED table `bench_communes` (idx, code, departement):
 * one row per 2,000 inhabitants (at least one), numbered. Returns the number of rows.
 */
export async function loadCommunes(pool: pg.Pool): Promise<number> {
  const communes = (
    require('@etalab/decoupage-administratif/data/communes.json') as {
      code: string;
      type: string;
      departement?: string;
      population?: number;
    }[]
  ).filter((c) => c.type === 'commune-actuelle' && c.departement && FRANCE.has(c.departement));
  await pool.query(
    'CREATE UNLOGGED TABLE bench_communes (idx serial PRIMARY KEY, code text, departement text)',
  );
  await pool.query(
    `INSERT INTO bench_communes (code, departement)
     SELECT c.code, c.dep FROM unnest($1::text[], $2::text[], $3::int[]) AS c(code, dep, poids), generate_series(1, c.poids)`,
    [
      communes.map((c) => c.code),
      communes.map((c) => c.departement),
      communes.map((c) => Math.max(1, Math.ceil((c.population ?? 0) / 2000))),
    ],
  );
  const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM bench_communes');
  return rows[0]?.n ?? 0;
}

/** The facts migration 008's triggers count, for demandes loaded with the triggers off. */
const FACTS = `SELECT departement, commune_rang1 AS commune, typologie, 'depot' AS mouvement, date_depot AS jour FROM demandes
  UNION ALL SELECT departement, commune_rang1, typologie, motif_radiation, date_radiation FROM demandes WHERE date_radiation IS NOT NULL`;

/** The counts of migration 008 built at once from the loaded demandes (what its triggers maintain). */
export const BUILD_INFOCENTRE_COUNTS = [
  `INSERT INTO infocentre_jour (commune, jour, typologie, mouvement, departement, n)
   SELECT commune, jour, typologie, mouvement, min(departement), count(*) FROM (${FACTS}) f GROUP BY 1, 2, 3, 4`,
  `INSERT INTO infocentre_mois_commune (commune, mois, typologie, mouvement, n)
   SELECT commune, date_trunc('month', jour)::date, typologie, mouvement, count(*) FROM (${FACTS}) f GROUP BY 1, 2, 3, 4`,
  `INSERT INTO infocentre_mois_departement (departement, mois, typologie, mouvement, n)
   SELECT departement, date_trunc('month', jour)::date, typologie, mouvement, count(*) FROM (${FACTS}) f GROUP BY 1, 2, 3, 4`,
  `INSERT INTO infocentre_saisies (numero_unique, avec_contact)
   SELECT numero_unique, demandeur ? 'email' OR demandeur ? 'telephone' FROM demandes`,
];

/** The clients whose traffic the registry holds; the first is the one `pipeline.bench.ts` provisions. */
const CLIENTS = `
  INSERT INTO clients (id, role, organisme, nom, departements, code_guichet, token_hash) VALUES
    ('bench-bailleur', 'bailleur', '123456789', 'Bench', '{59}', 'BE59A', sha256('bench-bailleur'::bytea)),
    ('registre-guichet', 'guichet', '987654321', 'Registre', '{}', 'RG00A', sha256('registre-guichet'::bytea)),
    ('registre-portail', 'portail', '111111111', 'Portail', '{}', NULL, sha256('registre-portail'::bytea))`;

/**
 * The demandes, in one statement (the numéro's counter is a row_number per territory, month and
 * year of dépôt): dépôts over five years to 2025, 60 % radiées (those radiées a year ago or more purged
 * of their personal data, as the retention sweep leaves them), the active ones renewed, their
 * échéances over the coming year (préavis sent for the next month's). Demande i was registered by
 * client i % 3 (organisme and reference `REG-i`), its demandeur `Registre<i>` (hash of i).
 */
const INSERT_DEMANDES = `
  WITH g AS (
    SELECT i, (1 + floor(random() * $2))::int AS k, random() AS r_rad, random() AS r_motif, random() AS r_typ,
           ('2021-01-01'::date + floor(random() * 1826)::int) AS depot, floor(random() * 900)::int AS duree
      FROM generate_series(1, $1::int) AS i),
  n AS (
    SELECT g.*, c.code, c.departement, lpad(c.departement, 3, '0') AS territoire,
           row_number() OVER (PARTITION BY c.departement, date_trunc('month', g.depot) ORDER BY g.i) AS rang
      FROM g JOIN bench_communes c ON c.idx = g.k)
  INSERT INTO demandes (numero_unique, departement, date_depot, code_guichet, organisme, reference_guichet,
    identite_hash, demandeur, menage, nombre_personnes, ressources_mensuelles, typologie, communes_souhaitees,
    commune_rang1, motif, statut, date_renouvellement, date_echeance, date_radiation, motif_radiation, radiation,
    preavis_echeance, donnees_purgees_le, created_at, updated_at)
  SELECT territoire || to_char(depot, 'MMYY') || lpad(rang::text, 6, '0') || (ARRAY['BE59A', 'RG00A', 'PORTL'])[1 + i % 3],
         departement, depot, (ARRAY['BE59A', 'RG00A', 'PORTL'])[1 + i % 3],
         (ARRAY['123456789', '987654321', '111111111'])[1 + i % 3], 'REG-' || i,
         CASE WHEN NOT purgee THEN encode(sha256(('registre|' || i)::bytea), 'hex') END,
         CASE WHEN purgee
              THEN '{"nom": "", "prenom": "", "dateNaissance": "", "nationalite": "FR", "avecEmail": true, "avecTelephone": false}'
              ELSE jsonb_build_object('nom', 'Registre' || i, 'prenom', 'Personne', 'dateNaissance',
                                      (date '1950-01-01' + (i % 18000))::text, 'nationalite', 'FR',
                                      'email', 'registre' || i || '@example.org') END::jsonb,
         jsonb_build_object('nombrePersonnes', 1 + i % 5), 1 + i % 5, 800 + (i % 2000),
         CASE WHEN r_typ < 0.0135 THEN 'chambre' WHEN r_typ < 0.112 THEN 'T1' WHEN r_typ < 0.416 THEN 'T2'
              WHEN r_typ < 0.758 THEN 'T3' WHEN r_typ < 0.961 THEN 'T4' WHEN r_typ < 0.997 THEN 'T5' ELSE 'T6+' END,
         ARRAY[code], code, 'logement-trop-cher',
         CASE WHEN r_rad < 0.6 THEN 'radiee' ELSE 'active' END,
         CASE WHEN r_rad >= 0.6 AND echeance_active - 365 > depot THEN echeance_active - 365
              WHEN r_rad < 0.6 AND duree > 365 THEN depot + 365 END,
         CASE WHEN r_rad >= 0.6 THEN echeance_active ELSE depot + 365 * (1 + (duree > 365)::int) END,
         CASE WHEN r_rad < 0.6 THEN radiee_le END,
         CASE WHEN r_rad >= 0.6 THEN NULL WHEN r_motif < 0.42 THEN 'attribution' WHEN r_motif < 0.92 THEN 'non-renouvellement'
              WHEN r_motif < 0.98 THEN 'abandon' WHEN r_motif < 0.99 THEN 'irrecevabilite' ELSE 'non-reponse' END,
         CASE WHEN r_rad < 0.6 THEN jsonb_build_object('dateRadiation', radiee_le) END,
         -- The préavis of échéances a month away or less went out already (the daily sweep's work).
         CASE WHEN r_rad >= 0.6 AND echeance_active <= current_date + 31 THEN echeance_active END,
         CASE WHEN purgee THEN radiee_le + 366 END,
         depot, depot + duree
    FROM n, LATERAL (SELECT least(depot + duree, current_date - 1) AS radiee_le,
                            current_date + 1 + (i % 365) AS echeance_active) x,
         LATERAL (SELECT r_rad < 0.6 AND x.radiee_le <= current_date - 366 AS purgee) p`;

/** Each demande's enregistrement message, applied, in lots of 500 per client; ids are derived from i. */
const INSERT_LOTS_AND_MESSAGES = [
  `CREATE UNLOGGED TABLE bench_registry_ids AS
   SELECT row_number() OVER (ORDER BY created_at, numero_unique) AS i, numero_unique, departement, organisme,
          reference_guichet, created_at FROM demandes`,
  `INSERT INTO lots (id, client_id, system, version, received_at)
   SELECT md5('lot' || (i / 500))::uuid, (ARRAY['bench-bailleur', 'registre-guichet', 'registre-portail'])[1 + ((i / 500) % 3)::int],
          'spt', '2', min(created_at)
     FROM bench_registry_ids GROUP BY i / 500`,
  `INSERT INTO messages (id, seq, lot_id, client_id, sender_id, system, version, type, status, content_hash,
                         received_at, updated_at, applied_at, result, attempts, job_id)
   SELECT md5('message' || i)::uuid, i, md5('lot' || (i / 500))::uuid,
          (ARRAY['bench-bailleur', 'registre-guichet', 'registre-portail'])[1 + ((i / 500) % 3)::int], 'S-' || i, 'spt', '2',
          'enregistrement', 'applied', encode(sha256(('message|' || i)::bytea), 'hex'), created_at, created_at, created_at,
          jsonb_build_object('numeroUnique', numero_unique), 1, 'lot-' || md5('lot' || (i / 500))::uuid
     FROM bench_registry_ids`,
  `INSERT INTO message_payloads (message_id, raw, canonical)
   SELECT md5('message' || i)::uuid,
          '<enregistrement id="S-' || i || '"><referenceGuichet>' || reference_guichet || '</referenceGuichet><departement>'
            || departement || '</departement><dateDepot>' || created_at::date || '</dateDepot><demandeur><nom>Registre' || i
            || '</nom><prenom>Personne</prenom><dateNaissance>1980-01-01</dateNaissance><nationalite>FR</nationalite></demandeur>'
            || '<menage nombrePersonnes="2"/><ressourcesMensuelles>1200.00</ressourcesMensuelles><typologie>T2</typologie>'
            || '<motif>logement-trop-cher</motif></enregistrement>',
          jsonb_build_object('type', 'enregistrement', 'referenceGuichet', reference_guichet, 'departement', departement,
                             'dateDepot', created_at::date, 'demandeur', jsonb_build_object('nom', 'Registre' || i))
     FROM bench_registry_ids`,
  `SELECT setval(pg_get_serial_sequence('messages', 'seq'), (SELECT max(seq) FROM messages))`,
  `INSERT INTO message_attempts (message_id, attempt, at, outcome)
   SELECT md5('message' || i)::uuid, 1, created_at, 'applied' FROM bench_registry_ids`,
];

/**
 * Two history lines per demande (its enregistrement, and a later modification or radiation, whose
 * details hold the radiation as the core writes them: the quality report counts radiations by
 * motif) and an event.
 */
const INSERT_HISTORY_AND_EVENTS = [
  `INSERT INTO demande_historique (numero_unique, kind, date_effet, client_id, message_id, details, recorded_at)
   SELECT numero_unique, 'enregistrement', created_at::date,
          (ARRAY['bench-bailleur', 'registre-guichet', 'registre-portail'])[1 + ((i / 500) % 3)::int],
          md5('message' || i)::uuid, '{}', created_at
     FROM bench_registry_ids ORDER BY i`,
  `INSERT INTO demande_historique (numero_unique, kind, date_effet, client_id, details, recorded_at)
   SELECT numero_unique,
          CASE WHEN statut <> 'radiee' THEN 'modification'
               WHEN motif_radiation = 'attribution' THEN 'attribution' ELSE 'radiation' END,
          coalesce(date_radiation, date_depot + 90), 'registre-guichet',
          CASE WHEN statut = 'radiee' THEN radiation || jsonb_build_object('motif', motif_radiation) ELSE '{}' END,
          updated_at
     FROM demandes ORDER BY updated_at`,
  `INSERT INTO events (id, type, subject, departement, time, data, client_id)
   SELECT md5('event' || i)::uuid, 'fr.sne.demande.enregistree.v1', numero_unique, departement, created_at,
          jsonb_build_object('numeroUnique', numero_unique, 'departement', departement),
          (ARRAY['bench-bailleur', 'registre-guichet', 'registre-portail'])[1 + ((i / 500) % 3)::int]
     FROM bench_registry_ids ORDER BY i`,
  `INSERT INTO numero_sequences (territoire, mois, annee, dernier)
   SELECT left(numero_unique, 3), substr(numero_unique, 4, 2), substr(numero_unique, 6, 2),
          max(substr(numero_unique, 8, 6)::int)
     FROM demandes GROUP BY 1, 2, 3`,
  `INSERT INTO metric_counts (metric, labels, n)
   SELECT 'messages', ARRAY[system, status], count(*) FROM messages GROUP BY system, status`,
];

/** The tables the load fills with their triggers and secondary indexes off. */
const LOADED_TABLES = ['demandes', 'messages', 'message_attempts', 'demande_historique', 'events', 'lots'];

async function seed(pool: pg.Pool, demandes: number): Promise<void> {
  await migrate(pool);
  const weight = await loadCommunes(pool);
  await pool.query(CLIENTS);
  // Secondary indexes (not those behind a constraint) are dropped for the load and rebuilt from their definitions.
  const { rows: indexes } = await pool.query<{ name: string; def: string }>(
    `SELECT i.indexname AS name, i.indexdef AS def FROM pg_indexes i
      WHERE i.schemaname = 'public' AND i.tablename = ANY($1::text[])
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
    [LOADED_TABLES],
  );
  for (const table of LOADED_TABLES) await pool.query(`ALTER TABLE ${table} DISABLE TRIGGER ALL`);
  for (const index of indexes) await pool.query(`DROP INDEX ${index.name}`);
  await pool.query("SET work_mem = '256MB'");
  await timed(`${demandes} demandes`, () => pool.query(INSERT_DEMANDES, [demandes, weight]));
  await timed('lots, messages and attempts', async () => {
    for (const sql of INSERT_LOTS_AND_MESSAGES) await pool.query(sql);
  });
  await timed('history, events, numéro sequences, metrics', async () => {
    for (const sql of INSERT_HISTORY_AND_EVENTS) await pool.query(sql);
  });
  await timed('infocentre counts', async () => {
    for (const sql of BUILD_INFOCENTRE_COUNTS) await pool.query(sql);
  });
  await pool.query("SET maintenance_work_mem = '512MB'");
  await timed(`${indexes.length} secondary indexes`, async () => {
    for (const index of indexes) await pool.query(index.def);
  });
  for (const table of LOADED_TABLES) await pool.query(`ALTER TABLE ${table} ENABLE TRIGGER ALL`);
  await pool.query('DROP TABLE bench_registry_ids');
  await pool.query('DROP TABLE bench_communes');
  await timed('VACUUM (FREEZE, ANALYZE)', () => pool.query('VACUUM (FREEZE, ANALYZE)'));
}

async function asAdmin<T extends pg.QueryResultRow>(adminUrl: string, sql: string, values: unknown[] = []) {
  const admin = new pg.Client({ connectionString: adminUrl });
  admin.on('error', () => {});
  await admin.connect();
  try {
    return (await admin.query<T>(sql, values)).rows;
  } finally {
    await admin.end();
  }
}

function urlOf(adminUrl: string, database: string): string {
  return Object.assign(new URL(adminUrl), { pathname: `/${database}` }).href;
}

/**
 * The template `sne_bench_registry_<demandes>`: seeded if absent (or `BENCH_REGISTRY_RESEED=1`),
 * else brought up to the current migrations. Prints its size.
 */
export async function registryTemplate(
  adminUrl: string,
  demandes: number,
  name = process.env.BENCH_REGISTRY_TEMPLATE ?? `sne_bench_registry_${demandes}`,
): Promise<string> {
  const exists = (await asAdmin(adminUrl, 'SELECT 1 FROM pg_database WHERE datname = $1', [name])).length > 0;
  const reseed = process.env.BENCH_REGISTRY_RESEED === '1';
  if (exists && reseed) await asAdmin(adminUrl, `DROP DATABASE ${name} WITH (FORCE)`);
  // A seed interrupted half-way leaves the database without this mark: seeded again.
  const complete =
    exists &&
    !reseed &&
    (
      await asAdmin(
        adminUrl,
        'SELECT 1 FROM pg_database WHERE datname = $1 AND datallowconn AND datistemplate',
        [name],
      )
    ).length > 0;
  if (exists && !reseed && !complete) await asAdmin(adminUrl, `DROP DATABASE ${name} WITH (FORCE)`);
  if (!complete) {
    log(`seeding template ${name} (once; kept for later runs)`);
    await asAdmin(adminUrl, `CREATE DATABASE ${name}`);
    const pool = createPool({ connectionString: urlOf(adminUrl, name), max: 1 });
    try {
      await timed('seed', () => seed(pool, demandes));
    } finally {
      await pool.end();
    }
    await asAdmin(adminUrl, `ALTER DATABASE ${name} WITH IS_TEMPLATE true`);
  } else {
    const pool = createPool({ connectionString: urlOf(adminUrl, name), max: 1 });
    try {
      const applied = await migrate(pool);
      if (applied.length > 0) {
        log(`template ${name}: applied ${applied.join(', ')}`);
        await pool.query('VACUUM (FREEZE, ANALYZE)');
      }
    } finally {
      await pool.end();
    }
  }
  const [size] = await asAdmin<{ size: string }>(
    adminUrl,
    'SELECT pg_size_pretty(pg_database_size($1)) AS size',
    [name],
  );
  log(`template ${name}: ${size?.size}`);
  return name;
}

/** A scratch database copied from the registry template (file copy, not WAL). */
export async function createRegistryDatabase(
  adminUrl: string,
  template: string,
  prefix: string,
): Promise<{ name: string; url: string }> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await timed(`copy of ${template}`, () =>
    asAdmin(adminUrl, `CREATE DATABASE ${name} TEMPLATE ${template} STRATEGY FILE_COPY`),
  );
  return { name, url: urlOf(adminUrl, name) };
}

/**
 * The bench client's token: provisioned, or, when the registry holds it already (its traffic is
 * there), its token rotated.
 */
export async function benchClientToken(
  base: string,
  adminToken: string,
  client: { id: string } & Record<string, unknown>,
): Promise<string> {
  const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
  const created = await fetch(`${base}/admin/clients`, {
    method: 'POST',
    headers,
    body: JSON.stringify(client),
  });
  if (created.status === 201) return ((await created.json()) as { token: string }).token;
  await created.arrayBuffer();
  const rotated = await fetch(`${base}/admin/clients/${client.id}/token`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}` },
  });
  if (rotated.status !== 200) throw new Error(`bench client: ${created.status}, then ${rotated.status}`);
  return ((await rotated.json()) as { token: string }).token;
}
