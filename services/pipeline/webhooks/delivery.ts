import type { Queue } from 'bullmq';
import type pg from 'pg';
import type { SecretBox } from '../../shared/secret-box.ts';
import { cloudEventOf, type EventRow } from '../events.ts';
import { liveJobs, type WebhookJobData, webhookJob, webhookJobId } from '../queues.ts';
import { type SendOptions, type SendOutcome, send } from './send.ts';
import type { SendSlots } from './send-slots.ts';

export interface DeliveryDeps {
  pool: pg.Pool;
  queue: Queue<WebhookJobData>;
  secrets: SecretBox;
  /** Seconds to wait before each retry; after the last one the delivery is `failed`. */
  retrySchedule: number[];
  send: SendOptions;
  /** The process's sends at once (SNE_WEBHOOK_CONCURRENCY), shared by every job. */
  slots: SendSlots;
}

interface Claimed extends EventRow {
  delivery_id: string;
  client_id: string;
  attempts: number;
  /** Attempts made before the last replay by an operator. */
  schedule_from: number;
  url: string | null;
  webhook_secret: Buffer | null;
  revoked: boolean;
}

/** What is recorded of one attempt. */
interface Outcome {
  id: string;
  attempt: number;
  /** The claimed row's `schedule_from`: a replay since the claim has moved it. */
  scheduleFrom: number;
  statusCode: number | null;
  error: string | null;
  status: 'delivered' | 'pending' | 'failed';
  /** Seconds before the next attempt, when `pending`. */
  delay: number;
}

/**
 * A delivery no run holds at `at`: never claimed, its outcome recorded (which clears the lease), or
 * its claim's lease run out (the run died). The lease is a column of its own, in no index, so that
 * a claim can be a HOT update (migration 032).
 */
export function notLeased(at: string, alias = ''): string {
  return `(${alias}leased_until IS NULL OR ${alias}leased_until <= ${at})`;
}

/** One attempt at one delivery (see `attemptDeliveries`). */
export function attemptDelivery(deps: DeliveryDeps, deliveryId: string): Promise<void> {
  return attemptDeliveries(deps, [deliveryId]);
}

/**
 * One attempt at each of these deliveries. The attempts are claimed in PostgreSQL first, in one
 * statement (a lease as long as the sends can take, so that a duplicate job or the reconciler
 * cannot send them twice at once), then sent through the process's send slots, then their
 * outcomes recorded in one statement and the retries planned. A crash between sending and
 * recording sends the events again later: delivery is at least once, and `webhook-id` lets
 * receivers deduplicate. A batch costs two transactions, whatever its size.
 */
