import { hash, randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type pg from 'pg';

import { EventLoopSlices } from '../shared/event-loop-slices.ts';
import { uuidV7 } from '../shared/uuid-v7.ts';
import { REDIS_WAIT_MS, withTimeout } from '../shared/with-timeout.ts';
import type { Intake, LotReceipt, LotSubmission } from './inbound.ts';
import {
  type InGroupConflict,
  idempotencyConflict,
  idempotencyKey,
  type Member,
  receiptOf,
  recordMembers,
  reuseRejected,
  type StoredMessage,
  settleIdempotency,
  storeAll,
  storedRow,
} from './intake-store.ts';
import { ownKeys, resolveKeys } from './ordering.ts';
import type { ApplyJobData } from './queues.ts';

export interface GroupLimits {
  /** Messages in one group at most. */
  maxMessages: number;
  /** Bytes of raw text in one group at most. */
  maxBytes: number;
  /** A lot of more messages than this already shares its transaction: it is stored on its own. */
  soloAbove: number;
  /** Messages held for one apply job: once reached, the job is queued without waiting for a worker. */
  maxJobMessages: number;
}

export const DEFAULT_GROUP_LIMITS: GroupLimits = {
  maxMessages: 500,
  maxBytes: 4 * 1024 * 1024,
  soloAbove: 50,
  maxJobMessages: 500,
};

/** A submission waiting for the next group flush, with the caller it answers. */
interface Waiting {
  submission: LotSubmission;
  bytes: number;
  resolve: (receipt: LotReceipt) => void;
  reject: (error: unknown) => void;
}

const WATCH_FIRST_MS = 2;
const WATCH_MAX_MS = 50;

/**
 * Receives lots: commits every message to PostgreSQL (valid ones `accepted`, invalid ones
 * `rejected` with their raw text), then queues apply jobs for them. The receipt is returned only
 * once the commit is done: a 202 never precedes durability. If Redis is down at that moment, the
 * messages are still safe and the reconciler queues them later.
 *
 * **Group commit.** Small submissions (the portail's, DALO's and the contingent's single messages)
 * are not stored one transaction each: while a group's transaction is in flight, the submissions
 * that arrive wait, and the next group stores all of them in one statement, one transaction (one
 * commit, one fsync) — the way PostgreSQL flushes the WAL of concurrent commits at once. (A group
 * holding an id already used, or one repeated, takes a statement or two more: `settleIdempotency`,
 * `recordMembers`.) An idle intake flushes a lone submission at once: nothing ever waits for
 * company. A group is bounded
 * (`GroupLimits`); each caller still gets its own lot and receipt, after the shared commit.
 * Acceptance order inside a group is arrival order. If the group's statement fails (one member's
 * value PostgreSQL refuses), its members are stored again one by one, so that one bad submission
 * fails alone.
 *
 * **Coalesced apply.** A group's accepted messages become one apply job. While the last job this
 * intake queued still waits for a worker, the groups committed meanwhile are held and queued
 * together as the next job as soon as a worker takes it: the busier the workers, the larger their
 * jobs, so single messages are applied in shared transactions too. Held messages are committed
 * (each row names its future job in `job_id`): if the process dies before queueing them, the
 * reconciler does, as for any job Redis lost. Under a backlog longer than the reconciler's grace,
 * it may queue held messages too, then the intake adds their job: each is still applied once (its
 * row is locked and its status checked by the apply), the second job finds nothing to do. Lots of
 * more than `soloAbove` messages are stored and queued on their own, as before groups.
 */
export class PgIntake implements Intake {
  private readonly waiting: Waiting[] = [];
  private flushing = false;
  /** The job this intake queued last, while it may still wait for a worker. */
  private queuedJob: string | undefined;
  /** Messages committed since, queued as one job (named in their rows) once a worker takes `queuedJob`. */
  private held: { jobId: string; ids: string[] } | undefined;
  private closed = false;
  /** Adds of jobs not yet settled, awaited at close. */
  private readonly adds = new Set<Promise<void>>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly queue: Queue<ApplyJobData>,
    private readonly log: { warn(details: object, message: string): void },
    /** How long the 202 of a lot stored alone may wait for Redis to take the job, ms. */
    private readonly enqueueWaitMs = REDIS_WAIT_MS,
    private readonly limits: GroupLimits = DEFAULT_GROUP_LIMITS,
  ) {}

  acceptLot(submission: LotSubmission): Promise<LotReceipt> {
    if (submission.messages.length > this.limits.soloAbove) return this.storeAlone(submission);
    const bytes = submission.messages.reduce((sum, m) => sum + Buffer.byteLength(m.raw), 0);
    return new Promise((resolve, reject) => {
      this.waiting.push({ submission, bytes, resolve, reject });
      this.flushNext();
    });
  }

  /** Queues what is held (the process is stopping: no worker-taken signal will come). */
  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing) await sleep(WATCH_FIRST_MS);
    const held = this.held;
    this.held = undefined;
    if (held) void this.enqueue(held.jobId, held.ids);
    await Promise.all(this.adds);
  }

  /** Starts a group with what waits, unless a group is in flight (it starts the next when it commits). */
  private flushNext(): void {
    if (this.flushing || this.waiting.length === 0) return;
    this.flushing = true;
    const group = this.takeGroup();
    this.flush(group).finally(() => {
      this.flushing = false;
      this.release();
      this.flushNext();
    });
  }

  /** The waiting submissions, oldest first, up to the group's bounds (always at least one). */
  private takeGroup(): Waiting[] {
    let messages = 0;
    let bytes = 0;
    let count = 0;
    for (const next of this.waiting) {
      const more = next.submission.messages.length;
      if (
        count > 0 &&
        (messages + more > this.limits.maxMessages || bytes + next.bytes > this.limits.maxBytes)
      )
        break;
      messages += more;
      bytes += next.bytes;
      count++;
    }
    return this.waiting.splice(0, count);
  }

  /** Stores a group and answers each caller once it is committed; its messages join the held job. */
  private async flush(group: Waiting[]): Promise<void> {
    // Only a flush adds to `held`, and `release` never takes it while a flush runs. A held job is
    // bounded too: once it holds a group's worth of messages, it is queued without waiting.
    if (this.held && this.held.ids.length >= this.limits.maxJobMessages) {
      const full = this.held;
      this.held = undefined;
      void this.enqueue(full.jobId, full.ids);
    }
    const jobId = this.held?.jobId ?? `group-${randomUUID()}`;
    try {
      const receipts = await this.storeGroup(
        group.map((w) => w.submission),
        jobId,
        (queued) => {
          this.held ??= { jobId, ids: [] };
          this.held.ids.push(...queued);
        },
      );
      group.forEach((w, i) => {
        w.resolve(receipts[i] as LotReceipt);
      });
      return;
    } catch (error) {
      const [only] = group;
      if (only && group.length === 1) {
        only.reject(error);
        return;
      }
    }
    // The group failed as a whole: each member alone, so that only the faulty one fails.
    await Promise.all(group.map((w) => this.storeAlone(w.submission).then(w.resolve, w.reject)));
  }

  /** Queues the held job when no job of this intake waits for a worker, then watches it be taken. */
  private release(): void {
    if (this.flushing || this.queuedJob || !this.held) return;
    const { jobId, ids } = this.held;
    this.held = undefined;
    this.queuedJob = jobId;
    void this.enqueue(jobId, ids)
      .then(() => this.untilTaken(jobId))
      .finally(() => {
        this.queuedJob = undefined;
        this.release();
      });
  }

  /** Resolves once `jobId` no longer waits in the queue (a worker took it, or Redis lost it). */
  private async untilTaken(jobId: string): Promise<void> {
    for (let pause = WATCH_FIRST_MS; !this.closed; pause = Math.min(pause * 2, WATCH_MAX_MS)) {
      const state = await withTimeout(this.queue.getJobState(jobId), this.enqueueWaitMs, 'Redis').catch(
        () => 'unknown',
      );
      if (state !== 'waiting' && state !== 'prioritized') return;
      await sleep(pause);
    }
  }

  /**
   * Adds an apply job; never rejects: if Redis does not take it, the reconciler will. The add is
   * tracked until it settles, so that `close` waits for it.
   */
  private enqueue(jobId: string, messageIds: string[]): Promise<void> {
    // Redis away: the add waits for it to come back, but the caller need not wait. The messages are
    // committed; the pending add or the reconciler will queue them.
    const add = withTimeout(
      this.queue.add('apply', { messageIds }, { jobId }),
      this.enqueueWaitMs,
      'Redis',
    ).then(
      () => {},
      (error: Error) => {
        this.log.warn({ jobId, err: error.message }, 'messages stored but not queued');
      },
    );
    this.adds.add(add);
    void add.finally(() => this.adds.delete(add));
    return add;
  }

  private async storeAlone(submission: LotSubmission): Promise<LotReceipt> {
    // Time-ordered ids: the indexes on them grow at one edge, however many messages the hub holds.
    // Two identical lots arriving together: the second one's insert waits for the first one's commit
    // on the unique index, then finds its messages (`settleIdempotency`).
    const lotId = uuidV7();
    let queued: string[] = [];
    try {
      const receipts = await this.storeGroup(
        [submission],
        `lot-${lotId}`,
        (ids) => {
          queued = ids;
        },
        lotId,
      );
      return receipts[0] as LotReceipt;
    } finally {
      // Committed, even if a statement after the commit failed (the sender sends it again).
      if (queued.length > 0) await this.enqueue(`lot-${lotId}`, queued);
    }
  }

  /**
   * One statement stores every submission of the group (one transaction), each its own lot, every
   * accepted message named for the apply job `jobId`; `committed` gets the accepted messages' ids as
   * soon as that commit is done, before the statements that may follow (idempotency, the lots'
   * members), so that a failure of those never leaves committed messages unqueued. Returns the receipts.
   *
   * Idempotency costs no lookup before the store: the messages are inserted as new, and the unique
   * index on (client, sender id) turns away those already stored (`ON CONFLICT DO NOTHING`); only
   * for those does a second step read the stored message (`settleIdempotency`). A single filing is then
   * one statement, one round trip.
   */
  private async storeGroup(
    submissions: LotSubmission[],
    jobId: string,
    committed: (queued: string[]) => void,
    lotId?: string,
  ): Promise<LotReceipt[]> {
    const members: Member[] = submissions.map((submission) => ({
      submission,
      lotId: lotId ?? uuidV7(),
      rows: [],
      entries: [],
    }));
    const accepted: StoredMessage[] = [];
    const keysOf: string[][] = [];
    // Messages of this group by sender: a later one with the same sender and id is its duplicate.
    const earlier = new Map<string, StoredMessage>();
    // A later one with another content is a conflict with it, settled once the group is stored.
    const conflicting: InGroupConflict[] = [];
    // A lot's hashing and canonical JSON take milliseconds: other requests get their turns meanwhile.
    const slices = new EventLoopSlices();
    for (const member of members) {
      const { actor, system, version } = member.submission;
      for (const message of member.submission.messages) {
        await slices.next();
        const senderKey = idempotencyKey(actor.clientId, message.id);
        const canonical = message.command ? JSON.stringify(message.command) : null;
        const hash = canonical ? sha256(`${system}|${version}|${message.type}|${canonical}`) : null;
        const previous = message.command ? earlier.get(senderKey) : undefined;
        if (previous && previous.content_hash === hash) {
          member.entries.push({ id: message.id, messageId: previous.id, status: previous.status });
          continue;
        }
        const errors = previous
          ? [idempotencyConflict(message.id, previous.id)]
          : (message.errors ??
            (message.command ? undefined : [{ code: 'CONTRACT_INVALID', message: 'No command.' }]));
        const row = storedRow(message, errors, canonical, hash);
        member.entries.push({
          id: message.id,
          messageId: row.id,
          status: row.status,
          ...(errors ? { errors } : {}),
        });
        if (previous) {
          conflicting.push({ member, row, earlier: previous, contentHash: hash });
          continue;
        }
        member.rows.push(row);
        if (row.status === 'accepted' && message.command) {
          accepted.push(row);
          keysOf.push(ownKeys(actor, message.command));
          earlier.set(senderKey, row);
        }
      }
    }
    await reuseRejected(this.pool, members);
    // keysOf[i] belongs to accepted[i].
    const keys = await resolveKeys(this.pool, keysOf);
    const stored = await storeAll(
      this.pool,
      members,
      jobId,
      accepted.map((r) => r.id),
      keys,
    );
    const queued = accepted.filter((r) => stored.has(r.id)).map((r) => r.id);
    if (queued.length > 0) committed(queued);
    const taken = accepted.filter((r) => !stored.has(r.id));
    if (taken.length > 0 || conflicting.length > 0) {
      await settleIdempotency(this.pool, members, taken, conflicting);
    }
    await recordMembers(this.pool, members, stored);
    return members.map((m) => receiptOf(m.lotId, m.entries));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function sha256(text: string): string {
  return hash('sha256', text, 'hex');
}
