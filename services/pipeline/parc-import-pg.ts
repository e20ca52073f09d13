import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import type { Actor } from '../core/actor.ts';
import type { LogementRecord } from '../core/parc.ts';
import { withTimeout } from '../shared/with-timeout.ts';
import type { ImportMode, ImportSession, ImportStatus, ParcImports, RowError } from './parc-import.ts';
import { createStagingSql, stagingTable } from './parc-staging.ts';
import { mergeJob, type RplsJobData } from './queues.ts';

/** Rows per INSERT into the staging table: large enough that a round trip costs little per row. */
const BATCH_ROWS = 5000;
/** Errors an import reports (the first ones by line). */
const ERRORS_KEPT = 100;
/** How long the 202 may wait for Redis to take the merge job, ms (the import is committed already). */
const ENQUEUE_WAIT_MS = 1000;

export interface PgParcImportsOptions {
  /** More rejected rows than this fail the import (`SNE_RPLS_MAX_REJECTED`). */
  maxRejected: number;
}

/**
 * RPLS imports in PostgreSQL. A file is received in ONE transaction that creates its staging table
 * and writes its rows in batches while the body streams; the commit (with the `rpls_imports` row,
 * `received`) comes before the 202, so a crash afterwards loses nothing and a crash before leaves
 * nothing. The merge into `logements` is a job (parc-merge.ts), re-queued by the reconciler.
 */
export class PgParcImports implements ParcImports {
  constructor(
    private readonly pool: pg.Pool,
    private readonly queue: Queue<RplsJobData>,
    private readonly options: PgParcImportsOptions,
    private readonly log: Pick<FastifyBaseLogger, 'warn'>,
  ) {}

  async begin(actor: Actor, mode: ImportMode): Promise<ImportSession> {
    const client = await this.pool.connect();
    const importId = randomUUID();
    try {
      await client.query('BEGIN');
      await client.query(createStagingSql(importId));
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      client.release();
      throw error;
    }
    return new PgImportSession(client, importId, actor.clientId, mode, this.queue, this.options, this.log);
  }

  async status(importId: string): Promise<ImportStatus | undefined> {
    const { rows } = await this.pool.query<ImportRow>(
      `SELECT id, client_id, mode, status, rows_read, inserted, updated, unchanged, rejected, sortis, errors,
              failure, started_at, finished_at
         FROM rpls_imports WHERE id = $1`,
      [importId],
    );
    const row = rows[0];
    return row ? statusOf(row) : undefined;
  }
}

interface ImportRow {
  id: string;
  client_id: string;
  mode: ImportMode;
  status: 'received' | 'completed' | 'failed';
  rows_read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  sortis: number;
  errors: RowError[];
  failure: string | null;
  started_at: Date;
  finished_at: Date | null;
}

