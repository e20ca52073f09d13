import { createHash, randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type pg from 'pg';

import { withTransaction } from '../db/pool.ts';
import { withTimeout } from '../shared/with-timeout.ts';
import type {
  Intake,
  LotReceipt,
  LotSubmission,
  MessageError,
  MessageStatus,
  ReceiptEntry,
} from './inbound.ts';
import { ownKeys, resolveKeys } from './ordering.ts';
import type { ApplyJobData } from './queues.ts';

interface StoredMessage {
  id: string;
  sender_id: string;
  type: string;
  status: MessageStatus;
  raw: string;
  canonical: string | null;
  content_hash: string | null;
  error: { code: string; message: string; errors?: MessageError[] } | null;
}

const UNIQUE_VIOLATION = '23505';

/** Bounds of one intake group (one transaction, one apply job). */
export interface GroupLimits {
  /** Messages in one group at most. */
  maxMessages: number;
  /** Bytes of raw text in one group at most. */
  maxBytes: number;
  /** A lot of more messages than this already shares its transaction: it is stored on its own. */
  soloAbove: number;
}

export const DEFAULT_GROUP_LIMITS: GroupLimits = {
  maxMessages: 500,
  maxBytes: 4 * 1024 * 1024,
  soloAbove: 50,
};

/** A submission waiting for the next group flush, with the caller it answers. */
interface Waiting {
  submission: LotSubmission;
  bytes: number;
  resolve: (receipt: LotReceipt) => void;
  reject: (error: unknown) => void;
}

/** One submission of a group as stored: its lot, its rows, the ids its apply job carries. */
interface Member {
  submission: LotSubmission;
  lotId: string;
  rows: StoredMessage[];
  entries: ReceiptEntry[];
}

/**
 * Receives lots: commits every message to PostgreSQL (valid ones `accepted`, invalid ones
 * `rejected` with their raw text), then queues one job for them. The receipt is returned only
 * once the commit is done: a 202 never precedes durability. If Redis is down at that moment, the
 * messages are still safe and the reconciler queues them later.
 *
 * **Group commit.** Small submissions (the portail's, DALO's and the contingent's single messages)
 * are not stored one transaction each: while a group's transaction is in flight, the submissions
 * that arrive wait, and the next group stores all of them in one transaction (one commit, one
 * fsync) and queues one apply job for all their accepted messages — the way PostgreSQL flushes the
 * WAL of concurrent commits at once. An idle intake flushes a lone submission at once: nothing ever
 * waits for company. A group is bounded (`GroupLimits`); each caller still gets its own lot and
 * receipt, after the shared commit. Acceptance order inside a group is arrival order. If the
 * group's transaction fails (one member's value PostgreSQL refuses, a sender id taken meanwhile by
 * another process), its members are stored again one by one, so that one bad submission fails alone.
 */
export class PgIntake implements Intake {
  private readonly waiting: Waiting[] = [];
  private flushing = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly queue: Queue<ApplyJobData>,
    private readonly log: { warn(details: object, message: string): void },
    /** How long the 202 may wait for Redis to take the job, ms. */
    private readonly enqueueWaitMs = 1000,
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

  /** Starts a group with what waits, unless a group is in flight (it starts the next when it commits). */
  private flushNext(): void {
    if (this.flushing || this.waiting.length === 0) return;
    this.flushing = true;
    const group = this.takeGroup();
    this.flush(group).finally(() => {
      this.flushing = false;
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

  /** Stores a group; resolves (or rejects) each caller once it is committed and its job queued. */
  private async flush(group: Waiting[]): Promise<void> {
    try {
      const { receipts, enqueue } = await this.storeGroup(group.map((w) => w.submission));
      // The next group may start as soon as this one committed: its job is queued meanwhile.
      void enqueue.then(() => {
        group.forEach((w, i) => {
          w.resolve(receipts[i] as LotReceipt);
        });
      });
      return;
    } catch (error) {
      const [only] = group;
      if (only && group.length === 1 && (error as { code?: string }).code !== UNIQUE_VIOLATION) {
        only.reject(error);
        return;
      }
    }
    // The group failed as a whole: each member alone, so that only the faulty one fails.
    await Promise.all(group.map((w) => this.storeAlone(w.submission).then(w.resolve, w.reject)));
  }

  private async storeAlone(submission: LotSubmission): Promise<LotReceipt> {
    // Two identical lots arriving together: the loser of the unique index retries and finds the winner's messages.
    for (let attempt = 1; ; attempt++) {
      try {
        const { receipts, enqueue } = await this.storeGroup([submission]);
        await enqueue;
        return receipts[0] as LotReceipt;
      } catch (error) {
        if ((error as { code?: string }).code !== UNIQUE_VIOLATION || attempt >= 3) throw error;
      }
    }
  }

  /**
   * One transaction for every submission of the group, each its own lot; then one apply job for
   * every accepted message (returned as `enqueue`, which never rejects: if Redis does not take the
   * job, the reconciler will).
   */
  private async storeGroup(
    submissions: LotSubmission[],
  ): Promise<{ receipts: LotReceipt[]; enqueue: Promise<void> }> {
    const members: Member[] = submissions.map((submission) => ({
      submission,
      lotId: randomUUID(),
      rows: [],
      entries: [],
    }));
    // A lot alone names its job after itself, as before groups.
    const jobId = members.length === 1 ? `lot-${members[0]?.lotId}` : `group-${randomUUID()}`;
    const queued = await withTransaction(this.pool, async (db) => {
      const existing = await existingMessages(
        db,
        submissions.flatMap((s) => s.messages.map((m) => ({ clientId: s.actor.clientId, senderId: m.id }))),
      );
      const accepted: StoredMessage[] = [];
      const keysOf: string[][] = [];
      for (const member of members) {
        const { actor, system, version } = member.submission;
        for (const message of member.submission.messages) {
          const senderKey = idempotencyKey(actor.clientId, message.id);
          const canonical = message.command ? JSON.stringify(message.command) : null;
          const hash = canonical ? sha256(`${system}|${version}|${message.type}|${canonical}`) : null;
          const previous = message.command ? existing.get(senderKey) : undefined;
          if (previous && previous.content_hash === hash) {
            member.entries.push({ id: message.id, messageId: previous.id, status: previous.status });
            continue;
          }
          const errors: MessageError[] | undefined = previous
            ? [
                {
                  code: 'IDEMPOTENCY_CONFLICT',
                  message: `Message id ${message.id} was already used by this client with another content (messageId ${previous.id}).`,
                },
              ]
            : (message.errors ??
              (message.command ? undefined : [{ code: 'CONTRACT_INVALID', message: 'No command.' }]));
          const row: StoredMessage = {
            id: randomUUID(),
            sender_id: message.id,
            type: message.type,
            status: errors ? 'rejected' : 'accepted',
            raw: message.raw,
            canonical,
            content_hash: errors ? null : hash,
            error: errors?.[0] ? { code: errors[0].code, message: errors[0].message, errors } : null,
          };
          member.rows.push(row);
          member.entries.push({
            id: message.id,
            messageId: row.id,
            status: row.status,
            ...(errors ? { errors } : {}),
          });
          if (row.status === 'accepted' && message.command) {
            accepted.push(row);
            keysOf.push(ownKeys(actor, message.command));
            // Later messages of the group with the same sender and id are its duplicates.
            existing.set(senderKey, row);
          }
        }
      }
      // keysOf[i] belongs to accepted[i].
      const keys = await resolveKeys(db, keysOf);
      await lockKeys(db, keys.flat());
      await insertLots(db, members);
      await insertMessages(db, members, jobId);
      await insertPendingKeys(
        db,
        accepted.map((r) => r.id),
        keys,
      );
      return accepted.map((r) => r.id);
    });
    const receipts = members.map((m) => receiptOf(m.lotId, m.entries));
    if (queued.length === 0) return { receipts, enqueue: Promise.resolve() };
    // Redis away: the add waits for it to come back, but the senders need not wait. The messages
    // are committed; the pending add or the reconciler will queue them.
    const enqueue = withTimeout(
      this.queue.add('apply', { messageIds: queued }, { jobId }),
      this.enqueueWaitMs,
      'Redis',
    ).then(
      () => {},
      (error: Error) => {
        // Committed already: the reconciler will queue these messages when Redis answers again.
        this.log.warn({ jobId, err: error.message }, 'messages stored but not queued');
      },
    );
    return { receipts, enqueue };
  }
}

function idempotencyKey(clientId: string, senderId: string): string {
  return `${clientId}\u0000${senderId}`;
}

/** The messages already stored (not rejected) under these senders' ids, by `idempotencyKey`. */
async function existingMessages(
  db: pg.PoolClient,
  senders: { clientId: string; senderId: string }[],
): Promise<Map<string, StoredMessage>> {
  const { rows } = await db.query<StoredMessage & { client_id: string }>(
    `SELECT m.id, m.client_id, m.sender_id, m.type, m.status, m.content_hash
       FROM messages m JOIN (SELECT DISTINCT * FROM unnest($1::text[], $2::text[])) AS s(client_id, sender_id)
         ON m.client_id = s.client_id AND m.sender_id = s.sender_id
      WHERE m.status <> 'rejected'`,
    [senders.map((s) => s.clientId), senders.map((s) => s.senderId)],
  );
  return new Map(rows.map((r) => [idempotencyKey(r.client_id, r.sender_id), r]));
}

function receiptOf(lotId: string, messages: ReceiptEntry[]): LotReceipt {
  return {
    lotId,
    received: messages.length,
    accepted: messages.filter((m) => m.status !== 'rejected').length,
    rejected: messages.filter((m) => m.status === 'rejected').length,
    messages,
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Intake of messages sharing a key is serialised, so that acceptance order (`seq`) is also commit
 * order: a worker never sees a later message of a demande before an earlier one is visible.
 */
export async function lockKeys(db: pg.PoolClient, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await db.query(
    `SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest($1::text[]) k) s ORDER BY h`,
    [keys],
  );
}

async function insertLots(db: pg.PoolClient, members: Member[]): Promise<void> {
  await db.query(
    `INSERT INTO lots (id, client_id, system, version)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])`,
    [
      members.map((m) => m.lotId),
      members.map((m) => m.submission.actor.clientId),
      members.map((m) => m.submission.system),
      members.map((m) => m.submission.version),
    ],
  );
}

/** Every message of the group, in arrival order (their `seq`), each with its own lot's columns. */
async function insertMessages(db: pg.PoolClient, members: Member[], jobId: string): Promise<void> {
  const rows = members.flatMap((m) =>
    m.rows.map((row) => ({
      ...row,
      lot_id: m.lotId,
      client_id: m.submission.actor.clientId,
      system: m.submission.system,
      version: m.submission.version,
    })),
  );
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO messages (id, lot_id, client_id, sender_id, system, version, type, status, raw, canonical,
                           content_hash, error, job_id)
     SELECT m.id, m.lot_id, m.client_id, m.sender_id, m.system, m.version, m.type, m.status, m.raw,
            m.canonical::jsonb, m.content_hash, m.error, CASE WHEN m.status = 'accepted' THEN $2 END
       FROM jsonb_to_recordset($1::jsonb) AS m(id uuid, lot_id uuid, client_id text, sender_id text, system text,
            version text, type text, status text, raw text, canonical text, content_hash text, error jsonb, n bigint)
      ORDER BY m.n`,
    [JSON.stringify(rows.map((row, n) => ({ ...row, n }))), jobId],
  );
}

async function insertPendingKeys(db: pg.PoolClient, messageIds: string[], keys: string[][]): Promise<void> {
  const ids: string[] = [];
  const flat: string[] = [];
  messageIds.forEach((id, i) => {
    for (const key of keys[i] ?? []) {
      ids.push(id);
      flat.push(key);
    }
  });
  if (flat.length === 0) return;
  await db.query(
    `INSERT INTO pending_keys (key, seq, message_id)
     SELECT k.key, m.seq, m.id FROM unnest($1::text[], $2::uuid[]) AS k(key, id) JOIN messages m ON m.id = k.id
     ON CONFLICT DO NOTHING`,
    [flat, ids],
  );
}
