import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Queue } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Actor } from '../core/actor.ts';
import type { LogementRecord } from '../core/parc.ts';
import { isUniqueViolation } from '../db/safe-error.ts';
import { REDIS_WAIT_MS, withTimeout } from '../shared/with-timeout.ts';
import { copyRow } from './parc-copy-row.ts';
import type { ImportMode, ImportSession, ImportStatus, ParcImports, RowError } from './parc-import.ts';
import { addStagingKeySql, copyStagingSql, createStagingSql, stagingTable } from './parc-staging.ts';
import { mergeJob, type RplsJobData } from './queues.ts';

/** Characters of COPY rows gathered before one write to the COPY stream: few writes, little memory. */
const CHUNK_CHARS = 256 * 1024;
/** Errors an import reports (the first ones by line). */
const ERRORS_KEPT = 100;

export interface PgParcImportsOptions {
  /** More rejected rows than this fail the import (`SNE_RPLS_MAX_REJECTED`). */
  maxRejected: number;
}

/**
 * RPLS imports in PostgreSQL. A file is received in ONE transaction that creates its staging table
 * and COPYs its rows into it while the body streams (`COPY … FROM STDIN`, pg-copy-streams); the
 * commit (with the `rpls_imports` row, `received`) comes before the 202, so a crash afterwards loses
 * nothing and a crash before leaves nothing. The merge into `logements` is a job (parc-merge.ts),
 * re-queued by the reconciler.
 *
 * `uploads` is a pool of its own: an upload holds its connection for as long as its body streams,
 * and must not take one that the other routes' 202s need. `pool` (the shared one) only reads.
 */
export class PgParcImports implements ParcImports {
  constructor(
    private readonly pool: pg.Pool,
    private readonly uploads: pg.Pool,
    private readonly queue: Queue<RplsJobData>,
    private readonly options: PgParcImportsOptions,
    private readonly log: Pick<FastifyBaseLogger, 'warn'>,
  ) {}

