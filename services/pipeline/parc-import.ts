import type { Actor } from '../core/actor.ts';
import type { LogementRecord } from '../core/parc.ts';

/**
 * RPLS imports as connectors see them: a file's rows are staged while it streams, committed
 * before the 202, then merged into the parc by a job. Connectors know nothing of the SQL behind.
 */

/** `upsert`: insert or update the file's logements. `snapshot`: also mark `sorti` the logements of
 * the file's bailleurs that the file no longer lists. */
export type ImportMode = 'upsert' | 'snapshot';

/** A rejected row: its line in the file (1 is the header), a stable code, what to fix. */
export interface RowError {
  line: number;
  code: string;
  message: string;
}

/** An import as its sender follows it (interfaces.md §8). */
export interface ImportStatus {
  importId: string;
  clientId: string;
  mode: ImportMode;
  /** `running` until the merge committed (or failed). */
  status: 'running' | 'completed' | 'failed';
  rowsRead: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** Logements marked `sorti` (snapshot mode). */
  sortis: number;
  /** The first 100 errors by line. */
  errors: RowError[];
  /** Why a failed import failed: `TOO_MANY_REJECTED`, `MERGE_FAILED`. */
  failure?: string;
  startedAt: string;
  finishedAt: string | null;
}

/** One file being received. Rows may be added while earlier ones are still being written. */
export interface ImportSession {
  readonly importId: string;
  /** Rejected rows so far (row errors; duplicate identifiants are found by `finish()`). */
  readonly rejected: number;
  /** True once more rows were rejected than the import may reject: stop reading, then `finish()`. */
  readonly tooManyRejected: boolean;
  /** A valid row, as mapped from line `line`. */
  add(line: number, record: LogementRecord): void;
  /**
   * A rejected row. `identifiantRpls`, when the row names one validly, keeps that logement from
   * being marked `sorti` by a snapshot: a typo elsewhere in its row does not remove it from the parc.
   */
  reject(error: RowError, identifiantRpls?: string): void;
  /** Waits until PostgreSQL takes the rows written so far, so that the caller reads no faster than that. */
  drain(): Promise<void>;
  /**
   * Commits the staged file and queues its merge (`received`, the 202 may be sent), or, past the
   * rejection limit, discards the rows and stores the import `failed` with its errors.
   */
  finish(): Promise<{ importId: string; accepted: boolean }>;
  /** Discards everything (the upload broke or was refused): no trace of the import remains. */
  abort(): Promise<void>;
}

/** The RPLS imports service (`app.parcImports`). */
export interface ParcImports {
  begin(actor: Actor, mode: ImportMode): Promise<ImportSession>;
  status(importId: string): Promise<ImportStatus | undefined>;
}
