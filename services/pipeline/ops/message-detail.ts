import type { Queryable } from '../../db/pool.ts';
import { ITEM_COLUMNS, type ItemRow, itemOf, type OpsMessageItem } from './message-list.ts';

/** A message as an operator inspects it (GET /ops/messages/{messageId}). */
export interface OpsMessageDetail extends Omit<OpsMessageItem, 'error'> {
  /** The current error with its details (a DOUBLON names the demande already held). */
  error?: { code: string; message: string; details?: Record<string, string> };
  /** The message exactly as received, decoded text: for an XML lot, its own element. */
  raw: string;
  /** When the retention purge erased its personal data (its raw text is then empty). */
  donneesPurgeesLe?: string;
  /** Its canonical command as received (absent when it broke its contract). */
  canonical?: unknown;
  /** Its contract errors when it was rejected, each with its path. */
  errors?: { code: string; path?: string; message: string }[];
  /** Every attempt at applying it, oldest first. */
  attemptsLog: { attempt: number; at: string; outcome: string; error?: { code: string; message: string } }[];
  /** Operators' corrected payloads, oldest first; `revision` says which one is in force. */
  revisions: {
    revision: number;
    raw: string;
    canonical: unknown;
    actor: string;
    reason: string;
    createdAt: string;
  }[];
  /** The audit lines about it, oldest first. */
  audit: AuditLine[];
}

/** One line of the audit log as operators read it. */
export interface AuditLine {
  id: string;
  at: string;
  actor: string;
  action: string;
  target?: string;
  reason?: string;
  details?: Record<string, unknown>;
}

/** An `audit` row. */
export interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  reason: string | null;
  details: Record<string, unknown> | null;
}

/** An audit row as operators read it (absent fields left out). */
export function auditLineOf(row: AuditRow): AuditLine {
  return {
    id: row.id,
    at: row.at.toISOString(),
    actor: row.actor,
    action: row.action,
    ...(row.target ? { target: row.target } : {}),
    ...(row.reason ? { reason: row.reason } : {}),
    ...(row.details ? { details: row.details } : {}),
  };
}

/** A message with its attempts, revisions and audit lines; `undefined` when unknown. */
export async function findMessageDetail(
  db: Queryable,
  messageId: string,
): Promise<OpsMessageDetail | undefined> {
  const { rows } = await db.query<
    ItemRow & {
      raw: string;
      canonical: unknown;
      donnees_purgees_le: string | null;
      full_error: (OpsMessageDetail['error'] & { errors?: OpsMessageDetail['errors'] }) | null;
    }
  >(
    `SELECT ${ITEM_COLUMNS}, p.raw, p.canonical, m.donnees_purgees_le, m.error AS full_error
       FROM messages m JOIN message_payloads p ON p.message_id = m.id WHERE m.id = $1`,
    [messageId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const [attempts, revisions, audit] = await Promise.all([
    db.query<{ attempt: number; at: Date; outcome: string; error: { code: string; message: string } | null }>(
      'SELECT attempt, at, outcome, error FROM message_attempts WHERE message_id = $1 ORDER BY attempt',
      [messageId],
    ),
    db.query<{
      revision: number;
      raw: string;
      canonical: unknown;
      actor: string;
      reason: string;
      created_at: Date;
    }>(
      'SELECT revision, raw, canonical, actor, reason, created_at FROM message_revisions WHERE message_id = $1 ORDER BY revision',
      [messageId],
    ),
    db.query<AuditRow>(
      'SELECT id, at, actor, action, target, reason, details FROM audit WHERE target = $1 ORDER BY id',
      [messageId],
    ),
  ]);
  return {
    ...itemOf(row),
    raw: row.raw,
    ...(row.donnees_purgees_le ? { donneesPurgeesLe: row.donnees_purgees_le } : {}),
    ...(row.canonical ? { canonical: row.canonical } : {}),
    ...(row.full_error
      ? {
          error: {
            code: row.full_error.code,
            message: row.full_error.message,
            ...(row.full_error.details ? { details: row.full_error.details } : {}),
          },
        }
      : {}),
    ...(row.full_error?.errors ? { errors: row.full_error.errors } : {}),
    attemptsLog: attempts.rows.map((a) => ({
      attempt: a.attempt,
      at: a.at.toISOString(),
      outcome: a.outcome,
      ...(a.error ? { error: { code: a.error.code, message: a.error.message } } : {}),
    })),
    revisions: revisions.rows.map((r) => ({
      revision: r.revision,
      raw: r.raw,
      canonical: r.canonical,
      actor: r.actor,
      reason: r.reason,
      createdAt: r.created_at.toISOString(),
    })),
    audit: audit.rows.map(auditLineOf),
  };
}
