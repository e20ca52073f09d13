import type { Queryable } from '../db/pool.ts';
import { type AuditLine, type AuditRow, auditLineOf } from '../pipeline/ops/message-detail.ts';

/** What GET /ops/audit selects by; `from` inclusive, `to` exclusive. */
export interface AuditFilter {
  actor?: string;
  action?: string;
  from?: string;
  to?: string;
}

/**
 * A page of the audit log, newest first, keyset-paginated by id (`limit + 1` rows read to know
 * whether a next page exists). Served by audit_actor, audit_action and audit_at (migration 006).
 */
export async function searchAudit(
  db: Queryable,
  filter: AuditFilter,
  page: { limit: number; cursor?: string },
): Promise<{ items: AuditLine[]; next?: string }> {
  const { rows } = await db.query<AuditRow>(
    `SELECT id, at, actor, action, target, reason, details FROM audit
      WHERE ($1::bigint IS NULL OR id < $1)
        AND ($2::text IS NULL OR actor = $2)
        AND ($3::text IS NULL OR action = $3)
        AND ($4::timestamptz IS NULL OR at >= $4)
        AND ($5::timestamptz IS NULL OR at < $5)
      ORDER BY id DESC LIMIT $6`,
    [
      page.cursor ?? null,
      filter.actor ?? null,
      filter.action ?? null,
      filter.from ?? null,
      filter.to ?? null,
      page.limit + 1,
    ],
  );
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  return { items: items.map(auditLineOf), ...(rows.length > page.limit && last ? { next: last.id } : {}) };
}
