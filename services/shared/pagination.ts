/**
 * Cursor pagination of every list (interfaces.md §1): a query asks for `limit + 1` rows; the extra
 * one only says whether a next page exists, so `next` is absent on the last page — never a last
 * page that is empty. Used by the API's routes and by the pipeline's lists alike.
 */

/** How many rows to fetch for a page of `limit` items. */
export function rowsFor(limit: number): number {
  return limit + 1;
}

/** A page of a list reply: at most `limit` items, and the cursor of the next page when there is one. */
export interface Page<T> {
  items: T[];
  next?: string;
}

/**
 * The page made of `rows` fetched with `rowsFor(limit)`: the first `limit` of them, and `next` (the
 * cursor of the last item kept) only when a further row exists.
 */
export function pageOf<T>(rows: T[], limit: number, cursorOf: (item: T) => string): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return rows.length > limit && last !== undefined ? { items, next: cursorOf(last) } : { items };
}

/**
 * How long a transaction writing listed rows may last, at most, for a time to bound their ids. A
 * row's time is its transaction's start (`now()`) and its id (`seq`, a bigserial) is drawn inside
 * that transaction: so every row timed before T has a smaller id than every row timed from
 * T + TRANSACTION_SLACK. Intake and audit transactions last milliseconds; an hour is far beyond,
 * and none can sit open between its statements: the hub's sessions end a transaction idle for
 * `SNE_PG_IDLE_IN_TRANSACTION_MS` (default a minute; `Config.pgIdleInTransactionMs`).
 * The lists turn a time bound into an id bound with it, to walk their id index from the right place
 * instead of from the newest row (message-list.ts, audit-search.ts).
 */
export const TRANSACTION_SLACK = "interval '1 hour'";
