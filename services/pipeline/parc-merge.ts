import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type pg from 'pg';
import { LOCK_KEYS } from '../db/lock-keys.ts';
import { withTransaction } from '../db/pool.ts';
import { FILE_COLUMNS, stagingTable } from './parc-staging.ts';
import { liveJobs, mergeJob, type RplsJobData } from './queues.ts';

/** RPLS merges run one at a time (two snapshots of one bailleur must not interleave). */
const MERGE_LOCK = LOCK_KEYS.parcMerge;

export interface MergeCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  sortis: number;
}

/**
 * Merges a `received` import into `logements` in ONE transaction: its valid rows inserted or
 * updated (a logement `sorti` listed again comes back `en-parc`), in snapshot mode the logements of
 * the file's bailleurs that the file does not list marked `sorti`, the counts and `completed`
 * recorded, the staging table dropped. Running it twice is harmless: the second run finds the
 * import no longer `received` and does nothing (undefined).
 */
export async function mergeImport(pool: pg.Pool, importId: string): Promise<MergeCounts | undefined> {
  const staging = stagingTable(importId);
  return withTransaction(pool, async (db) => {
    await db.query('SELECT pg_advisory_xact_lock($1)', [MERGE_LOCK]);
    const found = await db.query<{ mode: string }>(
      `SELECT mode FROM rpls_imports WHERE id = $1 AND status = 'received' FOR UPDATE`,
      [importId],
    );
    const mode = found.rows[0]?.mode;
    if (!mode) return undefined;
    const { inserted, updated, valid } = await upsertRows(db, staging, importId);
    let sortis = 0;
    if (mode === 'snapshot') {
      // Bailleurs present = SIRENs of valid rows; listed = every identifiant of the file, even on a
      // rejected row (it is still in the parc, its row only needs fixing); and only in the sender's
      // départements (a regional RPLS client's snapshot says nothing of the rest of the country).
      const sender = await db.query<{ departements: string[] }>(
        'SELECT c.departements FROM rpls_imports i JOIN clients c ON c.id = i.client_id WHERE i.id = $1',
        [importId],
      );
      const departements = sender.rows[0]?.departements ?? [];
      const marked = await db.query(sortisStatement(staging, importId, departements));
      sortis = marked.rowCount ?? 0;
    }
    const counts = { inserted, updated, unchanged: valid - inserted - updated, sortis };
    await db.query(
      `UPDATE rpls_imports SET status = 'completed', inserted = $2, updated = $3, unchanged = $4, sortis = $5,
              finished_at = now(), updated_at = now()
        WHERE id = $1`,
      [importId, counts.inserted, counts.updated, counts.unchanged, counts.sortis],
    );
    await db.query(`DROP TABLE ${staging}`);
    return counts;
  });
}

/**
 * The valid staged rows into `logements`, set-based: one UPDATE of the logements whose fields the
 * file changes (a join; identical rows are not written at all), then one INSERT of those the parc
 * does not hold (an anti-join). Both are plain statements: no `ON CONFLICT`, whose speculative
 * insertion probes the key and writes a row per line even when nothing changed. It is safe because
 * the merge is the only writer of `logements` and merges hold MERGE_LOCK. Into an empty parc (the
 * first national import) there is nothing to update or to avoid: see `fillEmptyParc`.
 */
