/**
 * Cursor pagination of every list route (interfaces.md §1: `?limit=` default 100, max 1000, and
 * `?cursor=`). A route asks its query for `limit + 1` rows: the extra one only says whether a next
 * page exists, so `next` is absent on the last page — never a last page that is empty.
 */

/** The `limit` query parameter of a list route. */
/**
 * A cursor that is a PostgreSQL `bigint` (a sequence, a serial id): at most 19 digits, below 9·10^18,
 * so that a cursor past the type's range is a 400, never an overflow in the query.
 */
export const BIGINT_CURSOR_PATTERN = '^(?:[0-9]{1,18}|[0-8][0-9]{18})$';

export const LIMIT_QUERY_SCHEMA = {
  type: 'integer',
  minimum: 1,
  maximum: 1000,
  default: 100,
  description: 'Items per page, 1 to 1000.',
} as const;

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