  async begin(actor: Actor, mode: ImportMode): Promise<ImportSession> {
    const client = await this.uploads.connect();
    const importId = randomUUID();
    let copy: CopyStream;
    try {
      await client.query('BEGIN');
      await client.query(createStagingSql(importId));
      copy = client.query(copyFrom(copyStagingSql(importId)));
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      client.release();
      throw error;
    }
    return new PgImportSession(
      client,
      copy,
      importId,
      actor.clientId,
      mode,
      this.queue,
      this.options,
      this.log,
    );
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

type CopyStream = ReturnType<typeof copyFrom>;

class PgImportSession implements ImportSession {
  private readonly startedAt = new Date();
  private readonly table: string;
  /** COPY rows not yet written to the stream, and their length in characters. */
  private chunk: string[] = [];
  private chunkChars = 0;
  /** The COPY's failure (the connection lost, a row PostgreSQL refused), thrown by the next call. */
  private failure: Error | undefined;
  private copying = true;
  private rowsRead = 0;
  private rejectedRows = 0;
  private errors: RowError[] = [];
  private closed = false;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly copy: CopyStream,
    readonly importId: string,
    private readonly clientId: string,
    private readonly mode: ImportMode,
    private readonly queue: Queue<RplsJobData>,
    private readonly options: PgParcImportsOptions,
    private readonly log: Pick<FastifyBaseLogger, 'warn'>,
  ) {
    this.table = stagingTable(importId);
    copy.on('error', (error: Error) => {
      this.failure ??= error;
    });
  }

  get rejected(): number {
    return this.rejectedRows;
  }

  get tooManyRejected(): boolean {
    return this.rejectedRows > this.options.maxRejected;
  }

  add(line: number, record: LogementRecord): void {
    this.rowsRead++;
    this.push(copyRow(line, record.identifiantRpls, record));
  }

  reject(error: RowError, identifiantRpls?: string): void {
    this.rowsRead++;
    this.recordError(error);
    if (identifiantRpls !== undefined) this.push(copyRow(error.line, identifiantRpls, undefined));
  }

  async drain(): Promise<void> {
    this.throwIfFailed();
    if (this.chunkChars < CHUNK_CHARS) return;
    // The body is read no faster than PostgreSQL takes the rows: memory stays flat.
    if (!this.copy.write(this.takeChunk())) await this.copyDrained();
    this.throwIfFailed();
  }

  async finish(): Promise<{ importId: string; accepted: boolean }> {
    this.throwIfFailed();
    if (!this.tooManyRejected) {
      if (this.chunkChars > 0) this.copy.write(this.takeChunk());
      await this.endCopy();
      await this.rejectDuplicates();
    }
    this.closed = true;
    const errors = this.firstErrors();
    if (this.tooManyRejected) {
      // Nothing of the file is kept; the import stays, failed, with its errors (autocommit).
      try {
        await this.stopCopy();
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
    await withTimeout(this.queue.add(job.name, job.data, job.opts), REDIS_WAIT_MS, 'Redis').catch(
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
    // The COPY is cancelled (CopyFail), then the transaction rolled back: nothing stays.
    await this.stopCopy();
    const broken = await this.client.query('ROLLBACK').then(
      () => undefined,
      (error: Error) => error,
    );
    // A connection that cannot even roll back is not given to the next upload.
    this.client.release(broken);
  }

  private push(row: string): void {
    this.chunk.push(row);
    this.chunkChars += row.length;
  }

  private takeChunk(): string {
    const text = this.chunk.join('');
    this.chunk = [];
    this.chunkChars = 0;
    return text;
  }

  /** Resolves when the COPY stream takes more, or failed (the failure is then in `this.failure`). */
  private async copyDrained(): Promise<void> {
    await once(this.copy, 'drain').catch(() => {});
  }

  /** Ends the COPY: resolves once PostgreSQL has every row. */
  private async endCopy(): Promise<void> {
    this.copying = false;
    await new Promise<void>((resolve, reject) => {
      this.copy.once('error', reject);
      this.copy.end(resolve);
    });
    this.throwIfFailed();
  }

  /** Cancels a COPY still open; its error (the cancellation itself) is expected. */
  private async stopCopy(): Promise<void> {
    if (!this.copying) return;
    this.copying = false;
    if (this.copy.closed) return;
    // Not `once(…, 'close')`: it would reject on the cancellation's own 'error' event.
    const closed = new Promise((resolve) => this.copy.once('close', resolve));
    this.copy.destroy(new Error('RPLS import stopped'));
    await closed;
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
   * Gives the staged rows their key. An identifiant that appears more than once keeps only its first
   * occurrence; if a later occurrence was valid, the file contradicts itself and every valid
   * occurrence is rejected (the first one kept, not valid, so that a snapshot does not take that
   * logement for gone). The common case, no duplicate, costs the key's index and nothing more.
   */
  private async rejectDuplicates(): Promise<void> {
    await this.client.query('SAVEPOINT staging_key');
    try {
      await this.client.query(addStagingKeySql(this.importId));
      return;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      await this.client.query('ROLLBACK TO SAVEPOINT staging_key');
    }
    await this.client.query(
      `CREATE TEMP TABLE rpls_occurrences ON COMMIT DROP AS
         SELECT identifiant_rpls, line, valid,
                row_number() OVER (PARTITION BY identifiant_rpls ORDER BY line) AS occurrence
           FROM ${this.table}
          WHERE identifiant_rpls IN (SELECT identifiant_rpls FROM ${this.table} GROUP BY 1 HAVING count(*) > 1)`,
    );
    await this.client.query(
      `DELETE FROM ${this.table} s USING rpls_occurrences o WHERE s.line = o.line AND o.occurrence > 1`,
    );
    const { rows } = await this.client.query<{ total: number; line: number; identifiant_rpls: string }>(
      `WITH contradicted AS (
         SELECT DISTINCT identifiant_rpls FROM rpls_occurrences WHERE occurrence > 1 AND valid
       ), rejected AS (
         SELECT o.line, o.identifiant_rpls, o.occurrence
           FROM rpls_occurrences o JOIN contradicted USING (identifiant_rpls) WHERE o.valid
       ), firsts AS (
         UPDATE ${this.table} s SET valid = false FROM rejected r WHERE s.line = r.line AND r.occurrence = 1
       )
       SELECT count(*) OVER ()::int AS total, line, identifiant_rpls FROM rejected ORDER BY line LIMIT ${ERRORS_KEPT}`,
    );
    const total = rows[0]?.total ?? 0;
    for (const row of rows) this.recordError(duplicateError(row.line, row.identifiant_rpls));
    // The rejected rows past the first ERRORS_KEPT by line count without their messages.
    this.rejectedRows += total - rows.length;
    await this.client.query('DROP TABLE rpls_occurrences');
    if (!this.tooManyRejected) await this.client.query(addStagingKeySql(this.importId));
  }
}

function duplicateError(line: number, identifiant: string): RowError {
  return {
    line,
    code: 'DUPLICATE_IDENTIFIANT',
    message: `identifiant_rpls ${identifiant} appears more than once in the file: every occurrence is rejected.`,
  };
}
