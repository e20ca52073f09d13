import type { Queryable } from '../db/pool.ts';

/** The statuses that wait for an operator, which the summary counts. */
export const SUMMARY_STATUSES = ['failed', 'rejected'] as const;
export type SummaryStatus = (typeof SUMMARY_STATUSES)[number];

export interface SummaryFilter {
  status: SummaryStatus;
  /** ISO date-times: only messages received in `[receivedSince, receivedUntil)`. */
  receivedSince?: string;
  receivedUntil?: string;
}

/** One group of the summary: the messages of one system that ended with one error code. */
export interface SummaryGroup {
  system: string;
  /** The error code (`LOGEMENT_INCONNU`, `CONTRACT_INVALID`…); absent if none was recorded. */
  errorCode?: string;
  count: number;
  /** When the oldest and the latest of them were received. */
  firstReceivedAt: string;
  lastReceivedAt: string;
}

export interface MessageSummary {
  status: SummaryStatus;
  total: number;
  groups: SummaryGroup[];
}

/**
 * Messages waiting for an operator, counted by system and error code — the console's first
 * screen. Served by the partial index `messages_summary` (migration 027, whose predicate the query
 * repeats) as an index-only scan in its own order: only failed and rejected messages are in it,
 * never the applied millions, and it holds every column the summary reads (`error_code`, the
 * error's code, written with `error`).
 */
export async function summarizeMessages(db: Queryable, filter: SummaryFilter): Promise<MessageSummary> {
  const { rows } = await db.query<{
    system: string;
    code: string | null;
    n: string;
    first: Date;
    last: Date;
  }>(
    `SELECT system, error_code AS code, count(*) AS n, min(received_at) AS first, max(received_at) AS last
       FROM messages
      WHERE status = $1 AND status IN ('failed', 'rejected')
        AND ($2::timestamptz IS NULL OR received_at >= $2)
        AND ($3::timestamptz IS NULL OR received_at < $3)
      GROUP BY system, error_code
      ORDER BY count(*) DESC, system, error_code`,
    [filter.status, filter.receivedSince ?? null, filter.receivedUntil ?? null],
  );
  const groups = rows.map((row) => ({
    system: row.system,
    ...(row.code ? { errorCode: row.code } : {}),
    count: Number(row.n),
    firstReceivedAt: row.first.toISOString(),
    lastReceivedAt: row.last.toISOString(),
  }));
  return { status: filter.status, total: groups.reduce((sum, g) => sum + g.count, 0), groups };
}
