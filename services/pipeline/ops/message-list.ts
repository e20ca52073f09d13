import type { Queryable } from '../../db/pool.ts';
import { pageOf, rowsFor, TRANSACTION_SLACK } from '../../shared/pagination.ts';
import { COLUMNS, type MessageRow, type MessageView, viewOf } from '../message-queries.ts';
import { filterCondition, type MessageFilter, type SqlCondition } from './message-filter.ts';

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
 * Times select messages, `seq` orders them, and the planner cannot know that the two go together:
 * walking `seq` backwards from the newest message to reach a period in the past would read every
 * message after it. So the period's times are first turned into bounds of `seq` (seqBounds), and
 * the page is read by the parts of pageQueries, in order, until it is full.
 */
export async function listMessages(
  db: Queryable,
  filter: MessageFilter,
  page: { limit: number; cursor?: string },
): Promise<{ items: OpsMessageItem[]; next?: string }> {
  const wanted = rowsFor(page.limit);
  const rows: ItemRow[] = [];
  for (const part of pageQueries(filter, await seqBounds(db, filter), ITEM_COLUMNS)) {
    if (rows.length >= wanted) break;
    const result = await db.query<ItemRow>(part.sql, [
      page.cursor ?? null,
      wanted - rows.length,
      ...part.params,
    ]);
    rows.push(...result.rows);
  }
  const { items, next } = pageOf(rows, page.limit, (row) => row.seq);
  return { items: items.map(itemOf), ...(next ? { next } : {}) };
}

/**
 * What a filter's times say of `seq` (each bound exclusive, absent when the times say nothing):
 * - `below`: every message received before `receivedUntil`, or whose status changed before `to`
 *   (a status changes after the message arrives), has a smaller `seq`;
 * - `above`: every message received from `receivedSince` on has a greater `seq`;
 * - `split`, with `from` but no `receivedSince`: the last message received before `from` (and the
 *   slack). Messages above it were received around the period or later; those at or below it
 *   arrived earlier and changed status in the period (a replay, a discard), which is rare.
 */
export interface SeqBounds {
  below?: string;
  above?: string;
  split?: string;
}

/**
 * Reads the bounds of `seq` that the filter's times imply. Each is a probe of the BRIN of
 * `received_at` over the hour after (or before) the time, widened only when that hour holds no
 * message: a few milliseconds. TRANSACTION_SLACK says why a time plus an hour bounds `seq`.
 */
export async function seqBounds(db: Queryable, filter: MessageFilter): Promise<SeqBounds> {
  const until = earliest(filter.to, filter.receivedUntil);
  const bounds: SeqBounds = {};
  if (until !== undefined) {
    const below = await probe(db, 'min', `$1::timestamptz + ${TRANSACTION_SLACK}`, until);
    if (below !== null) bounds.below = below;
  }
  if (filter.receivedSince !== undefined) {
    // Nothing received before it (and the slack): every message is above 0.
    const above = await probe(db, 'max', `$1::timestamptz - ${TRANSACTION_SLACK}`, filter.receivedSince);
    bounds.above = above ?? '0';
  } else if (filter.from !== undefined) {
    const split = await probe(db, 'max', `$1::timestamptz - ${TRANSACTION_SLACK}`, filter.from);
    if (split !== null) bounds.split = split;
  }
  return bounds;
}

/** Widths of the windows a probe tries in turn. */
const PROBE_WINDOWS = ["interval '1 hour'", "interval '1 day'", "interval '31 days'"];

/**
 * A bound of `seq` at `time`: with `min`, the `seq` of a message received from `time` on (the
 * smallest, when the nearest windows find one); with `max`, of a message received before it (the
 * greatest). Null when the windows beside `time` hold no message and the log's end says nothing
 * either: no bound, which is always right, only slower.
 * - One statement a window, each small: a single statement holding them all looked costly enough
 *   to the planner for JIT compilation, which took longer than the probes.
 * - `seq + 0`: for a bare `min(seq)` the planner would walk messages_seq_key from the oldest
 *   message, filtering by time.
 * - Every window aggregates, the month-wide one too: a `LIMIT 1` there (any message of the month,
 *   a looser bound) made the planner walk the table from its start rather than read the BRIN,
 *   240 ms on 2 M messages when the month was empty, where the aggregate reads the BRIN in 0.5 ms.
 * - Past the windows, one step into messages_seq_key: a time beyond the newest message (`max`) or
 *   before the oldest (`min`) bounds nothing but the log's end, and reading without a window would
 *   read the whole table.
 */
