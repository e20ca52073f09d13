import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type pg from 'pg';
import { LOCK_KEYS } from '../db/lock-keys.ts';
import { withTransaction } from '../db/pool.ts';
import { stagingTable } from './parc-staging.ts';
import { mergeJob, type RplsJobData } from './queues.ts';

/** RPLS merges run one at a time (two snapshots of one bailleur must not interleave). */
const MERGE_LOCK = LOCK_KEYS.parcMerge;
const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

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
    // xmax = 0 on a row returned by INSERT … ON CONFLICT means it was inserted, not updated. The
    // WHERE of DO UPDATE leaves identical rows alone: they are neither written nor returned.
    const upsert = await db.query<{ inserted: number; updated: number; valid: number }>(
      `WITH upserted AS (
         INSERT INTO logements AS l (identifiant_rpls, siren_bailleur, code_commune, departement, nb_pieces,
                surface_habitable, type_construction, annee_achevement, financement, conventionne, qpv,
                statut, import_id, updated_at)
         SELECT identifiant_rpls, siren_bailleur, code_commune, departement, nb_pieces, surface_habitable,
                type_construction, annee_achevement, financement, conventionne, qpv, 'en-parc', $1, now()
           FROM ${staging} WHERE valid
         ON CONFLICT (identifiant_rpls) DO UPDATE SET
                siren_bailleur = EXCLUDED.siren_bailleur, code_commune = EXCLUDED.code_commune,
                departement = EXCLUDED.departement, nb_pieces = EXCLUDED.nb_pieces,
                surface_habitable = EXCLUDED.surface_habitable, type_construction = EXCLUDED.type_construction,
                annee_achevement = EXCLUDED.annee_achevement, financement = EXCLUDED.financement,
                conventionne = EXCLUDED.conventionne, qpv = EXCLUDED.qpv, statut = 'en-parc', sorti_le = NULL,
                sorti_import_id = NULL, import_id = EXCLUDED.import_id, updated_at = now()
          WHERE (l.siren_bailleur, l.code_commune, l.departement, l.nb_pieces, l.surface_habitable,
                 l.type_construction, l.annee_achevement, l.financement, l.conventionne, l.qpv, l.statut)
                IS DISTINCT FROM
                (EXCLUDED.siren_bailleur, EXCLUDED.code_commune, EXCLUDED.departement, EXCLUDED.nb_pieces,
                 EXCLUDED.surface_habitable, EXCLUDED.type_construction, EXCLUDED.annee_achevement,
                 EXCLUDED.financement, EXCLUDED.conventionne, EXCLUDED.qpv, 'en-parc')
         RETURNING xmax = 0 AS inserted
       )
       SELECT count(*) FILTER (WHERE inserted)::int AS inserted,
              count(*) FILTER (WHERE NOT inserted)::int AS updated,
              (SELECT count(*)::int FROM ${staging} WHERE valid) AS valid
         FROM upserted`,
      [importId],
    );
    const { inserted = 0, updated = 0, valid = 0 } = upsert.rows[0] ?? {};
    let sortis = 0;
    if (mode === 'snapshot') {
      // Bailleurs present = SIRENs of valid rows; listed = every identifiant of the file, even on a
      // rejected row (it is still in the parc, its row only needs fixing).
      const marked = await db.query(
        `UPDATE logements l SET statut = 'sorti', sorti_le = now(), sorti_import_id = $1, updated_at = now()
          WHERE l.statut = 'en-parc'
            AND l.siren_bailleur IN (SELECT DISTINCT siren_bailleur FROM ${staging} WHERE valid)
            AND NOT EXISTS (SELECT 1 FROM ${staging} s WHERE s.identifiant_rpls = l.identifiant_rpls)`,
        [importId],
      );
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
  let requeued = 0;
  for (const { id, job_id } of rows) {
    if (job_id && (await isLive(queue, job_id))) continue;
    const job = mergeJob(id, `merge-${id}-${randomUUID()}`);
    await pool.query('UPDATE rpls_imports SET job_id = $2, updated_at = now() WHERE id = $1', [
      id,
      job.opts.jobId,
    ]);
    await queue.add(job.name, job.data, job.opts);
    requeued++;
  }
  return requeued;
}

async function isLive(queue: Queue<RplsJobData>, jobId: string): Promise<boolean> {
  const job = await queue.getJob(jobId);
  return job ? LIVE_STATES.has(await job.getState()) : false;
}
