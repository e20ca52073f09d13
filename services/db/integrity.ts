import type { Queryable } from './pool.ts';

/**
 * The parent every hot-path child row must have. These were foreign keys until migrations 013 and
 * 032 dropped them (PostgreSQL checks a foreign key with one query per row); the writers keep them
 * true, and the tests that crash or poison the pipeline check with `orphanCounts` that they still
 * hold.
 */
const PARENTS = [
  { child: 'messages', column: 'client_id', parent: 'clients', key: 'id' },
  { child: 'messages', column: 'lot_id', parent: 'lots', key: 'id' },
  // One payload a message, both ways (migration 018: written by the same statement).
  { child: 'messages', column: 'id', parent: 'message_payloads', key: 'message_id' },
  { child: 'message_payloads', column: 'message_id', parent: 'messages', key: 'id' },
  { child: 'pending_keys', column: 'message_id', parent: 'messages', key: 'id' },
  { child: 'message_attempts', column: 'message_id', parent: 'messages', key: 'id' },
  { child: 'demande_historique', column: 'numero_unique', parent: 'demandes', key: 'numero_unique' },
  // The webhook fan-out's (migration 032).
  { child: 'deliveries', column: 'client_id', parent: 'clients', key: 'id' },
  { child: 'deliveries', column: 'event_sequence', parent: 'events', key: 'sequence' },
  { child: 'delivery_attempts', column: 'delivery_id', parent: 'deliveries', key: 'id' },
] as const;

/** Child rows whose parent is missing, per `child.column` (all zero when the registry is whole). */
export async function orphanCounts(db: Queryable): Promise<Record<string, number>> {
  const counts = PARENTS.map(
    ({ child, column, parent, key }) =>
      `(SELECT count(*)::int FROM ${child} c WHERE c.${column} IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM ${parent} p WHERE p.${key} = c.${column})) AS "${child}.${column}"`,
  );
  const { rows } = await db.query<Record<string, number>>(`SELECT ${counts.join(', ')}`);
  return rows[0] ?? {};
}
