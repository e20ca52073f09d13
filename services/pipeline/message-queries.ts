import type { Queryable } from '../db/pool.ts';
import type { MessageStatus } from './inbound.ts';

/** A message's status as its sender sees it (interfaces.md §3). */
export interface MessageView {
  messageId: string;
  id: string;
  client: string;
  system: string;
  version: string;
  type: string;
  status: MessageStatus;
  lotId?: string;
  receivedAt: string;
  appliedAt?: string;
  result?: { numeroUnique: string };
  error?: { code: string; message: string; errors?: { code: string; path?: string; message: string }[] };
  attempts: number;
}

/** A `messages` row as `COLUMNS` reads it. */
export interface MessageRow {
  id: string;
  sender_id: string;
  client_id: string;
  system: string;
  version: string;
  type: string;
  status: MessageStatus;
  lot_id: string | null;
  received_at: Date;
  applied_at: Date | null;
  result: MessageView['result'] | null;
  error: MessageView['error'] | null;
  attempts: number;
}

/** A row as its sender sees it. */
export function viewOf(row: MessageRow): MessageView {
  return {
    messageId: row.id,
    id: row.sender_id,
    client: row.client_id,
    system: row.system,
    version: row.version,
    type: row.type,
    status: row.status,
    ...(row.lot_id ? { lotId: row.lot_id } : {}),
    receivedAt: row.received_at.toISOString(),
    ...(row.applied_at ? { appliedAt: row.applied_at.toISOString() } : {}),
    ...(row.result ? { result: row.result } : {}),
    ...(row.error ? { error: row.error } : {}),
    attempts: row.attempts,
  };
}

/** The columns of a message view. */
export const COLUMNS =
  'id, sender_id, client_id, system, version, type, status, lot_id, received_at, applied_at, result, error, attempts';

export async function findMessage(db: Queryable, messageId: string): Promise<MessageView | undefined> {
  const { rows } = await db.query<MessageRow>(`SELECT ${COLUMNS} FROM messages WHERE id = $1`, [messageId]);
  return rows[0] ? viewOf(rows[0]) : undefined;
}

export interface LotView {
  lotId: string;
  client: string;
  system: string;
  version: string;
  receivedAt: string;
  counts: Record<MessageStatus, number>;
  messages: Pick<MessageView, 'id' | 'messageId' | 'status' | 'result' | 'error'>[];
}

/**
 * A lot as its receipt listed it: each member in receipt order, with its status now. A message sent
 * again keeps its first lot (`messages.lot_id`); a lot whose receipt named such messages (or listed
 * its own out of `seq` order) has them in `lots.members` (migration 022), every other lot is read by
 * `lot_id`. Counts are those of the members listed, repeats included, as the receipt's.
 */
export async function findLot(db: Queryable, lotId: string): Promise<LotView | undefined> {
  const lot = await db.query<{
    id: string;
    client_id: string;
    system: string;
    version: string;
    received_at: Date;
    members: string[] | null;
  }>('SELECT id, client_id, system, version, received_at, members::text[] FROM lots WHERE id = $1', [lotId]);
  const row = lot.rows[0];
  if (!row) return undefined;
  const { rows } = row.members
    ? await db.query<MessageRow>(
        `SELECT ${COLUMNS} FROM unnest($1::uuid[]) WITH ORDINALITY AS r(message_id, n)
           JOIN messages ON id = r.message_id ORDER BY r.n`,
        [row.members],
      )
    : await db.query<MessageRow>(`SELECT ${COLUMNS} FROM messages WHERE lot_id = $1 ORDER BY seq`, [lotId]);
  const counts: Record<MessageStatus, number> = {
    accepted: 0,
    processing: 0,
    applied: 0,
    failed: 0,
    rejected: 0,
    discarded: 0,
  };
  for (const m of rows) counts[m.status]++;
  return {
    lotId: row.id,
    client: row.client_id,
    system: row.system,
    version: row.version,
    receivedAt: row.received_at.toISOString(),
    counts,
    messages: rows.map((m) => {
      const { id, messageId, status, result, error } = viewOf(m);
      return { id, messageId, status, ...(result ? { result } : {}), ...(error ? { error } : {}) };
    }),
  };
}
