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
  const secret = openSecret(deps.secrets, claimed.webhook_secret);
  if (secret === undefined) {
    // Retrying cannot help: the key is wrong until an operator fixes the configuration. Failed
    // at once, with the reason in its attempts, so the operators see it and replay it afterwards.
    await recordFailure(deps, deliveryId, claimed.attempts, SECRET_UNREADABLE);
    return;
  }
  const event = cloudEventOf(claimed);
  const outcome = await send(
    { url: claimed.url, id: event.id, body: JSON.stringify(event), secret },
    deps.send,
  );
  await record(deps, deliveryId, claimed.attempts, claimed.attempts - claimed.schedule_from, outcome);
}

/** The error a delivery ends `failed` with when its client's signing secret cannot be decrypted. */
export const SECRET_UNREADABLE =
  'WEBHOOK_SECRET_UNREADABLE: the signing secret cannot be decrypted with the current key (SNE_SECRET_KEY, or ' +
  'SNE_ADMIN_TOKEN when it is unset, changed since the client was provisioned); restore the key or rotate ' +
  "the client's webhook secret, then replay the delivery";

function openSecret(secrets: SecretBox, sealed: Buffer): string | undefined {
  try {
    return secrets.open(sealed);
  } catch {
    return undefined;
  }
}

/** Ends a delivery `failed` now, with this error on its attempt. */
async function recordFailure(deps: DeliveryDeps, deliveryId: string, attempt: number, error: string) {
  await deps.pool.query(
    `WITH attempt AS (
       INSERT INTO delivery_attempts (delivery_id, attempt, status_code, error) VALUES ($1, $2, NULL, $3))
     UPDATE deliveries SET status = 'failed', updated_at = now(), last_error = jsonb_build_object('error', $3::text)
      WHERE id = $1`,
    [deliveryId, attempt, error],
  );
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

/** Job states in which the job will still run: its delivery needs no other job. */
const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);
/** Liveness checks sent to Redis at once. */
const CHECKS_AT_ONCE = 50;

/**
 * Plans again the pending deliveries overdue by more than `graceMs` whose job Redis lost. A
 * delivery's job is the one of its next attempt (`<id>.<attempt>`), or the last re-plan recorded
 * in `deliveries.job_id`: while either is still live (a backlog waiting for workers) nothing is
 * added, so ticks over a backlog never multiply jobs. Returns how many were queued.
 */
export async function reconcileDeliveries(
  pool: pg.Pool,
  queue: Queue<WebhookJobData>,
  graceMs: number,
): Promise<number> {
  const { rows } = await pool.query<{ id: string; attempts: number; job_id: string | null }>(
    `SELECT id, attempts, job_id FROM deliveries
      WHERE status = 'pending' AND next_attempt_at < now() - make_interval(secs => $1::float8 / 1000)
      ORDER BY next_attempt_at LIMIT 10000`,
    [graceMs],
  );
  let queued = 0;
  for (let i = 0; i < rows.length; i += CHECKS_AT_ONCE) {
    const lost = await filterAsync(rows.slice(i, i + CHECKS_AT_ONCE), async ({ id, attempts, job_id }) => {
      const expected = webhookJob(id, attempts + 1).opts.jobId;
      if (await isLive(queue, expected)) return false;
      return !(job_id && job_id !== expected && (await isLive(queue, job_id)));
    });
    for (const { id, attempts } of lost) {
      const job = webhookJob(id, attempts + 1);
      // A job that already ran for this attempt keeps its id: name the re-plan apart, and remember it.
      const jobId = `${job.opts.jobId}.r${Date.now()}`;
      await pool.query('UPDATE deliveries SET job_id = $2 WHERE id = $1', [id, jobId]);
      await queue.add(job.name, job.data, { ...job.opts, jobId });
      queued++;
    }
  }
  return queued;
}

async function isLive(queue: Queue<WebhookJobData>, jobId: string): Promise<boolean> {
  return LIVE_STATES.has(await queue.getJobState(jobId));
}

async function filterAsync<T>(items: T[], keep: (item: T) => Promise<boolean>): Promise<T[]> {
  const kept = await Promise.all(items.map(keep));
  return items.filter((_, i) => kept[i]);
}
