import type { Queryable } from '../../db/pool.ts';
import { formatSequence } from '../events.ts';
import { notLeased } from './delivery.ts';

/** Every status a delivery can have. */
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'discarded'] as const;

/** A webhook delivery as operators see it. */
export interface DeliveryView {
  id: string;
  client: string;
  eventId: string;
  eventType: string;
  subject: string;
  sequence: string;
  status: (typeof DELIVERY_STATUSES)[number];
  attempts: number;
  nextAttemptAt?: string;
  /** Pending deliveries only: an attempt is being sent now (a worker holds its lease). */
  sending?: boolean;
  lastError?: { error: string; statusCode?: number | null };
  createdAt: string;
  deliveredAt?: string;
}

export interface DeliveryFilter {
  status?: string;
  client?: string;
  /** Deliveries created from this instant (inclusive) … */
  from?: string;
  /** … to this one (exclusive). */
  to?: string;
}

interface DeliveryRow {
  id: string;
  client_id: string;
  event_id: string;
  type: string;
  subject: string;
  event_sequence: string;
  status: DeliveryView['status'];
  attempts: number;
  next_attempt_at: Date;
  sending: boolean;
  last_error: DeliveryView['lastError'] | null;
  created_at: Date;
  delivered_at: Date | null;
}

// While an attempt is being sent (a run holds its lease), the next one cannot start before the lease
// ends (GREATEST skips a NULL).
const SELECT = `SELECT d.id, d.client_id, e.id AS event_id, e.type, e.subject, d.event_sequence, d.status, d.attempts,
    GREATEST(d.next_attempt_at, d.leased_until) AS next_attempt_at, NOT ${notLeased('now()', 'd.')} AS sending,
    d.last_error, d.created_at, d.delivered_at
  FROM deliveries d JOIN events e ON e.sequence = d.event_sequence`;

/** The filter as SQL on `deliveries d`, parameters from $1. */
function where(filter: DeliveryFilter): { sql: string; params: unknown[] } {
  const params: unknown[] = [
    filter.status ?? null,
    filter.client ?? null,
    filter.from ?? null,
    filter.to ?? null,
  ];
  return {
    sql: `($1::text IS NULL OR d.status = $1) AND ($2::text IS NULL OR d.client_id = $2)
      AND ($3::timestamptz IS NULL OR d.created_at >= $3) AND ($4::timestamptz IS NULL OR d.created_at < $4)`,
    params,
  };
}

function viewOf(row: DeliveryRow): DeliveryView {
  return {
    id: row.id,
    client: row.client_id,
    eventId: row.event_id,
    eventType: row.type,
    subject: row.subject,
    sequence: formatSequence(row.event_sequence),
    status: row.status,
    attempts: row.attempts,
    ...(row.status === 'pending'
      ? { nextAttemptAt: row.next_attempt_at.toISOString(), sending: row.sending }
      : {}),
    ...(row.last_error ? { lastError: row.last_error } : {}),
    createdAt: row.created_at.toISOString(),
    ...(row.delivered_at ? { deliveredAt: row.delivered_at.toISOString() } : {}),
  };
}

/**
 * Deliveries matching the filter, oldest first, after the cursor (the id of the last one of the
 * previous page; an id no delivery has gives an empty page). Ordered by (created_at, id), which
 * `deliveries_created` and `deliveries_status` hold in order: a window or a status is read as one
 * index range, never the whole table.
 */
