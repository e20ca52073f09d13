import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { type Actor, actorOf, type Role } from '../../core/actor.ts';
import type { Command } from '../../core/commands.ts';
import { unstorablePaths } from '../../shared/storable-text.ts';
import type { MessageError, MessageStatus } from '../inbound.ts';
import { lockKeys } from '../intake-store.ts';
import { ownKeys, releaseKeysOf, resolveKeys } from '../ordering.ts';
import type { Revisers } from './revisers.ts';

/** Why a replay or a discard was refused: the route turns `kind` into an HTTP status. */
export class OpsRefusal extends Error {
  override readonly name = 'OpsRefusal';
  constructor(
    /** `unknown`: no such message; `state`: not in a state that allows it; `invalid`: the payload is wrong. */
    readonly kind: 'unknown' | 'state' | 'invalid',
    readonly code: string,
    detail: string,
    readonly errors?: MessageError[],
  ) {
    super(detail);
  }
}

/** Statuses a replay takes; `applied` only with `force`. */
export const REPLAYABLE: readonly MessageStatus[] = ['failed', 'rejected'];
/** Statuses a discard takes: anything not done yet. */
export const DISCARDABLE: readonly MessageStatus[] = ['accepted', 'processing', 'failed', 'rejected'];

/** Messages of one apply job: the same size as the intake's lots at most. */
const JOB_SIZE = 500;

interface LockedMessage {
  id: string;
  seq: string;
  sender_id: string;
  system: string;
  version: string;
  type: string;
  status: MessageStatus;
  raw: string;
  /** Set when the retention purge erased its personal data. */
  donnees_purgees_le: string | null;
  /** The command in force: the current revision's, else the message's own. */
  command: Command | null;
  revision: number;
  client_id: string;
  role: Role;
  organisme: string;
  departements: string[];
  code_guichet: string | null;
}

const LOCKED_COLUMNS = `m.id, m.seq, m.sender_id, m.system, m.version, m.type, m.status, p.raw, m.donnees_purgees_le,
       COALESCE(r.canonical, p.canonical) AS command, m.revision,
       m.client_id, c.role, c.organisme, c.departements, c.code_guichet`;
const LOCKED_FROM = `messages m JOIN clients c ON c.id = m.client_id
       JOIN message_payloads p ON p.message_id = m.id
       LEFT JOIN message_revisions r ON r.message_id = m.id AND r.revision = m.revision`;

function actorOfRow(row: LockedMessage): Actor {
  return actorOf({
    clientId: row.client_id,
    role: row.role,
    organisme: row.organisme,
    departements: row.departements,
    codeGuichet: row.code_guichet,
  });
}

export interface ReplayRequest {
  messageId: string;
  /** The operator. */
  actor: string;
  reason: string;
  /** A corrected message of the same system, version and type: a new revision, applied instead. */
  payload?: string;
  /** Needed to replay an `applied` message (which then never applies twice: see the apply worker). */
  force?: boolean;
}

/** A message handed back to the queue: its apply job, to add once the transaction has committed. */
export interface QueuedReplay {
  messageId: string;
  previousStatus: MessageStatus;
  revision: number;
  job: { jobId: string; messageIds: string[] };
}

/**
 * Replays one message, inside the caller's transaction (the audit line goes in the same one). The
 * message goes back to `accepted` with its ordering keys at its own `seq`: a later message of the
 * same demande still waiting waits for it again, as at reception.
 */
