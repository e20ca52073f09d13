/**
 * The query parameters of every list route (interfaces.md §1: `?limit=` default 100, max 1000, and
 * `?cursor=`). The pages themselves are cut by `services/shared/pagination.ts`.
 */

/**
 * A cursor that is a PostgreSQL `bigint` (a sequence, a serial id): at most 19 digits, below 9·10^18,
 * so that a cursor past the type's range is a 400, never an overflow in the query.
 */
export const BIGINT_CURSOR_PATTERN = '^(?:[0-9]{1,18}|[0-8][0-9]{18})$';

/** The `limit` query parameter of a list route. */
export const LIMIT_QUERY_SCHEMA = {
  type: 'integer',
  minimum: 1,
  maximum: 1000,
  default: 100,
  description: 'Items per page, 1 to 1000.',
} as const;