async function probe(
  db: Queryable,
  edge: 'min' | 'max',
  time: string,
  value: string,
): Promise<string | null> {
  for (const width of PROBE_WINDOWS) {
    const window =
      edge === 'min'
        ? `s.received_at >= ${time} AND s.received_at < ${time} + ${width}`
        : `s.received_at < ${time} AND s.received_at >= ${time} - ${width}`;
    const { rows } = await db.query<{ seq: string | null }>(
      `SELECT ${edge}(s.seq + 0) AS seq FROM messages s WHERE ${window}`,
      [value],
    );
    const seq = rows[0]?.seq;
    if (seq !== null && seq !== undefined) return seq;
  }
  const { rows } = await db.query<{ seq: string }>(
    edge === 'min'
      ? `SELECT s.seq FROM (SELECT seq, received_at FROM messages ORDER BY seq LIMIT 1) s WHERE s.received_at >= ${time}`
      : `SELECT s.seq FROM (SELECT seq, received_at FROM messages ORDER BY seq DESC LIMIT 1) s WHERE s.received_at < ${time}`,
    [value],
  );
  return rows[0]?.seq ?? null;
}

/** The earlier of two ISO times, either of which may be absent. */
function earliest(a?: string, b?: string): string | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return Date.parse(a) <= Date.parse(b) ? a : b;
}

/**
 * The SQL of a page of `columns` (of `messages m`), newest first, as parts to read in order until
 * the page is full: `$1` the cursor (or null), `$2` the rows still wanted, then each part's params.
 * - The first part walks `seq` backwards between the bounds, the times and the other fields
 *   filtering what it meets: its cost is the page, not the table.
 * - With a `split` (a `from` without `receivedSince`), a second part reads the messages at or below
 *   it whose status changed in the period, through the BRIN of `updated_at`, and sorts only them.
 *   Its `seq + 0` keeps the planner off the backward walk of `seq`, which would read every older
 *   message. It runs only when the first part could not fill the page: at the end of the period.
 * bench/ops-messages.bench.ts explains these same queries.
 */
export function pageQueries(
  filter: MessageFilter,
  bounds: SeqBounds,
  columns: string,
): { sql: string; params: unknown[] }[] {
  const where = filterCondition(filter, 3);
  const walk = withSeqBounds(where, bounds, 3);
  if (bounds.split !== undefined) walk.sql += ` AND m.seq > $${3 + walk.params.push(bounds.split) - 1}`;
  const parts = [
    {
      sql: `SELECT ${columns} FROM messages m
             WHERE ($1::bigint IS NULL OR m.seq < $1) AND ${walk.sql}
             ORDER BY m.seq DESC LIMIT $2`,
      params: walk.params,
    },
  ];
  if (bounds.split !== undefined) {
    const split = `m.seq + 0 <= $${3 + where.params.length}`;
    parts.push({
      sql: `WITH page AS MATERIALIZED (
              SELECT m.seq FROM messages m
               WHERE ($1::bigint IS NULL OR m.seq + 0 < $1) AND ${where.sql} AND ${split}
               ORDER BY m.seq + 0 DESC LIMIT $2)
            SELECT ${columns} FROM messages m JOIN page USING (seq) ORDER BY m.seq DESC`,
      params: [...where.params, bounds.split],
    });
  }
  return parts;
}

/**
 * A filter's condition (of `messages m`, its parameters from `first`) with the bounds of `seq` its
 * times imply that always hold, `below` and `above` (`split` bounds only a part: see pageQueries).
 * Without them, a bulk replay's sample and chunks walked `messages_status_seq` from the oldest
 * failed message, filtering by time: 150 ms to show 20 messages failed in the last two days among
 * 100,000 failed (2 M messages, bench:ops-messages' database), 2 ms with them.
 */
function withSeqBounds(where: SqlCondition, bounds: SeqBounds, first: number): SqlCondition {
  const params = [...where.params];
  const parts = [where.sql];
  if (bounds.below !== undefined) parts.push(`m.seq < $${first + params.push(bounds.below) - 1}`);
  if (bounds.above !== undefined) parts.push(`m.seq > $${first + params.push(bounds.above) - 1}`);
  return { sql: parts.join(' AND '), params };
}

/** The first messages matching, oldest first, within `bounds` (`seqBounds`): what a dry run shows of a bulk replay. */
export async function sampleMessages(
  db: Queryable,
  filter: MessageFilter,
  bounds: SeqBounds,
  size: number,
): Promise<OpsMessageItem[]> {
  const where = withSeqBounds(filterCondition(filter, 2), bounds, 2);
  const { rows } = await db.query<ItemRow>(
    `SELECT ${ITEM_COLUMNS} FROM messages m WHERE ${where.sql} ORDER BY m.seq LIMIT $1`,
    [size, ...where.params],
  );
  return rows.map(itemOf);
}

/** How many messages match within `bounds` (`seqBounds`), with the last `seq` among them (0 when none). */
export async function countMessages(
  db: Queryable,
  filter: MessageFilter,
  bounds: SeqBounds,
): Promise<{ count: number; maxSeq: string }> {
  const where = withSeqBounds(filterCondition(filter, 1), bounds, 1);
  const { rows } = await db.query<{ count: string; max_seq: string | null }>(
    `SELECT count(*) AS count, max(m.seq) AS max_seq FROM messages m WHERE ${where.sql}`,
    where.params,
  );
  return { count: Number(rows[0]?.count ?? 0), maxSeq: rows[0]?.max_seq ?? '0' };
}
