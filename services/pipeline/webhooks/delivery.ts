import type { Queue } from 'bullmq';
import type pg from 'pg';
import type { SecretBox } from '../../shared/secret-box.ts';
import { cloudEventOf, type EventRow } from '../events.ts';
import { type WebhookJobData, webhookJob } from '../queues.ts';
import { type SendOptions, type SendOutcome, send } from './send.ts';

export interface DeliveryDeps {
  pool: pg.Pool;
  queue: Queue<WebhookJobData>;
  secrets: SecretBox;
  /** Seconds to wait before each retry; after the last one the delivery is `failed`. */
  retrySchedule: number[];
  send: SendOptions;
}

interface Claimed extends EventRow {
  attempts: number;
  /** Attempts made before the last replay by an operator. */
  schedule_from: number;
  url: string | null;
  webhook_secret: Buffer | null;
  revoked: boolean;
}

/**
 * One attempt at one delivery. The attempt is claimed in PostgreSQL first (a lease as long as the
 * timeout, so a duplicate job or the reconciler cannot send it twice at once), then sent, then
 * its outcome recorded and the next attempt planned. A crash between sending and recording
 * sends the event again later: delivery is at least once, and `webhook-id` lets receivers
 * deduplicate.
 */
export async function attemptDelivery(deps: DeliveryDeps, deliveryId: string): Promise<void> {
  // Longer than an attempt can take (the timeout, then recording the outcome).
  const leaseSeconds = Math.ceil(deps.send.timeoutMs / 1000) + 5;
  const { rows } = await deps.pool.query<Claimed>(
    `WITH claimed AS (
       UPDATE deliveries SET attempts = attempts + 1, updated_at = now(),
              next_attempt_at = now() + make_interval(secs => $2)
        WHERE id = $1 AND status = 'pending' AND next_attempt_at <= now() + interval '2 seconds'
        RETURNING client_id, event_sequence, attempts, schedule_from)
     SELECT claimed.attempts, claimed.schedule_from, e.sequence, e.id, e.type, e.subject, e.time, e.data,
            c.webhook->>'url' AS url, c.webhook_secret, c.revoked_at IS NOT NULL AS revoked
       FROM claimed JOIN events e ON e.sequence = claimed.event_sequence JOIN clients c ON c.id = claimed.client_id`,
    [deliveryId, leaseSeconds],
  );
  const claimed = rows[0];
  if (!claimed) return; // done, failed, discarded, or not due yet: another job has it.

  if (claimed.revoked || !claimed.url || !claimed.webhook_secret) {
    await deps.pool.query(
      `UPDATE deliveries SET status = 'discarded', updated_at = now(), last_error = $2 WHERE id = $1`,
      [deliveryId, { error: 'the client was revoked or has no webhook any more' }],
    );
    return;
  }
  const event = cloudEventOf(claimed);
  const outcome = await send(
    {
      url: claimed.url,
      id: event.id,
      body: JSON.stringify(event),
      secret: deps.secrets.open(claimed.webhook_secret),
    },
    deps.send,
  );
  await record(deps, deliveryId, claimed.attempts, claimed.attempts - claimed.schedule_from, outcome);
}

async function record(
  deps: DeliveryDeps,
  deliveryId: string,
  attempt: number,
  /** The attempt's rank in the current round of the schedule. */
  rank: number,
  outcome: SendOutcome,
) {
  const statusCode = 'statusCode' in outcome ? outcome.statusCode : null;
  const error = 'error' in outcome ? outcome.error : outcome.ok ? null : `HTTP ${statusCode}`;
  const delay = deps.retrySchedule[rank - 1];
  const status = outcome.ok ? 'delivered' : delay === undefined ? 'failed' : 'pending';
  await deps.pool.query(
    `WITH attempt AS (
       INSERT INTO delivery_attempts (delivery_id, attempt, status_code, error) VALUES ($1, $2, $3, $4))
     UPDATE deliveries SET status = $5, updated_at = now(),
            delivered_at = CASE WHEN $5 = 'delivered' THEN now() END,
            last_error = CASE WHEN $4::text IS NULL THEN NULL ELSE jsonb_build_object('error', $4::text, 'statusCode', $3::int) END,
            next_attempt_at = now() + make_interval(secs => $6)
      WHERE id = $1`,
    [deliveryId, attempt, statusCode, error, status, delay ?? 0],
  );
  if (status === 'pending') {
    const job = webhookJob(deliveryId, attempt + 1, (delay ?? 0) * 1000);
    // If Redis is away the reconciler plans it again from PostgreSQL.
    await deps.queue.add(job.name, job.data, job.opts).catch(() => {});
  }
}

/**
 * Plans again the pending deliveries overdue by more than `graceMs` whose job Redis lost.
 * Returns how many were queued.
 */
export async function reconcileDeliveries(
  pool: pg.Pool,
  queue: Queue<WebhookJobData>,
  graceMs: number,
): Promise<number> {
  const { rows } = await pool.query<{ id: string; attempts: number }>(
    `SELECT id, attempts FROM deliveries
      WHERE status = 'pending' AND next_attempt_at < now() - make_interval(secs => $1::float8 / 1000)
      ORDER BY next_attempt_at LIMIT 10000`,
    [graceMs],
  );
  for (const { id, attempts } of rows) {
    const job = webhookJob(id, attempts + 1);
    // A job that already ran for this attempt keeps its id: name the re-plan apart.
    await queue.add(job.name, job.data, { ...job.opts, jobId: `${job.opts.jobId}.r${Date.now()}` });
  }
  return rows.length;
}