export async function attemptDeliveries(deps: DeliveryDeps, deliveryIds: string[]): Promise<void> {
  // Longer than the attempts can take (the timeout per round of slots, then recording the outcomes).
  const rounds = Math.ceil(deliveryIds.length / deps.slots.size);
  const leaseSeconds = Math.ceil(deps.send.timeoutMs / 1000) * rounds + 5;
  const { rows } = await deps.pool.query<Claimed>(
    `WITH claimed AS (
       UPDATE deliveries SET attempts = attempts + 1, updated_at = now(),
              leased_until = now() + make_interval(secs => $2)
        WHERE id = ANY($1::uuid[]) AND status = 'pending' AND next_attempt_at <= now() + interval '2 seconds'
          AND ${notLeased('now()')}
        RETURNING id, client_id, event_sequence, attempts, schedule_from)
     SELECT claimed.id AS delivery_id, claimed.client_id, claimed.attempts, claimed.schedule_from,
            e.sequence, e.id, e.type, e.subject, e.time, e.data,
            c.webhook->>'url' AS url, c.webhook_secret, c.revoked_at IS NOT NULL AS revoked
       FROM claimed JOIN events e ON e.sequence = claimed.event_sequence JOIN clients c ON c.id = claimed.client_id
      ORDER BY e.sequence`,
    [deliveryIds, leaseSeconds],
  );
  // Those not claimed are done, failed, discarded, or not due yet: another job has them.
  if (rows.length === 0) return;

  const discarded = rows.filter((row) => row.revoked || !row.url || !row.webhook_secret);
  if (discarded.length > 0) {
    await deps.pool.query(
      `UPDATE deliveries SET status = 'discarded', updated_at = now(), last_error = $2, leased_until = NULL
        WHERE id = ANY($1::uuid[])`,
      [
        discarded.map((row) => row.delivery_id),
        { error: 'the client was revoked or has no webhook any more' },
      ],
    );
  }
  const secrets = new Map<string, string | undefined>();
  const outcomes = await Promise.all(
    rows
      .filter((row) => !discarded.includes(row))
      .map(async (row): Promise<Outcome> => {
        if (!secrets.has(row.client_id)) {
          secrets.set(row.client_id, openSecret(deps.secrets, row.webhook_secret as Buffer));
        }
        const secret = secrets.get(row.client_id);
        if (secret === undefined) {
          // Retrying cannot help: the key is wrong until an operator fixes the configuration. Failed
          // at once, with the reason in its attempts, so the operators see it and replay it afterwards.
          return {
            id: row.delivery_id,
            attempt: row.attempts,
            scheduleFrom: row.schedule_from,
            statusCode: null,
            error: SECRET_UNREADABLE,
            status: 'failed',
            delay: 0,
          };
        }
        const event = cloudEventOf(row);
        const body = JSON.stringify(event);
        const outcome = await deps.slots.run(() =>
          send({ url: row.url as string, id: event.id, body, secret }, deps.send),
        );
        return outcomeOf(deps, row, outcome);
      }),
  );
  await record(deps, outcomes);
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

function outcomeOf(deps: DeliveryDeps, claimed: Claimed, outcome: SendOutcome): Outcome {
  const statusCode = 'statusCode' in outcome ? outcome.statusCode : null;
  const error = 'error' in outcome ? outcome.error : outcome.ok ? null : `HTTP ${statusCode}`;
  // The attempt's rank in the current round of the schedule.
  const rank = claimed.attempts - claimed.schedule_from;
  const delay = deps.retrySchedule[rank - 1];
  const status = outcome.ok ? 'delivered' : delay === undefined ? 'failed' : 'pending';
  return {
    id: claimed.delivery_id,
    attempt: claimed.attempts,
    scheduleFrom: claimed.schedule_from,
    statusCode,
    error,
    status,
    delay: delay ?? 0,
  };
}

/** `deliveries.last_error` after this outcome, as JSON text (the unreadable secret has no status code). */
function lastErrorOf({ error, statusCode }: Outcome): string | null {
  if (error === null) return null;
  return JSON.stringify(error === SECRET_UNREADABLE ? { error } : { error, statusCode });
}

/**
 * Records the attempts and their deliveries' new state in one statement, then plans the retries.
 * Only the latest claim of a delivery, and only while no operator has discarded or replayed it
 * since, sets its state:
 * - a run whose lease ran out while another run claimed the delivery again (a job taken over)
 *   records its attempt but leaves the state alone, so a `delivered` delivery never goes back to
 *   `pending`;
 * - a run whose delivery was discarded or replayed while it sent (`status` or `schedule_from` moved)
 *   records its attempt and ends its lease (`releaseLeases`), nothing more.
 */
async function record(deps: DeliveryDeps, outcomes: Outcome[]) {
  if (outcomes.length === 0) return;
  const { rows: updated } = await deps.pool.query<{ id: string }>(
    `WITH o AS (
       SELECT * FROM unnest($1::uuid[], $2::int[], $3::int[], $4::int[], $5::text[], $6::text[], $7::float8[], $8::jsonb[])
           AS o(id, attempt, schedule_from, status_code, error, status, delay, last_error)),
     attempt AS (
       INSERT INTO delivery_attempts (delivery_id, attempt, status_code, error)
       SELECT id, attempt, status_code, error FROM o)
     UPDATE deliveries d SET status = o.status, updated_at = now(),
            delivered_at = CASE WHEN o.status = 'delivered' THEN now() END,
            last_error = o.last_error, next_attempt_at = now() + make_interval(secs => o.delay), leased_until = NULL
       FROM o WHERE d.id = o.id AND d.attempts = o.attempt AND d.status = 'pending' AND d.schedule_from = o.schedule_from
     RETURNING d.id`,
    [
      outcomes.map((o) => o.id),
      outcomes.map((o) => o.attempt),
      outcomes.map((o) => o.scheduleFrom),
      outcomes.map((o) => o.statusCode),
      outcomes.map((o) => o.error),
      outcomes.map((o) => o.status),
      outcomes.map((o) => o.delay),
      outcomes.map((o) => lastErrorOf(o)),
    ],
  );
  const current = new Set(updated.map((row) => row.id));
  const retries = outcomes
    .filter((o) => o.status === 'pending' && current.has(o.id))
    .map((o) => webhookJob(o.id, o.attempt + 1, o.delay * 1000));
  // A stale outcome is rare: this costs the usual batch nothing.
  const stale = outcomes.filter((o) => !current.has(o.id));
  const replayed = stale.length > 0 ? await releaseLeases(deps.pool, stale) : [];
  const jobs = [...retries, ...replayed];
  // If Redis is away the reconciler plans them again from PostgreSQL.
  if (jobs.length > 0) await deps.queue.addBulk(jobs).catch(() => {});
}

/**
 * Ends the leases of these attempts whose outcomes did not settle their deliveries, unless another
 * run has claimed a delivery since (its lease is that run's). A discarded delivery stays discarded;
 * a replayed one, which waited for that lease (`replayDeliveries`), gets its job now: the replay's
 * own job found the lease and left it, so this one has an id of its own. Returns those jobs.
 */
async function releaseLeases(pool: pg.Pool, stale: Outcome[]) {
  const { rows } = await pool.query<{ id: string; attempts: number; status: string }>(
    `UPDATE deliveries d SET leased_until = NULL
       FROM unnest($1::uuid[], $2::int[]) AS o(id, attempt)
      WHERE d.id = o.id AND d.attempts = o.attempt AND d.leased_until IS NOT NULL
     RETURNING d.id, d.attempts, d.status`,
    [stale.map((o) => o.id), stale.map((o) => o.attempt)],
  );
  return rows
    .filter((row) => row.status === 'pending')
    .map((row) =>
      webhookJob(row.id, row.attempts + 1, 0, `${webhookJobId(row.id, row.attempts + 1)}.after-lease`),
    );
}

/**
 * Plans again the pending deliveries overdue by more than `graceMs` whose job Redis lost. A
 * delivery's job is the one of its next attempt (`<id>.<attempt>`), or the last re-plan recorded
 * in `deliveries.job_id` (at first the fan-out's batch): while either is still live (a backlog
 * waiting for workers) nothing is added, so ticks over a backlog never multiply jobs. Returns how
 * many were queued.
 *
 * Over a backlog the oldest overdue deliveries are the ones being sent: a batch job that ends while
 * Redis is asked about it is no longer live, yet has delivered them. So a delivery is re-planned
 * only if PostgreSQL still says, in the same statement that records its new job, that it is pending,
 * overdue and at the same attempt. The batches are asked first, then only the deliveries outside a
 * live batch: one question a batch, not two a delivery.
 */
export async function reconcileDeliveries(
  pool: pg.Pool,
  queue: Queue<WebhookJobData>,
  graceMs: number,
): Promise<number> {
  const { rows } = await pool.query<{ id: string; attempts: number; job_id: string | null }>(
    `SELECT id, attempts, job_id FROM deliveries
      WHERE status = 'pending' AND next_attempt_at < now() - make_interval(secs => $1::float8 / 1000)
        AND ${notLeased('now() - make_interval(secs => $1::float8 / 1000)')}
      ORDER BY next_attempt_at LIMIT 10000`,
    [graceMs],
  );
  const recorded = await liveJobs(
    queue,
    rows.flatMap((row) => (row.job_id ? [row.job_id] : [])),
  );
  const unsure = rows.filter((row) => !(row.job_id && recorded.has(row.job_id)));
  const expected = (row: (typeof rows)[number]) => webhookJobId(row.id, row.attempts + 1);
  const live = await liveJobs(queue, unsure.map(expected));
  const lost = unsure.filter((row) => !live.has(expected(row)));
  if (lost.length === 0) return 0;
  // A job that already ran for this attempt keeps its id: name the re-plan apart, and remember it.
  const suffix = `.r${Date.now()}`;
  const { rows: replanned } = await pool.query<{ id: string; attempts: number; job_id: string }>(
    `UPDATE deliveries d SET job_id = l.job_id
       FROM unnest($1::uuid[], $2::int[], $3::text[]) AS l(id, attempts, job_id)
      WHERE d.id = l.id AND d.attempts = l.attempts AND d.status = 'pending'
        AND d.next_attempt_at < now() - make_interval(secs => $4::float8 / 1000)
        AND ${notLeased('now() - make_interval(secs => $4::float8 / 1000)', 'd.')}
     RETURNING d.id, d.attempts, d.job_id`,
    [
      lost.map((row) => row.id),
      lost.map((row) => row.attempts),
      lost.map((row) => expected(row) + suffix),
      graceMs,
    ],
  );
  await queue.addBulk(replanned.map(({ id, attempts, job_id }) => webhookJob(id, attempts + 1, 0, job_id)));
  return replanned.length;
}
