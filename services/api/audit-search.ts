import type { Queryable } from '../db/pool.ts';
import { type AuditLine, type AuditRow, auditLineOf } from '../pipeline/ops/message-detail.ts';
import { pageOf, rowsFor } from '../shared/pagination.ts';

/** What GET /ops/audit selects by; `from` inclusive, `to` exclusive. */
export interface AuditFilter {
  actor?: string;
  action?: string;
  from?: string;
  to?: string;
}

/**
 * A page of the audit log, newest first, keyset-paginated by id. Served by audit_actor, audit_action and audit_at (migration 006).
 */
export async function searchAudit(
  db: Queryable,
  filter: AuditFilter,
  page: { limit: number; cursor?: string },
): Promise<{ items: AuditLine[]; next?: string }> {
  // Only the conditions given, each a plain comparison: `($1 IS NULL OR …)` would hide the
  // indexes from the planner.
  const params: unknown[] = [rowsFor(page.limit)];
  const clauses: string[] = [];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    clauses.push(sql(`$${params.length}`));
  };
  if (page.cursor) add((p) => `id < ${p}::bigint`, page.cursor);
  if (filter.actor) add((p) => `actor = ${p}`, filter.actor);
  if (filter.action) add((p) => `action = ${p}`, filter.action);
  if (filter.from) add((p) => `at >= ${p}::timestamptz`, filter.from);
  if (filter.to) add((p) => `at < ${p}::timestamptz`, filter.to);
  const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
  // A closed period usually lies in the past: its lines are selected through audit_at, then sorted
  // (walking ids backwards from the newest would read every later line first).
  const { rows } = await db.query<AuditRow>(
    filter.from && filter.to
      ? // `id + 0`: sorting by an expression keeps the planner off the backward walk of `id`.
        `SELECT id, at, actor, action, target, reason, details FROM audit ${where} ORDER BY id + 0 DESC LIMIT $1`
      : `SELECT id, at, actor, action, target, reason, details FROM audit ${where} ORDER BY id DESC LIMIT $1`,
    params,
  );
  const { items, next } = pageOf(rows, page.limit, (row) => row.id);
  return { items: items.map(auditLineOf), ...(next ? { next } : {}) };
}
