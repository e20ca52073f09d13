import type { IsoDate } from '../../core/commands.ts';
import type { Queryable } from '../../db/pool.ts';

/**
 * How long a delivered webhook delivery is kept. Every event is one delivery per subscriber in its
 * scope: at national scale, hundreds of millions of rows a year, each with its attempts, that only
 * an operator looking into a subscriber's past ever reads. The spec says nothing of how long to
 * keep them; the hub keeps `SNE_DELIVERIES_RETENTION_DAYS` days (90 by default, 0: for ever) after
 * the delivery, then the daily retention sweep deletes the delivery and its attempts.
 *
 * Only `delivered` ones go. A `pending` delivery is still to send, a `failed` one waits for an
 * operator, a `discarded` one records an operator's decision: they stay. Nothing is sent again
 * after the purge: the fan-out moves each subscriber's cursor in the event log, it never looks for
 * missing deliveries. The event itself stays in the log (the feed's clients read it).
 */

/** The last day (in Paris) whose deliveries go, kept `days` days as of `asOf`; null: kept for ever. */
export function deliveriesBound(asOf: IsoDate, days: number): IsoDate | null {
  if (days === 0) return null;
  const bound = new Date(`${asOf}T00:00:00Z`);
  bound.setUTCDate(bound.getUTCDate() - days);
  return bound.toISOString().slice(0, 10) as IsoDate;
}

/**
 * Deletes at most `limit` deliveries delivered on or before `bound` (a day in Paris), with their
 * attempts; returns how many (0: done). They are found from the oldest through `deliveries_created`
 * (a delivery is delivered after its creation, so the creation bounds the walk): no index of its
 * own, which every delivery's outcome would have to write. SKIP LOCKED: a delivery an operator is
 * replaying right now is left for the next run.
 */
export async function purgeDeliveries(db: Queryable, bound: IsoDate, limit: number): Promise<number> {
  const { rowCount } = await db.query(
    `WITH chosen AS (
       SELECT id FROM deliveries
        WHERE created_at < ($1::date + 1)::timestamp AT TIME ZONE 'Europe/Paris'
          AND delivered_at < ($1::date + 1)::timestamp AT TIME ZONE 'Europe/Paris'
          AND status = 'delivered'
        ORDER BY created_at, id LIMIT $2 FOR UPDATE SKIP LOCKED),
     attempts AS (DELETE FROM delivery_attempts a USING chosen c WHERE a.delivery_id = c.id)
     DELETE FROM deliveries d USING chosen c WHERE d.id = c.id`,
    [bound, limit],
  );
  return rowCount ?? 0;
}
