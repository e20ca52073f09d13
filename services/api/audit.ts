import type { Queryable } from '../db/pool.ts';

/** The actor of the administrator's actions: `SNE_ADMIN_TOKEN` is no client, and no client id starts with `@`. */
export const ADMIN_ACTOR = '@admin';

export interface AuditEntry {
  /** The client id of who acted. */
  actor: string;
  /** What was done, `area.verb` (`delivery.replay`, `sweep.renouvellement`…). */
  action: string;
  target?: string;
  reason?: string;
  details?: Record<string, unknown>;
}

/**
 * Writes one line of the audit log (interfaces.md §11). Pass the transaction of the action itself:
 * the line and the action then commit or roll back together.
 */
export async function audit(db: Queryable, entry: AuditEntry): Promise<void> {
  await db.query('INSERT INTO audit (actor, action, target, reason, details) VALUES ($1, $2, $3, $4, $5)', [
    entry.actor,
    entry.action,
    entry.target ?? null,
    entry.reason ?? null,
    entry.details ?? null,
  ]);
}
