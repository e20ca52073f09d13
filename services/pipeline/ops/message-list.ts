import type { Queryable } from '../../db/pool.ts';
import { pageOf, rowsFor } from '../../shared/pagination.ts';
import { COLUMNS, type MessageRow, type MessageView, viewOf } from '../message-queries.ts';
import { filterCondition, type MessageFilter } from './message-filter.ts';

/**
 * One message as operators list it (GET /ops/messages): its sender's view, the error without its
 * details (the detail route gives them), when its status last changed and its revision in force.
 */
export interface OpsMessageItem extends Omit<MessageView, 'error'> {
  error?: { code: string; message: string };
  /** When its status last changed: the time `from`/`to` select on. */
  updatedAt: string;
  /** The revision in force: 0 for the message as received, n after n corrected payloads. */
  revision: number;
}

/** A `messages` row as `ITEM_COLUMNS` reads it. */
export interface ItemRow extends MessageRow {
  seq: string;
  updated_at: Date;
  revision: number;
}

/** The columns of a listed message, on `messages m`. */
export const ITEM_COLUMNS = `m.seq, m.updated_at, m.revision, ${COLUMNS.split(', ')
  .map((column) => `m.${column}`)
  .join(', ')}`;

/** A row as operators see it. */
export function itemOf(row: ItemRow): OpsMessageItem {
  const { error, ...view } = viewOf(row);
  return {
    ...view,
    ...(error ? { error: { code: error.code, message: error.message } } : {}),
    updatedAt: row.updated_at.toISOString(),
    revision: row.revision,
  };
}

/**
 * A page of messages, newest first (by acceptance order, `seq`). The cursor is the `seq` of the
 * last message of the previous page.
 *
 * A closed period (`from` and `to`, or `receivedSince` and `receivedUntil`) usually lies in the past:
 * walking `seq` backwards from the newest message would read every message after it before finding
 * one (the planner cannot know that `seq` and the times go together). Its messages are then selected
 * through the time index, and only they are sorted. An open period (a start only: "since 02:00")
 * reaches the newest messages, where the backward walk finds a page at once.
 */
export async function listMessages(
  db: Queryable,
  filter: MessageFilter,
  page: { limit: number; cursor?: string },
): Promise<{ items: OpsMessageItem[]; next?: string }> {
  const query = pageQuery(filter, ITEM_COLUMNS);
  const { rows } = await db.query<ItemRow>(query.sql, [
    page.cursor ?? null,
    rowsFor(page.limit),
    ...query.params,
  ]);
  const { items, next } = pageOf(rows, page.limit, (row) => row.seq);
  return { items: items.map(itemOf), ...(next ? { next } : {}) };
}

/**
 * The SQL of a page of `columns` (of `messages m`), newest first: `$1` the cursor (or null), `$2`
 * the rows to read, then `params`. bench/ops-messages.bench.ts explains this same query.
 */
export function pageQuery(filter: MessageFilter, columns: string): { sql: string; params: unknown[] } {
  const where = filterCondition(filter, 3);
  const bounded =
    (filter.from !== undefined && filter.to !== undefined) ||
    (filter.receivedSince !== undefined && filter.receivedUntil !== undefined);
  // In a closed period the cursor is `seq + 0` too: as an index condition it made the planner read
  // every entry of `messages_seq_key` below the cursor (half the table at a deep page) and filter
  // them by time, instead of the period's few BRIN ranges.
  const condition = `($1::bigint IS NULL OR m.${bounded ? 'seq + 0' : 'seq'} < $1) AND ${where.sql}`;
  const sql = bounded
    ? // `seq + 0`: sorting by an expression keeps the planner off the backward walk of `seq`.
      `WITH page AS MATERIALIZED (SELECT m.seq FROM messages m WHERE ${condition} ORDER BY m.seq + 0 DESC LIMIT $2)
       SELECT ${columns} FROM messages m JOIN page USING (seq) ORDER BY m.seq DESC`
    : `SELECT ${columns} FROM messages m WHERE ${condition} ORDER BY m.seq DESC LIMIT $2`;
  return { sql, params: where.params };
}

/** The first messages matching, oldest first: what a dry run shows of a bulk replay. */
export async function sampleMessages(
  db: Queryable,
  filter: MessageFilter,
  size: number,
): Promise<OpsMessageItem[]> {
  const where = filterCondition(filter, 2);
  const { rows } = await db.query<ItemRow>(
    `SELECT ${ITEM_COLUMNS} FROM messages m WHERE ${where.sql} ORDER BY m.seq LIMIT $1`,
    [size, ...where.params],
  );
  return rows.map(itemOf);
}

/** How many messages match, with the last `seq` among them (0 when none). */
export async function countMessages(
  db: Queryable,
  filter: MessageFilter,
): Promise<{ count: number; maxSeq: string }> {
  const where = filterCondition(filter);
  const { rows } = await db.query<{ count: string; max_seq: string | null }>(
    `SELECT count(*) AS count, max(m.seq) AS max_seq FROM messages m WHERE ${where.sql}`,
    where.params,
  );
  return { count: Number(rows[0]?.count ?? 0), maxSeq: rows[0]?.max_seq ?? '0' };
}