async function upsertRows(
  db: pg.PoolClient,
  staging: string,
  importId: string,
): Promise<{ inserted: number; updated: number; valid: number }> {
  const { rows } = await db.query<{ valid: number }>(
    `SELECT count(*)::int AS valid FROM ${staging} WHERE valid`,
  );
  const valid = rows[0]?.valid ?? 0;
  const filled = await fillEmptyParc(db, staging, importId);
  if (filled !== undefined) return { inserted: filled, updated: 0, valid };
  const changed = await db.query(
    `UPDATE logements l SET ${FILE_COLUMNS.map((c) => `${c} = s.${c}`).join(', ')},
            statut = 'en-parc', sorti_le = NULL, sorti_import_id = NULL, import_id = $1, updated_at = now()
       FROM ${staging} s
      WHERE s.valid AND l.identifiant_rpls = s.identifiant_rpls
        AND (${FILE_COLUMNS.map((c) => `l.${c}`).join(', ')}, l.statut)
            IS DISTINCT FROM (${FILE_COLUMNS.map((c) => `s.${c}`).join(', ')}, 'en-parc')`,
    [importId],
  );
  const added = await db.query(
    `${insertSql(staging)} AND NOT EXISTS (SELECT 1 FROM logements l WHERE l.identifiant_rpls = s.identifiant_rpls)`,
    [importId],
  );
  return { inserted: added.rowCount ?? 0, updated: changed.rowCount ?? 0, valid };
}

/** The valid staged rows inserted into `logements` (`$1`: the import); a condition may follow. */
function insertSql(staging: string): string {
  return `INSERT INTO logements (identifiant_rpls, ${FILE_COLUMNS.join(', ')}, statut, import_id, updated_at)
          SELECT s.identifiant_rpls, ${FILE_COLUMNS.map((c) => `s.${c}`).join(', ')}, 'en-parc', $1, now()
            FROM ${staging} s
           WHERE s.valid`;
}

/** How long the first import waits for the parc's exclusive lock before merging the usual way, ms. */
const EMPTY_PARC_LOCK_WAIT_MS = 2000;

/**
 * The first import, into an empty parc: the rows are inserted with the indexes of `logements`
 * dropped, and the indexes built again afterwards, in the same transaction. Building an index over
 * the table (one sort, pages written whole) costs a fraction of maintaining it row by row (one
 * index insertion and one WAL record per row and per index): the merge of a national file takes
 * about half the time. This needs `logements` locked exclusively until the commit: readers of the
 * parc (an attribution's check of its logement, an operator's GET) wait for the merge instead of
 * finding nothing, which they would have found anyway. The lock is not waited for long (a reader
 * holding it is left alone): if it is not granted within EMPTY_PARC_LOCK_WAIT_MS, or the parc is
 * not empty, returns undefined and the caller merges the usual way. Indexes that back a key
 * another table references are kept (they cannot be dropped); none does today.
 */
async function fillEmptyParc(
  db: pg.PoolClient,
  staging: string,
  importId: string,
): Promise<number | undefined> {
  const { rows: emptiness } = await db.query<{ empty: boolean }>(
    'SELECT NOT EXISTS (SELECT 1 FROM logements) AS empty',
  );
  if (!emptiness[0]?.empty) return undefined;
  const { rows: settings } = await db.query<{ lock_timeout: string }>('SHOW lock_timeout');
  await db.query('SAVEPOINT empty_parc');
  try {
    await db.query(`SET LOCAL lock_timeout = ${EMPTY_PARC_LOCK_WAIT_MS}`);
    await db.query('LOCK TABLE logements IN ACCESS EXCLUSIVE MODE');
    // Back to what it was for the rest of the transaction.
    await db.query(`SELECT set_config('lock_timeout', $1, true)`, [settings[0]?.lock_timeout ?? '0']);
  } catch (error) {
    // 55P03: lock_not_available.
    if ((error as { code?: string }).code !== '55P03') throw error;
    await db.query('ROLLBACK TO SAVEPOINT empty_parc');
    return undefined;
  }
  await db.query('RELEASE SAVEPOINT empty_parc');
  // Checked again under the lock: nothing can have been added since, but this is what counts.
  const { rows: still } = await db.query<{ empty: boolean }>(
    'SELECT NOT EXISTS (SELECT 1 FROM logements) AS empty',
  );
  if (!still[0]?.empty) return undefined;
  const { rows: indexes } = await db.query<{ drop: string; build: string }>(
    `SELECT CASE WHEN c.oid IS NULL THEN format('DROP INDEX %s', i.indexrelid::regclass)
                 ELSE format('ALTER TABLE logements DROP CONSTRAINT %I', c.conname) END AS drop,
            CASE WHEN c.oid IS NULL THEN pg_get_indexdef(i.indexrelid)
                 ELSE format('ALTER TABLE logements ADD CONSTRAINT %I %s', c.conname, pg_get_constraintdef(c.oid))
            END AS build
       FROM pg_index i
       LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
      WHERE i.indrelid = 'logements'::regclass
        AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.indexrelid)`,
  );
  for (const index of indexes) await db.query(index.drop);
  const added = await db.query(insertSql(staging), [importId]);
  for (const index of indexes) await db.query(index.build);
  return added.rowCount ?? 0;
}

