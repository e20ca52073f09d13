import type pg from 'pg';

import { arrayLiteral, type Column, columnParameters, jsonText, unnestColumns } from '../db/binary-arrays.ts';
import type { Queryable } from '../db/pool.ts';
import { uuidV7 } from '../shared/uuid-v7.ts';
import type { LotReceipt, LotSubmission, MessageError, MessageStatus, ReceiptEntry } from './inbound.ts';

// The intake's statements and the rows they write: what a group of submissions leaves in
// PostgreSQL before its 202 (`PgIntake`, in intake.ts, decides when a group is stored and queued).

export interface StoredMessage {
  id: string;
  sender_id: string;
  type: string;
  status: MessageStatus;
  raw: string;
  canonical: string | null;
  content_hash: string | null;
  error: { code: string; message: string; errors?: MessageError[] } | null;
}

/** One submission of a group as stored: its lot, its rows, the ids its apply job carries. */
export interface Member {
  submission: LotSubmission;
  lotId: string;
  rows: StoredMessage[];
  entries: ReceiptEntry[];
}

export function idempotencyConflict(senderId: string, previousId: string): MessageError {
  return {
    code: 'IDEMPOTENCY_CONFLICT',
    message: `Message id ${senderId} was already used by this client with another content (messageId ${previousId}).`,
  };
}

function errorOf(errors: MessageError[] | undefined): StoredMessage['error'] {
  const [first] = errors ?? [];
  return first ? { code: first.code, message: first.message, errors: errors as MessageError[] } : null;
}

/**
 * The most characters of a sender id or a type stored. Both are indexed with `seq` or the client
 * (`messages_rejected_sender`, `messages_system_type_seq`), and a B-tree entry holds at most about
 * 2.7 kB: a rejected message whose id (or, in a lot, whose unknown element's name) was thousands of
 * random characters failed its whole group with a 500. The contracts allow far shorter ids; the
 * raw text keeps the whole, and the receipt echoes the id as sent.
 */
const STORED_LABEL_MAX = 200;

function storedLabel(text: string): string {
  return text.length <= STORED_LABEL_MAX ? text : Array.from(text).slice(0, STORED_LABEL_MAX).join('');
}

/** A message as stored: `accepted` unless it carries errors. */
export function storedRow(
  message: LotSubmission['messages'][number],
  errors: MessageError[] | undefined,
  canonical: string | null,
  hash: string | null,
): StoredMessage {
  return {
    id: uuidV7(),
    sender_id: storedLabel(message.id),
    type: storedLabel(message.type),
    status: errors ? 'rejected' : 'accepted',
    raw: message.raw,
    canonical,
    content_hash: errors ? null : hash,
    error: errorOf(errors),
  };
}

export function idempotencyKey(clientId: string, senderId: string): string {
  return `${clientId}\u0000${senderId}`;
}

/** The messages already stored (not rejected) under these senders' ids, by `idempotencyKey`. */
export async function existingMessages(
  db: Queryable,
  senders: { clientId: string; senderId: string }[],
): Promise<Map<string, StoredMessage>> {
  // One probe of `messages_idempotency` per pair (`OFFSET 0` keeps each a subquery of its own): as
  // two lists, the planner read every message of the client and filtered them by sender.
  const { rows } = await db.query<StoredMessage & { client_id: string }>(
    `SELECT m.id, m.client_id, m.sender_id, m.type, m.status, m.content_hash
       FROM unnest($1::text[], $2::text[]) AS k(client_id, sender_id)
       CROSS JOIN LATERAL (SELECT * FROM messages
                            WHERE client_id = k.client_id AND sender_id = k.sender_id AND status <> 'rejected'
                           OFFSET 0) m`,
    [senders.map((s) => s.clientId), senders.map((s) => s.senderId)],
  );
  return new Map(rows.map((r) => [idempotencyKey(r.client_id, r.sender_id), r] as const));
}

