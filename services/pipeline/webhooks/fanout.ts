import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { actorOf, type Role } from '../../core/actor.ts';
import { LOCK_KEYS } from '../../db/lock-keys.ts';
import { type Queryable, withTransaction } from '../../db/pool.ts';
import { scopeOf } from '../events.ts';

/** Held while deliveries are created, so that two processes never fan out the same events. */
const FANOUT_LOCK = LOCK_KEYS.webhookFanOut;
/** How much one fan-out transaction handles: memory stays bounded by it, whatever the backlog. */
export interface FanOutLimits {
  /** Events read per subscriber and per transaction. Default 5000. */
  eventsPerSubscriber?: number;
  /** A transaction takes no further subscriber once it created this many deliveries. Default 10,000. */
  deliveriesPerTransaction?: number;
  /** Deliveries of one subscriber sent by one job (see `job`). Default 50. */
  deliveriesPerJob?: number;
}

export interface NewDelivery {
  id: string;
  attempt: number;
  /**
   * The job that sends this delivery with the others of the same `job`: up to `deliveriesPerJob`
   * deliveries of one subscriber, in event order. Recorded in `deliveries.job_id`, so that the
   * reconciler leaves the delivery alone while that job lives.
   */
  job: string;
}

interface Subscriber {
  id: string;
  role: Role;
  organisme: string;
  departements: string[];
  code_guichet: string | null;
  types: string[] | null;
  last_sequence: string;
}

/**
 * Creates the deliveries of the events committed since the last fan-out, for every live client
 * with a webhook, in its scope and among its `types`. Each subscriber has a cursor in the event
 * log, moved in the same transaction as its deliveries are created: an event is never skipped
 * nor delivered twice to one subscriber. Events commit in sequence order (see EVENTS_LOCK), so
 * everything up to the highest sequence read is final.
 *
 * The deliveries of each transaction are handed to `enqueue` once it has committed, then dropped:
 * a burst (300,000 events × 50 subscribers) is worked through in bounded transactions, never held
 * whole in memory. If `enqueue` fails (Redis away) the deliveries are safe in PostgreSQL and the
 * reconciler queues them. The subscribers furthest behind go first, so none waits for ever.
 * Returns how many deliveries were created.
 */
export async function fanOut(
  pool: pg.Pool,
  enqueue: (created: NewDelivery[]) => Promise<void>,
  { eventsPerSubscriber = 5000, deliveriesPerTransaction = 10_000, deliveriesPerJob = 50 }: FanOutLimits = {},
): Promise<number> {
  const CHUNK = eventsPerSubscriber;
  let created = 0;
  for (;;) {
    const batch = await withTransaction(pool, async (db) => {
      await db.query('SELECT pg_advisory_xact_lock($1)', [FANOUT_LOCK]);
      // Read once: statements of this transaction see different snapshots, the bound must not move.
      const head = (await db.query<{ head: string }>('SELECT coalesce(max(sequence), 0) AS head FROM events'))
        .rows[0]?.head;
      const { rows: subscribers } = await db.query<Subscriber>(
        `SELECT c.id, c.role, c.organisme, c.departements, c.code_guichet,
                ARRAY(SELECT jsonb_array_elements_text(c.webhook->'types')) AS types, w.last_sequence
           FROM clients c JOIN webhook_cursors w ON w.client_id = c.id
          WHERE c.revoked_at IS NULL AND c.webhook IS NOT NULL AND w.last_sequence < $1
          ORDER BY w.last_sequence, c.id
          FOR UPDATE OF w`,
        [head],
      );
      const inserted: NewDelivery[] = [];
      let more = false;
      for (const subscriber of subscribers) {
        if (inserted.length >= deliveriesPerTransaction) {
          more = true;
          break;
        }
        const upto =
          BigInt(subscriber.last_sequence) + BigInt(CHUNK) < BigInt(head ?? 0)
            ? String(BigInt(subscriber.last_sequence) + BigInt(CHUNK))
            : (head as string);
        more ||= upto !== head;
        const scope = scopeOf(actorOfSubscriber(subscriber), 7);
        // Job ids: this insert's own prefix (never one of an earlier database on the same Redis), then the rank.
        const { rows } = await db.query<{ id: string; job_id: string }>(
          `INSERT INTO deliveries (id, client_id, event_sequence, status, job_id)
           SELECT sne_uuid_v7(), $1, e.sequence, 'pending',
                  $5::text || '.b' || (row_number() OVER (ORDER BY e.sequence) - 1) / $6::int
             FROM events e
            WHERE e.sequence > $2 AND e.sequence <= $3
              AND (cardinality($4::text[]) = 0 OR e.type = ANY($4::text[]))
              AND ${scope.sql}
            ORDER BY e.sequence
           ON CONFLICT DO NOTHING RETURNING id, job_id`,
          [
            subscriber.id,
            subscriber.last_sequence,
            upto,
            subscriber.types ?? [],
            randomUUID(),
            deliveriesPerJob,
            ...scope.params,
          ],
        );
        await db.query('UPDATE webhook_cursors SET last_sequence = $2 WHERE client_id = $1', [
          subscriber.id,
          upto,
        ]);
        for (const row of rows) inserted.push({ id: row.id, attempt: 1, job: row.job_id });
      }
      return { inserted, more };
    });
    created += batch.inserted.length;
    if (batch.inserted.length > 0) await enqueue(batch.inserted);
    if (!batch.more) return created;
  }
}

function actorOfSubscriber(subscriber: Subscriber) {
  return actorOf({
    clientId: subscriber.id,
    role: subscriber.role,
    organisme: subscriber.organisme,
    departements: subscriber.departements,
    codeGuichet: subscriber.code_guichet,
  });
}

/**
 * Where a new subscriber starts in the event log: now. It receives what happens from its
 * provisioning on (earlier events are in the feed).
 */
export async function startCursor(db: Queryable, clientId: string): Promise<void> {
  await db.query(
    `INSERT INTO webhook_cursors (client_id, last_sequence)
     SELECT $1, coalesce(max(sequence), 0) FROM events
     ON CONFLICT (client_id) DO NOTHING`,
    [clientId],
  );
}
