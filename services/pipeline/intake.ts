import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import type pg from 'pg';

import { withTransaction } from '../db/pool.ts';
import { uuidV7 } from '../shared/uuid-v7.ts';
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

/**
 * Receives lots: commits every message to PostgreSQL (valid ones `accepted`, invalid ones
 * `rejected` with their raw text), then queues one job for the lot. The receipt is returned only
 * once the commit is done: a 202 never precedes durability. If Redis is down at that moment, the
 * messages are still safe and the reconciler queues them later.
 */
export class PgIntake implements Intake {
  constructor(
    private readonly pool: pg.Pool,
    private readonly queue: Queue<ApplyJobData>,
    private readonly log: { warn(details: object, message: string): void },
    /** How long the 202 may wait for Redis to take the job, ms. */
    private readonly enqueueWaitMs = 1000,
  ) {}

  async acceptLot(submission: LotSubmission): Promise<LotReceipt> {
    // Two identical lots arriving together: the loser of the unique index retries and finds the winner's messages.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store(submission);
      } catch (error) {
        if ((error as { code?: string }).code !== UNIQUE_VIOLATION || attempt >= 3) throw error;
      }
    }
  }

  private async store(submission: LotSubmission): Promise<LotReceipt> {
    const { actor, system, version } = submission;
    // Time-ordered ids: the indexes on them grow at one edge, however many messages the hub holds.
    const lotId = uuidV7();
    const jobId = `lot-${lotId}`;
    const { receipt, queued } = await withTransaction(this.pool, async (db) => {
      const existing = await this.existingMessages(
        db,
        actor.clientId,
        submission.messages.map((m) => m.id),
      );
      const rows: StoredMessage[] = [];
      const entries: ReceiptEntry[] = [];
      const keysOf: string[][] = [];
      for (const message of submission.messages) {
        const canonical = message.command ? JSON.stringify(message.command) : null;
        const hash = canonical ? sha256(`${system}|${version}|${message.type}|${canonical}`) : null;
        const previous = message.command ? existing.get(message.id) : undefined;
        if (previous && previous.content_hash === hash) {
          entries.push({ id: message.id, messageId: previous.id, status: previous.status });
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
          id: uuidV7(),
          sender_id: message.id,
          type: message.type,
          status: errors ? 'rejected' : 'accepted',
          raw: message.raw,
          canonical,
          content_hash: errors ? null : hash,
          error: errors?.[0] ? { code: errors[0].code, message: errors[0].message, errors } : null,
        };
        rows.push(row);
        entries.push({
          id: message.id,
          messageId: row.id,
          status: row.status,
          ...(errors ? { errors } : {}),
        });
        if (row.status === 'accepted' && message.command) {
          keysOf.push(ownKeys(actor, message.command));
          // Later messages of the same lot with the same id are its duplicates.
          existing.set(message.id, row);
        }
      }
      const accepted = rows.filter((r) => r.status === 'accepted');
      // keysOf[i] belongs to accepted[i].
      const keys = await resolveKeys(db, keysOf);
      await lockKeys(db, keys.flat());
      await db.query('INSERT INTO lots (id, client_id, system, version) VALUES ($1, $2, $3, $4)', [
        lotId,
        actor.clientId,
        system,
        version,
      ]);
      await insertMessages(db, { lotId, clientId: actor.clientId, system, version, jobId }, rows);
      await insertPendingKeys(
        db,
        accepted.map((r) => r.id),
        keys,
      );
      return { receipt: receiptOf(lotId, entries), queued: accepted.map((r) => r.id) };
    });
    if (queued.length > 0) {
      // Redis away: the add waits for it to come back, but the sender need not wait. The messages
      // are committed; the pending add or the reconciler will queue them.
      await withTimeout(
        this.queue.add('apply', { messageIds: queued }, { jobId }),
        this.enqueueWaitMs,
        'Redis',
      ).catch((error: Error) => {
        // Committed already: the reconciler will queue these messages when Redis answers again.
        this.log.warn({ lotId, err: error.message }, 'lot stored but not queued');
      });
    }
    return receipt;
  }

  private async existingMessages(db: pg.PoolClient, clientId: string, senderIds: string[]) {
    const { rows } = await db.query<StoredMessage>(
      `SELECT id, sender_id, type, status, content_hash FROM messages
        WHERE client_id = $1 AND sender_id = ANY($2::text[]) AND status <> 'rejected'`,
      [clientId, senderIds],
    );
    return new Map(rows.map((r) => [r.sender_id, r]));
  }
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

async function insertMessages(
  db: pg.PoolClient,
  lot: { lotId: string; clientId: string; system: string; version: string; jobId: string },
  rows: StoredMessage[],
): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO messages (id, lot_id, client_id, sender_id, system, version, type, status, raw, canonical,
                           content_hash, error, job_id)
     SELECT m.id, $2, $3, m.sender_id, $4, $5, m.type, m.status, m.raw, m.canonical::jsonb, m.content_hash, m.error,
            CASE WHEN m.status = 'accepted' THEN $6 END
       FROM jsonb_to_recordset($1::jsonb) AS m(id uuid, sender_id text, type text, status text,
            raw text, canonical text, content_hash text, error jsonb, n bigint)
      ORDER BY m.n`,
    [
      JSON.stringify(rows.map((row, n) => ({ ...row, n }))),
      lot.lotId,
      lot.clientId,
      lot.system,
      lot.version,
      lot.jobId,
    ],
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