/** The merge could not be done (its attempts are exhausted): the import fails, nothing of it is kept. */
export async function failImport(pool: pg.Pool, importId: string, failure: string): Promise<void> {
  await withTransaction(pool, async (db) => {
    const { rowCount } = await db.query(
      `UPDATE rpls_imports SET status = 'failed', failure = $2, finished_at = now(), updated_at = now()
        WHERE id = $1 AND status = 'received'`,
      [importId, failure],
    );
    if (rowCount) await db.query(`DROP TABLE IF EXISTS ${stagingTable(importId)}`);
  });
}

/**
 * PostgreSQL says which imports wait for their merge; Redis may have lost their jobs. Queues a new
 * job for every `received` import older than `graceMs` whose job is no longer live. Returns how many.
 */
export async function reconcileImports(
  pool: pg.Pool,
  queue: Queue<RplsJobData>,
  graceMs: number,
): Promise<number> {
  const { rows } = await pool.query<{ id: string; job_id: string | null }>(
    `SELECT id, job_id FROM rpls_imports
      WHERE status = 'received' AND updated_at < now() - make_interval(secs => $1::float8 / 1000)`,
    [graceMs],
  );
  const live = await liveJobs(
    queue,
    rows.flatMap((row) => (row.job_id ? [row.job_id] : [])),
  );
  let requeued = 0;
  for (const { id, job_id } of rows) {
    if (job_id && live.has(job_id)) continue;
    const job = mergeJob(id, `merge-${id}-${randomUUID()}`);
    // Only if still waiting under the job asked about: a merge that ended while Redis was asked is done.
    const { rowCount } = await pool.query(
      `UPDATE rpls_imports SET job_id = $2, updated_at = now()
        WHERE id = $1 AND status = 'received' AND job_id IS NOT DISTINCT FROM $3`,
      [id, job.opts.jobId, job_id],
    );
    if (!rowCount) continue;
    await queue.add(job.name, job.data, job.opts);
    requeued++;
  }
  return requeued;
}

/**
 * The snapshot's UPDATE marking `sorti` the logements of the file's valid bailleurs that the file
 * does not list, in the sender's départements (`['*']`: all). Written without an OR on the
 * départements so that `logements_bailleur` is read by the bailleur and the département, one range
 * each: with the OR, a regional client naming a national bailleur read all its logements in France.
 */
export function sortisStatement(
  staging: string,
  importId: string,
  departements: string[],
): { text: string; values: unknown[] } {
  const national = departements.includes('*');
  return {
    text: `UPDATE logements l SET statut = 'sorti', sorti_le = now(), sorti_import_id = $1, updated_at = now()
      WHERE l.statut = 'en-parc'
        AND l.siren_bailleur IN (SELECT DISTINCT siren_bailleur FROM ${staging} WHERE valid)
        AND NOT EXISTS (SELECT 1 FROM ${staging} s WHERE s.identifiant_rpls = l.identifiant_rpls)
        ${national ? '' : 'AND l.departement = ANY ($2::text[])'}`,
    values: national ? [importId] : [importId, departements],
  };
}