export function receiptOf(lotId: string, messages: ReceiptEntry[]): LotReceipt {
  return {
    lotId,
    received: messages.length,
    accepted: messages.filter((m) => m.status !== 'rejected').length,
    rejected: messages.filter((m) => m.status === 'rejected').length,
    messages,
  };
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

/**
 * Messages rejected at reception that their client sent before, the same text under the same id
 * (a lot sent again after a lost 202): each receipt entry names the message stored the first time,
 * and no second one is stored (interfaces.md §1: same client, id and content → the same messageId;
 * migration 023). Identical ones within the group are stored once too. Nothing to do, and no query,
 * for a group without rejected messages. Two identical ones sent at the same moment may still be
 * stored twice (no unique index holds rejected messages): harmless, each is rejected.
 */
export async function reuseRejected(db: Queryable, members: Member[]): Promise<void> {
  const candidates = members.flatMap((member) =>
    member.rows.filter(isRejectedAtReception).map((row) => ({ member, row })),
  );
  if (candidates.length === 0) return;
  // A row's id → the message its entry names instead (an earlier identical one of the group, or stored).
  const reused = new Map<string, string>();
  const firstOf = new Map<string, string>();
  for (const { member, row } of candidates) {
    const { actor, system, version } = member.submission;
    const sameText = [actor.clientId, row.sender_id, system, version, row.type, row.raw].join('\u0000');
    const first = firstOf.get(sameText);
    if (first) reused.set(row.id, first);
    else firstOf.set(sameText, row.id);
  }
  const firsts = candidates.filter((c) => !reused.has(c.row.id));
  const { rows: found } = await db.query<{ n: string; id: string }>(
    `SELECT DISTINCT ON (k.n) k.n, m.id
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY
            AS k(client_id, sender_id, system, version, type, raw, n)
       JOIN messages m ON m.client_id = k.client_id AND m.sender_id = k.sender_id AND m.status = 'rejected'
        AND m.system = k.system AND m.version = k.version AND m.type = k.type
       JOIN message_payloads p ON p.message_id = m.id AND p.raw = k.raw
      ORDER BY k.n, m.seq`,
    [
      firsts.map((c) => c.member.submission.actor.clientId),
      firsts.map((c) => c.row.sender_id),
      firsts.map((c) => c.member.submission.system),
      firsts.map((c) => c.member.submission.version),
      firsts.map((c) => c.row.type),
      firsts.map((c) => c.row.raw),
    ],
  );
  for (const { n, id } of found) reused.set((firsts[Number(n) - 1] as (typeof firsts)[number]).row.id, id);
  if (reused.size === 0) return;
  const named = (id: string) => {
    const instead = reused.get(id);
    return instead ? (reused.get(instead) ?? instead) : id;
  };
  for (const member of members) {
    member.rows = member.rows.filter((row) => !reused.has(row.id));
    member.entries = member.entries.map((entry) => ({ ...entry, messageId: named(entry.messageId) }));
  }
}

/** Rejected by its contract or its sender's rights, not for an id already used (IDEMPOTENCY_CONFLICT). */
function isRejectedAtReception(row: StoredMessage): boolean {
  return row.status === 'rejected' && row.error?.code !== 'IDEMPOTENCY_CONFLICT';
}

/**
 * Writes `lots.members` (migration 022) for the lots whose receipt is not simply the messages they
 * stored, in `seq` order: GET /lots/{lotId} then lists what the receipt listed. Nothing is written,
 * and no statement sent, for a group of lots without a message re-sent, repeated or found in
 * conflict once stored: the hot path. Its own statement, after the messages' commit: no one can read
 * the lot in between (its id is known once its receipt is sent), and if it fails the request fails
 * and the sender sends the lot again, as after any lost 202.
 */
export async function recordMembers(db: Queryable, members: Member[], stored: Set<string>): Promise<void> {
  const irregular = members.filter((m) => !listsOwnMessages(m, stored));
  if (irregular.length === 0) return;
  await db.query(
    'UPDATE lots l SET members = r.members::uuid[] FROM unnest($1::uuid[], $2::text[]) AS r(id, members) WHERE l.id = r.id',
    [irregular.map((m) => m.lotId), irregular.map((m) => arrayLiteral(m.entries.map((e) => e.messageId)))],
  );
}

/**
 * Whether a lot's receipt is its messages as the intake's first insert stored them: one entry per
 * row, each row stored then (a conflict found after it is stored later, with a later `seq`).
 */
function listsOwnMessages(member: Member, stored: Set<string>): boolean {
  return member.entries.length === member.rows.length && member.rows.every((row) => stored.has(row.id));
}

/** A message to store, with its submission and its ordering keys (none: not accepted). */
interface StoredRow {
  row: StoredMessage;
  member: Member;
  keys: readonly string[] | undefined;
}

/**
 * The stored messages' columns, sent as binary arrays (services/db/binary-arrays.ts): the raw texts
 * and canonical commands go as they are, neither escaped here nor parsed there as one document.
 */
const STORED_COLUMNS: Column<StoredRow>[] = [
  { name: 'id', type: 'uuid', value: (r) => r.row.id },
  { name: 'lot_id', type: 'uuid', value: (r) => r.member.lotId },
  { name: 'client_id', type: 'text', value: (r) => r.member.submission.actor.clientId },
  { name: 'sender_id', type: 'text', value: (r) => r.row.sender_id },
  { name: 'system', type: 'text', value: (r) => r.member.submission.system },
  { name: 'version', type: 'text', value: (r) => r.member.submission.version },
  { name: 'type', type: 'text', value: (r) => r.row.type },
  { name: 'status', type: 'text', value: (r) => r.row.status },
  { name: 'raw', type: 'text', value: (r) => r.row.raw },
  { name: 'canonical', type: 'jsonb', value: (r) => r.row.canonical },
  { name: 'content_hash', type: 'text', value: (r) => r.row.content_hash },
  { name: 'error', type: 'jsonb', value: (r) => jsonText(r.row.error) },
  { name: 'keys', type: 'text[]', value: (r) => arrayLiteral(r.keys) },
];

/**
 * One statement, so one transaction and one round trip: takes the advisory locks of the keys (in a
 * fixed order), then inserts the lots, the messages in arrival order (their `seq`), their payloads
 * (the raw text and canonical command, in a table of their own: migration 018; with the ordering
 * keys, which the apply reads there: migration 021) and the pending keys. The locks come first:
 * every row of the messages' INSERT waits for `locked`, a one-row aggregate over all of them, so
 * acceptance order (`seq`) is commit order for messages sharing a key.
 */
export async function storeAll(
  db: Queryable,
  members: Member[],
  jobId: string,
  acceptedIds: string[],
  keys: string[][],
): Promise<Set<string>> {
  // Each accepted message's ordering keys, distinct, so that (key, seq) is new: a plain INSERT.
  const keysById = new Map(acceptedIds.map((id, i) => [id, [...new Set(keys[i])]] as const));
  const rows = members.flatMap((member) =>
    member.rows.map((row): StoredRow => ({ row, member, keys: keysById.get(row.id) })),
  );
  const { rows: stored } = await db.query<{ id: string }>(
    `WITH locked AS (
       SELECT count(*) AS n FROM (
         SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest($1::text[]) k) s
          ORDER BY h) l),
     new_lots AS (
       INSERT INTO lots (id, client_id, system, version)
       SELECT l.id, l.client_id, l.system, l.version
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[]) AS l(id, client_id, system, version), locked
       ON CONFLICT (id) DO NOTHING),
     given AS MATERIALIZED (SELECT * FROM ${unnestColumns(STORED_COLUMNS, 7)} AS m),
     new_messages AS (
       INSERT INTO messages (id, lot_id, client_id, sender_id, system, version, type, status, content_hash, error,
                             error_code, job_id)
       SELECT m.id, m.lot_id, m.client_id, m.sender_id, m.system, m.version, m.type, m.status, m.content_hash,
              m.error, m.error->>'code', CASE WHEN m.status = 'accepted' THEN $6 END
         FROM given m, locked
        ORDER BY m.n
       ON CONFLICT (client_id, sender_id) WHERE status <> 'rejected' DO NOTHING
       RETURNING id, seq),
     new_payloads AS (
       INSERT INTO message_payloads (message_id, raw, canonical, ordering_keys)
       SELECT m.id, m.raw, m.canonical, m.keys FROM given m JOIN new_messages n ON n.id = m.id),
     new_keys AS (
       INSERT INTO pending_keys (key, seq, message_id)
       SELECT k.key, n.seq, n.id FROM given m JOIN new_messages n ON n.id = m.id CROSS JOIN unnest(m.keys) AS k(key))
     SELECT id FROM new_messages`,
    [
      [...keysById.values()].flat(),
      members.map((m) => m.lotId),
      members.map((m) => m.submission.actor.clientId),
      members.map((m) => m.submission.system),
      members.map((m) => m.submission.version),
      jobId,
      ...columnParameters(STORED_COLUMNS, rows),
    ],
  );
  return new Set(stored.map((r) => r.id));
}

/** A message of the group whose sender id an earlier message of the group took, with another content. */
export interface InGroupConflict {
  member: Member;
  /** Stored `rejected` (IDEMPOTENCY_CONFLICT) unless it turns out to be the message stored before. */
  row: StoredMessage;
  earlier: StoredMessage;
  contentHash: string | null;
}

/**
 * Idempotency once the group's messages are stored:
 * - an accepted message whose sender id the client had already used (the unique index turned it
 *   away) is, with the same content, the stored message again (its receipt entry names it); with
 *   another content it is stored `rejected`, IDEMPOTENCY_CONFLICT, in the lot it came with;
 * - a message of the group in conflict with an earlier one of the group is stored `rejected`,
 *   naming it, if that one was stored; if that one was turned away, it is compared with the message
 *   stored before under that id instead: the same content is that message again, another a conflict
 *   naming it.
 */
export async function settleIdempotency(
  db: Queryable,
  members: Member[],
  taken: StoredMessage[],
  conflicting: InGroupConflict[],
): Promise<void> {
  const clientOf = new Map(members.flatMap((m) => m.rows.map((r) => [r.id, m.submission.actor.clientId])));
  const stored =
    taken.length > 0
      ? await existingMessages(
          db,
          taken.map((r) => ({ clientId: clientOf.get(r.id) as string, senderId: r.sender_id })),
        )
      : new Map<string, StoredMessage>();
  const storedFor = new Map<string, StoredMessage | undefined>(
    taken.map((r) => [r.id, stored.get(idempotencyKey(clientOf.get(r.id) as string, r.sender_id))]),
  );
  const answers = new Map<string, ReceiptEntry>();
  const rejectedRows = new Map<Member, StoredMessage[]>();
  const reject = (member: Member, row: StoredMessage, conflict: MessageError) => {
    rejectedRows.set(member, [
      ...(rejectedRows.get(member) ?? []),
      { ...row, status: 'rejected', content_hash: null, error: errorOf([conflict]) },
    ]);
    answers.set(row.id, { id: row.sender_id, messageId: row.id, status: 'rejected', errors: [conflict] });
  };
  const memberOf = new Map(members.flatMap((m) => m.rows.map((r) => [r.id, m])));
  for (const row of taken) {
    const previous = storedFor.get(row.id);
    if (previous && previous.content_hash === row.content_hash) {
      answers.set(row.id, { id: row.sender_id, messageId: previous.id, status: previous.status });
      continue;
    }
    reject(
      memberOf.get(row.id) as Member,
      row,
      idempotencyConflict(row.sender_id, previous?.id ?? 'unknown'),
    );
  }
  for (const { member, row, earlier, contentHash } of conflicting) {
    // Turned away: the message stored before is the one to compare with (the earlier one was not stored).
    const previous = storedFor.has(earlier.id) ? storedFor.get(earlier.id) : earlier;
    if (previous && previous.content_hash === contentHash) {
      answers.set(row.id, { id: row.sender_id, messageId: previous.id, status: previous.status });
      continue;
    }
    reject(member, row, idempotencyConflict(row.sender_id, previous?.id ?? 'unknown'));
  }
  if (rejectedRows.size > 0) {
    await storeAll(
      db,
      members.map((m) => ({ ...m, rows: rejectedRows.get(m) ?? [] })),
      '',
      [],
      [],
    );
  }
  // Entries that named a turned-away message (it, or a later duplicate in the group) name the answer.
  for (const member of members) {
    member.entries = member.entries.map((entry) => {
      const answer = answers.get(entry.messageId);
      return answer ? { ...answer, id: entry.id } : entry;
    });
  }
}