function statusOf(row: ImportRow): ImportStatus {
  return {
    importId: row.id,
    clientId: row.client_id,
    mode: row.mode,
    status: row.status === 'received' ? 'running' : row.status,
    rowsRead: row.rows_read,
    inserted: row.inserted,
    updated: row.updated,
    unchanged: row.unchanged,
    rejected: row.rejected,
    sortis: row.sortis,
    errors: row.errors,
    ...(row.failure ? { failure: row.failure } : {}),
    startedAt: row.started_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}

/** The rows of one batch, column by column: what `unnest` takes. */
class Batch {
  readonly line: number[] = [];
  readonly identifiant: string[] = [];
  readonly valid: boolean[] = [];
  readonly siren: (string | null)[] = [];
  readonly commune: (string | null)[] = [];
  readonly departement: (string | null)[] = [];
  readonly pieces: (number | null)[] = [];
  readonly surface: (number | null)[] = [];
  readonly construction: (string | null)[] = [];
  readonly annee: (number | null)[] = [];
  readonly financement: (string | null)[] = [];
  readonly conventionne: (boolean | null)[] = [];
  readonly qpv: (boolean | null)[] = [];

  get size(): number {
    return this.line.length;
  }

  push(line: number, identifiant: string, record: LogementRecord | undefined): void {
    this.line.push(line);
    this.identifiant.push(identifiant);
    this.valid.push(record !== undefined);
    this.siren.push(record?.sirenBailleur ?? null);
    this.commune.push(record?.codeCommune ?? null);
    this.departement.push(record?.departement ?? null);
    this.pieces.push(record?.nbPieces ?? null);
    this.surface.push(record?.surfaceHabitable ?? null);
    this.construction.push(record?.typeConstruction ?? null);
    this.annee.push(record?.anneeAchevement ?? null);
    this.financement.push(record?.financement ?? null);
    this.conventionne.push(record?.conventionne ?? null);
    this.qpv.push(record?.qpv ?? null);
  }

  params(): unknown[] {
    return [
      this.line,
      this.identifiant,
      this.valid,
      this.siren,
      this.commune,
      this.departement,
      this.pieces,
      this.surface,
      this.construction,
      this.annee,
      this.financement,
      this.conventionne,
      this.qpv,
    ];
  }
}

class PgImportSession implements ImportSession {
  private readonly startedAt = new Date();
  private readonly table: string;
  private batch = new Batch();
  /** The batch being written, if any; a failure is kept to be thrown by the next `drain()`. */
  private writing: Promise<void> | undefined;
  private failure: Error | undefined;
  private rowsRead = 0;
  private rejectedRows = 0;
  private errors: RowError[] = [];
  private closed = false;

  constructor(
    private readonly client: pg.PoolClient,
    readonly importId: string,
    private readonly clientId: string,
    private readonly mode: ImportMode,
    private readonly queue: Queue<RplsJobData>,
    private readonly options: PgParcImportsOptions,
    private readonly log: Pick<FastifyBaseLogger, 'warn'>,
  ) {
    this.table = stagingTable(importId);
  }

  get rejected(): number {
    return this.rejectedRows;
  }

  get tooManyRejected(): boolean {
    return this.rejectedRows > this.options.maxRejected;
  }

  add(line: number, record: LogementRecord): void {
    this.rowsRead++;
    this.batch.push(line, record.identifiantRpls, record);
  }

  reject(error: RowError, identifiantRpls?: string): void {
    this.rowsRead++;
    this.recordError(error);
    if (identifiantRpls !== undefined) this.batch.push(error.line, identifiantRpls, undefined);
  }

  async drain(): Promise<void> {
    if (this.batch.size < BATCH_ROWS) return this.throwIfFailed();
    await this.writing;
    this.throwIfFailed();
    const full = this.batch;
    this.batch = new Batch();
    // Not awaited: the next batch is parsed while this one is written (one write in flight at most).
    this.writing = this.write(full).catch((error: Error) => {
      this.failure = error;
    });
  }

  async finish(): Promise<{ importId: string; accepted: boolean }> {
    await this.writing;
    this.throwIfFailed();
    if (this.batch.size > 0 && !this.tooManyRejected) await this.write(this.batch);
    this.closed = true;
    const errors = this.firstErrors();
    if (this.tooManyRejected) {
      // Nothing of the file is kept; the import stays, failed, with its errors (autocommit).
      try {
        await this.client.query('ROLLBACK');
        await this.record('failed', errors);
      } finally {
        this.client.release();
      }
      return { importId: this.importId, accepted: false };
    }
    const job = mergeJob(this.importId);
    try {
      await this.record('received', errors, job.opts.jobId);
      await this.client.query('COMMIT');
    } catch (error) {
      await this.client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      this.client.release();
    }
    // After the commit: the job names a committed import. If Redis is away, the reconciler queues it.
    await withTimeout(this.queue.add(job.name, job.data, job.opts), ENQUEUE_WAIT_MS, 'Redis').catch(
      (error: Error) => {
        this.log.warn(
          { importId: this.importId, err: error.message },
          'RPLS merge not queued; the reconciler will',
        );
      },
    );
    return { importId: this.importId, accepted: true };
  }

  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // A write in flight fails on the rolled-back transaction, or finishes first: either way, nothing stays.
    await this.writing;
    await this.client.query('ROLLBACK').catch(() => {});
    this.client.release();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  /** The import's row: `received` inside the file's transaction, `failed` on its own. */
  private async record(status: 'received' | 'failed', errors: RowError[], jobId?: string): Promise<void> {
    await this.client.query(
      `INSERT INTO rpls_imports (id, client_id, mode, status, rows_read, rejected, errors, failure, job_id,
                                 started_at, finished_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, CASE WHEN $4 = 'failed' THEN now() END)`,
      [
        this.importId,
        this.clientId,
        this.mode,
        status,
        this.rowsRead,
        this.rejectedRows,
        JSON.stringify(errors),
        status === 'failed' ? 'TOO_MANY_REJECTED' : null,
        jobId ?? null,
        this.startedAt,
      ],
    );
  }

  private recordError(error: RowError): void {
    this.rejectedRows++;
    this.errors.push(error);
    // Keep the memory flat: an error beyond the first ERRORS_KEPT by line can never come back.
    if (this.errors.length >= 2 * ERRORS_KEPT) this.errors = this.firstErrors();
  }

  private firstErrors(): RowError[] {
    return this.errors.sort((a, b) => a.line - b.line).slice(0, ERRORS_KEPT);
  }

  /**
   * Writes a batch. A second occurrence of an identifiant is not inserted (ON CONFLICT DO NOTHING):
   * every occurrence of it is then rejected, the first one too, since the file contradicts itself.
   */
  private async write(batch: Batch): Promise<void> {
    const { rows } = await this.client.query<{ line: number }>(
      `INSERT INTO ${this.table} (line, identifiant_rpls, valid, siren_bailleur, code_commune, departement,
              nb_pieces, surface_habitable, type_construction, annee_achevement, financement, conventionne, qpv)
       SELECT * FROM unnest($1::int[], $2::text[], $3::boolean[], $4::text[], $5::text[], $6::text[],
              $7::smallint[], $8::numeric[], $9::text[], $10::smallint[], $11::text[], $12::boolean[], $13::boolean[])
       ON CONFLICT (identifiant_rpls) DO NOTHING
       RETURNING line`,
      batch.params(),
    );
    if (rows.length === batch.size) return;
    const inserted = new Set(rows.map((r) => r.line));
    const duplicates: string[] = [];
    for (let i = 0; i < batch.size; i++) {
      const line = batch.line[i] as number;
      if (inserted.has(line) || !batch.valid[i]) continue;
      duplicates.push(batch.identifiant[i] as string);
      this.recordError(duplicateError(line, batch.identifiant[i] as string));
    }
    if (duplicates.length === 0) return;
    const firsts = await this.client.query<{ line: number; identifiant_rpls: string }>(
      `UPDATE ${this.table} SET valid = false WHERE identifiant_rpls = ANY($1::text[]) AND valid
       RETURNING line, identifiant_rpls`,
      [duplicates],
    );
    for (const first of firsts.rows) this.recordError(duplicateError(first.line, first.identifiant_rpls));
  }
}

function duplicateError(line: number, identifiant: string): RowError {
  return {
    line,
    code: 'DUPLICATE_IDENTIFIANT',
    message: `identifiant_rpls ${identifiant} appears more than once in the file: every occurrence is rejected.`,
  };
}
