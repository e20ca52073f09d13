import type { Queryable } from '../db/pool.ts';
import { type AuditLine, type AuditRow, auditLineOf } from '../pipeline/ops/message-detail.ts';
import { pageOf, rowsFor, TRANSACTION_SLACK } from '../shared/pagination.ts';

/** What GET /ops/audit selects by; `from` inclusive, `to` exclusive. */
export interface AuditFilter {
  actor?: string;
  action?: string;
  from?: string;
  to?: string;
}

/**
 * A page of the audit log, newest first, keyset-paginated by id. Served by audit_actor, audit_action and audit_at (migration 006).
 *
 * A period's times are first turned into bounds of `id`, each one probe of audit_at
 * (TRANSACTION_SLACK says why a time plus an hour bounds the ids): the page then walks `id`
 * backwards between them, from the period's end rather than from the newest line, and stops at the
 * period's start rather than at the first line ever written.
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
  if (filter.from) {
    add((p) => `at >= ${p}::timestamptz`, filter.from);
    const above = await firstLine(db, 'before', filter.from);
    if (above !== undefined) add((p) => `id > ${p}::bigint`, above);
  }
  if (filter.to) {
    add((p) => `at < ${p}::timestamptz`, filter.to);
    const below = await firstLine(db, 'after', filter.to);
    if (below !== undefined) add((p) => `id < ${p}::bigint`, below);
  }
  const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
  const { rows } = await db.query<AuditRow>(
    `SELECT id, at, actor, action, target, reason, details FROM audit ${where} ORDER BY id DESC LIMIT $1`,
    params,
  );
  const { items, next } = pageOf(rows, page.limit, (row) => row.id);
  return { items: items.map(auditLineOf), ...(next ? { next } : {}) };
}

/**
 * The id of the line nearest in time `before` `time` less the slack (every line from `time` on has
 * a greater id), or `after` `time` plus the slack (every line before `time` has a smaller id); none
 * when no line is there. One step into audit_at.
 */
async function firstLine(db: Queryable, side: 'before' | 'after', time: string): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(
    side === 'before'
      ? `SELECT id FROM audit WHERE at < $1::timestamptz - ${TRANSACTION_SLACK} ORDER BY at DESC LIMIT 1`
      : `SELECT id FROM audit WHERE at >= $1::timestamptz + ${TRANSACTION_SLACK} ORDER BY at LIMIT 1`,
    [time],
  );
  return rows[0]?.id;
}