export async function replayMessage(
  db: pg.PoolClient,
  revisers: Revisers,
  request: ReplayRequest,
): Promise<QueuedReplay> {
  const { rows } = await db.query<LockedMessage>(
    `SELECT ${LOCKED_COLUMNS} FROM ${LOCKED_FROM} WHERE m.id = $1 FOR UPDATE OF m`,
    [request.messageId],
  );
  const message = rows[0];
  if (!message) throw new OpsRefusal('unknown', 'MESSAGE_UNKNOWN', `No message ${request.messageId}.`);
  const replayable = REPLAYABLE.includes(message.status) || (message.status === 'applied' && request.force);
  if (!replayable) {
    const hint =
      message.status === 'applied'
        ? ' Replaying an applied message needs force: true (it is checked against the registry and never applied twice).'
        : ' Only failed and rejected messages are replayed (applied ones with force: true).';
    throw new OpsRefusal('state', 'MESSAGE_NOT_REPLAYABLE', `The message is ${message.status}.${hint}`);
  }
  if (message.donnees_purgees_le && request.payload === undefined && message.status !== 'applied') {
    // Its names are gone from the command: applied as it is, it would register nobody's demande.
    throw new OpsRefusal(
      'state',
      'MESSAGE_NOT_REPLAYABLE',
      `The retention purge erased this message's personal data on ${message.donnees_purgees_le}: replay it with a corrected payload.`,
    );
  }
  const actor = actorOfRow(message);
  let command = message.command;
  let revision = message.revision;
  if (request.payload !== undefined) {
    if (message.status === 'applied') {
      throw new OpsRefusal(
        'state',
        'REVISION_FORBIDDEN',
        'An applied message took effect as it was: it cannot be revised. Send a new message (a modification) instead.',
      );
    }
    command = revise(revisers, message, actor, request.payload);
    revision = await nextRevision(db, message.id);
    await db.query(
      `INSERT INTO message_revisions (message_id, revision, raw, canonical, actor, reason)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [message.id, revision, request.payload, JSON.stringify(command), request.actor, request.reason],
    );
  } else if (!command) {
    // Rejected at reception: its own text goes through its contract again (the contract, or the
    // client's rights, may have been the problem); still invalid, it needs a corrected payload.
    command = revise(revisers, message, actor, message.raw);
    await db.query('UPDATE message_payloads SET canonical = $2 WHERE message_id = $1', [
      message.id,
      JSON.stringify(command),
    ]);
  }
  const [queued] = await requeue(db, [{ ...message, command, revision }]);
  if (!queued) throw new Error('replay: nothing queued');
  return { messageId: message.id, previousStatus: message.status, revision, job: queued };
}

/** The payload through its connector: a command, or a refusal saying what is wrong with it. */
function revise(revisers: Revisers, message: LockedMessage, actor: Actor, raw: string): Command {
  const decoded = revisers.revise(message.system, {
    version: message.version,
    type: message.type,
    raw,
    actor,
  });
  if (!decoded) {
    throw new OpsRefusal(
      'state',
      'REVISION_FORBIDDEN',
      `No connector revises ${message.system} ${message.version} ${message.type} messages.`,
    );
  }
  // The contract's errors first: a payload that is not JSON, or not an object, names no message at all
  // (its id reads as empty), and "it is a message with id (none)" would hide what is wrong with it.
  if (decoded.errors || !decoded.command) {
    // One problem code; each error keeps its own (CONTRACT_INVALID, FORBIDDEN for a guichet's attribution...).
    throw new OpsRefusal(
      'invalid',
      'CONTRACT_INVALID',
      `The payload breaks the ${message.system} ${message.version} contract: ${decoded.errors?.[0]?.message ?? 'no command'}.`,
      decoded.errors ?? [],
    );
  }
  if (decoded.type !== message.type || decoded.id !== message.sender_id) {
    throw new OpsRefusal(
      'invalid',
      'REVISION_MISMATCH',
      `The payload must be a ${message.type} with id ${message.sender_id} (the message it corrects); it is a ${decoded.type} with id ${decoded.id}.`,
    );
  }
  // The request's guard saw the payload as one string: its escapes (`\u0000` in a JSON payload) are
  // characters only now, and PostgreSQL would refuse the command they are in.
  const unstorable = unstorablePaths(decoded.command);
  if (unstorable.length > 0) {
    throw new OpsRefusal(
      'invalid',
      'UNSUPPORTED_CHARACTER',
      'The payload holds a character the registry cannot store (U+0000 or a lone UTF-16 surrogate): remove it.',
      unstorable.map((path) => ({
        code: 'UNSUPPORTED_CHARACTER',
        path,
        message: 'holds U+0000 or a lone surrogate',
      })),
    );
  }
  return decoded.command;
}

async function nextRevision(db: pg.PoolClient, messageId: string): Promise<number> {
  const { rows } = await db.query<{ next: number }>(
    'SELECT coalesce(max(revision), 0) + 1 AS next FROM message_revisions WHERE message_id = $1',
    [messageId],
  );
  return rows[0]?.next ?? 1;
}

/**
 * Puts messages back in the queue's hands: ordering keys at their own `seq`, status `accepted`, the
 * last error cleared (the attempts keep it), one job id per chunk. Applied messages keep `applied_at`
 * and `result`: the worker reads them to never apply twice.
 */
async function requeue(
  db: pg.PoolClient,
  messages: (LockedMessage & { command: Command | null })[],
): Promise<{ jobId: string; messageIds: string[] }[]> {
  const ready = messages.filter((m): m is LockedMessage & { command: Command } => m.command !== null);
  if (ready.length === 0) return [];
  const keys = await resolveKeys(
    db,
    ready.map((m) => ownKeys(actorOfRow(m), m.command)),
  );
  // As the intake does: acceptance of messages sharing a key is serialised.
  await lockKeys(db, keys.flat());
  const keyIds: string[] = [];
  const keyNames: string[] = [];
  ready.forEach((m, i) => {
    for (const key of keys[i] ?? []) {
      keyIds.push(m.id);
      keyNames.push(key);
    }
  });
  await db.query(
    `WITH given AS (SELECT * FROM unnest($1::text[], $2::uuid[]) AS k(key, id)),
     recorded AS (
       -- Where the apply reads them (and releases them from).
       UPDATE message_payloads p SET ordering_keys = g.keys
         FROM (SELECT id, array_agg(DISTINCT key) AS keys FROM given GROUP BY id) g WHERE p.message_id = g.id)
     INSERT INTO pending_keys (key, seq, message_id)
     SELECT DISTINCT k.key, m.seq, m.id FROM given k JOIN messages m ON m.id = k.id
     ON CONFLICT DO NOTHING`,
    [keyNames, keyIds],
  );
  const jobs: { jobId: string; messageIds: string[] }[] = [];
  for (let i = 0; i < ready.length; i += JOB_SIZE) {
    const chunk = ready.slice(i, i + JOB_SIZE);
    const job = { jobId: `replay-${randomUUID()}`, messageIds: chunk.map((m) => m.id) };
    await db.query(
      `UPDATE messages m SET status = 'accepted', error = NULL, error_code = NULL, job_id = $2, updated_at = now(), revision = r.revision
         FROM unnest($1::uuid[], $3::int[]) AS r(id, revision) WHERE m.id = r.id`,
      [job.messageIds, job.jobId, chunk.map((m) => m.revision)],
    );
    jobs.push(job);
  }
  return jobs;
}

/** Statuses a bulk replay takes (`failed` unless the filter says `rejected`). */
export const BULK_REPLAYABLE = ['failed', 'rejected'] as const;
export type BulkReplayStatus = (typeof BULK_REPLAYABLE)[number];

/**
 * Replays the messages of `status` among those matching `condition` (a SQL condition on
 * `messages m`, `$3` onwards), after `afterSeq` and up to `maxSeq`, oldest first, at most `limit` of
 * them. Inside the caller's transaction. Skipped: rows another transaction holds, messages whose
 * personal data the retention purge erased (each needs a corrected payload), and for `rejected`
 * ones, those whose own text still breaks its contract with the client's rights of today (a
 * rejected message is read again by its connector, `revisers`, as a single replay does: a contract
 * fixed, or rights extended, since it came) and those whose sender id a live message holds.
 * Returns the jobs to add after commit, the messages replayed and the last `seq` seen.
 */
export async function replayChunk(
  db: pg.PoolClient,
  status: BulkReplayStatus,
  where: { sql: string; params: unknown[] },
  range: { afterSeq: string; maxSeq: string; limit: number },
  revisers?: Revisers,
): Promise<{ messageIds: string[]; jobs: { jobId: string; messageIds: string[] }[]; lastSeq?: string }> {
  if (!BULK_REPLAYABLE.includes(status)) throw new Error(`bulk replay of ${status} messages`);
  const { rows } = await db.query<LockedMessage>(
    `SELECT ${LOCKED_COLUMNS} FROM ${LOCKED_FROM}
      WHERE m.status = '${status}' AND m.donnees_purgees_le IS NULL AND m.seq > $1 AND m.seq <= $2 AND ${where.sql}
      ORDER BY m.seq LIMIT ${Number(range.limit)}
        FOR UPDATE OF m SKIP LOCKED`,
    [range.afterSeq, range.maxSeq, ...where.params],
  );
  const ready = status === 'rejected' ? await acceptedAgain(db, rows, revisers) : rows;
  const jobs = await requeue(db, ready);
  return {
    messageIds: ready.map((r) => r.id),
    jobs,
    ...(rows.length > 0 ? { lastSeq: rows.at(-1)?.seq } : {}),
  };
}

/**
 * The rejected messages among `rows` that their connector now accepts as they are, their command
 * stored; the others stay rejected. A message whose sender id another live message holds
 * (IDEMPOTENCY_CONFLICT) is left out: accepted again, it would be a second live message of that id.
 * So is a later one of an id rejected more than once (a rejected message does not hold its id): the
 * first accepted takes it (both accepted, the unique index refused the chunk every time).
 */
async function acceptedAgain(
  db: pg.PoolClient,
  rows: LockedMessage[],
  revisers: Revisers | undefined,
): Promise<LockedMessage[]> {
  if (rows.length === 0) return [];
  if (!revisers) throw new Error('replaying rejected messages needs the connectors’ revisers');
  const { rows: twins } = await db.query<{ id: string }>(
    `SELECT m.id FROM messages m
      WHERE m.id = ANY($1::uuid[]) AND EXISTS (
        SELECT 1 FROM messages o WHERE o.client_id = m.client_id AND o.sender_id = m.sender_id
           AND o.id <> m.id AND o.status <> 'rejected')`,
    [rows.map((r) => r.id)],
  );
  const taken = new Set(twins.map((t) => t.id));
  const accepted: LockedMessage[] = [];
  const acceptedSenders = new Set<string>();
  for (const row of rows) {
    const sender = `${row.client_id}\u0000${row.sender_id}`;
    if (taken.has(row.id) || acceptedSenders.has(sender)) continue;
    try {
      accepted.push({ ...row, command: revise(revisers, row, actorOfRow(row), row.raw) });
      acceptedSenders.add(sender);
    } catch (error) {
      if (!(error instanceof OpsRefusal)) throw error;
    }
  }
  if (accepted.length > 0) {
    await db.query(
      `UPDATE message_payloads p SET canonical = c.canonical
         FROM unnest($1::uuid[], $2::jsonb[]) AS c(id, canonical) WHERE p.message_id = c.id`,
      [accepted.map((m) => m.id), accepted.map((m) => JSON.stringify(m.command))],
    );
  }
  return accepted;
}

/**
 * Gives a message up, inside the caller's transaction: it will not be applied, and no later message
 * of its demande waits for it any more.
 */
export async function discardMessage(db: pg.PoolClient, messageId: string): Promise<MessageStatus> {
  const { rows } = await db.query<{ status: MessageStatus }>(
    'SELECT status FROM messages WHERE id = $1 FOR UPDATE',
    [messageId],
  );
  const status = rows[0]?.status;
  if (!status) throw new OpsRefusal('unknown', 'MESSAGE_UNKNOWN', `No message ${messageId}.`);
  if (!DISCARDABLE.includes(status)) {
    throw new OpsRefusal(
      'state',
      'MESSAGE_NOT_DISCARDABLE',
      `The message is ${status}: only messages not done (accepted, processing, failed, rejected) are discarded.`,
    );
  }
  await db.query(
    `UPDATE messages SET status = 'discarded', job_id = NULL, updated_at = now() WHERE id = $1`,
    [messageId],
  );
  await releaseKeysOf(db, [messageId]);
  return status;
}