export async function listDeliveries(
  db: Queryable,
  filter: DeliveryFilter,
  after: string | undefined,
  limit: number,
): Promise<DeliveryView[]> {
  const { sql, params } = where(filter);
  const page = (condition: string) =>
    `${SELECT} WHERE ${condition}
       AND ($5::uuid IS NULL OR (d.created_at, d.id) > (SELECT c.created_at, c.id FROM deliveries c WHERE c.id = $5))
     ORDER BY d.created_at, d.id LIMIT $6`;
  // A client without a status: one range of deliveries_status per status, merged in order (Merge
  // Append). Alone, the planner walked deliveries_created and filtered the client, reading every
  // delivery of every client since the cursor to find those of one.
  const statement =
    filter.client !== undefined && filter.status === undefined
      ? `SELECT * FROM (${DELIVERY_STATUSES.map(
          (status) => `(${page(`d.status = '${status}' AND ${sql}`)})`,
        ).join(' UNION ALL ')}) d ORDER BY d.created_at, d.id LIMIT $6`
      : page(sql);
  const { rows } = await db.query<DeliveryRow>(statement, [...params, after ?? null, limit]);
  return rows.map(viewOf);
}

export interface DeliveryDetail extends DeliveryView {
  attemptsLog: { attempt: number; at: string; statusCode?: number; error?: string }[];
}

export async function findDelivery(db: Queryable, id: string): Promise<DeliveryDetail | undefined> {
  const { rows } = await db.query<DeliveryRow>(`${SELECT} WHERE d.id = $1`, [id]);
  const row = rows[0];
  if (!row) return undefined;
  const attempts = await db.query<{
    attempt: number;
    at: Date;
    status_code: number | null;
    error: string | null;
  }>(
    'SELECT attempt, at, status_code, error FROM delivery_attempts WHERE delivery_id = $1 ORDER BY attempt',
    [id],
  );
  return {
    ...viewOf(row),
    attemptsLog: attempts.rows.map((a) => ({
      attempt: a.attempt,
      at: a.at.toISOString(),
      ...(a.status_code !== null ? { statusCode: a.status_code } : {}),
      ...(a.error !== null ? { error: a.error } : {}),
    })),
  };
}

/**
 * Puts failed (or discarded) deliveries back to pending, due now, with the retry schedule starting
 * again. Returns those changed, with the number their next attempt will have and the id of the job
 * that makes it. That job is named apart from `webhookJobId` (and recorded in `job_id`, which the
 * reconciler watches): a delivery discarded while it waited for a retry still has that retry's
 * delayed job under the attempt's own id, and BullMQ would take a job of the same id for a
 * duplicate and drop it, leaving the replay to wait for the retry's delay (hours, late in the
 * schedule). A delivery discarded while an attempt was being sent keeps that attempt's lease: its
 * replay is not sent beside it, but once it has ended (`record`, webhooks/delivery.ts), or once its
 * lease has run out if its run died.
 */
export async function replayDeliveries(
  db: Queryable,
  filter: DeliveryFilter & { ids?: string[] },
): Promise<{ id: string; attempt: number; jobId: string }[]> {
  const { sql, params } = where(filter);
  const { rows } = await db.query<{ id: string; attempts: number; job_id: string }>(
    `UPDATE deliveries d SET status = 'pending', next_attempt_at = now(), schedule_from = attempts,
            updated_at = now(), job_id = d.id || '.' || (d.attempts + 1) || $6::text
      WHERE d.status IN ('failed', 'discarded') AND ${sql} AND ($5::uuid[] IS NULL OR d.id = ANY($5::uuid[]))
      RETURNING d.id, d.attempts, d.job_id`,
    [...params, filter.ids ?? null, `.replay${Date.now()}`],
  );
  return rows.map((r) => ({ id: r.id, attempt: r.attempts + 1, jobId: r.job_id }));
}

/** Counts what a replay with this filter would take. */
export async function countReplayable(db: Queryable, filter: DeliveryFilter): Promise<number> {
  const { sql, params } = where(filter);
  const { rows } = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM deliveries d WHERE d.status IN ('failed', 'discarded') AND ${sql}`,
    params,
  );
  return Number(rows[0]?.n ?? 0);
}

/** Gives up a pending or failed delivery. False when there is none such. */
export async function discardDelivery(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE deliveries SET status = 'discarded', updated_at = now() WHERE id = $1 AND status IN ('pending', 'failed')`,
    [id],
  );
  return rowCount === 1;
}
