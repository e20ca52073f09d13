import type { Actor } from '../core/actor.ts';
import { EVENT_NAMES } from '../core/demande.ts';
import type { Queryable } from '../db/pool.ts';

/** The CloudEvents 1.0 JSON form of an event, as the feed and the webhooks carry it. */
export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: 'urn:sne:hub';
  type: string;
  time: string;
  subject: string;
  /** The hub's global order, zero-padded so that it also sorts as text. */
  sequence: string;
  datacontenttype: 'application/json';
  data: Record<string, unknown>;
}

/** Every event type the hub emits: `fr.sne.<name>.v1`. */
export const EVENT_TYPES = EVENT_NAMES.map((name) => `fr.sne.${name}.v1`);

const DESIGNATION = 'fr.sne.designation.creee.v1';
const SEQUENCE_DIGITS = 12;

export function formatSequence(sequence: string | number | bigint): string {
  return String(sequence).padStart(SEQUENCE_DIGITS, '0');
}

export interface EventRow {
  sequence: string;
  id: string;
  type: string;
  subject: string;
  time: Date;
  data: Record<string, unknown>;
}

export function cloudEventOf(row: EventRow): CloudEvent {
  return {
    specversion: '1.0',
    id: row.id,
    source: 'urn:sne:hub',
    type: row.type,
    time: row.time.toISOString(),
    subject: row.subject,
    sequence: formatSequence(row.sequence),
    datacontenttype: 'application/json',
    data: row.data,
  };
}

/** An SQL condition on `events e`, with its parameters numbered from `first`. */
export interface SqlCondition {
  sql: string;
  params: unknown[];
}

/**
 * What a client sees of the event log (interfaces.md §9), the same for the feed and the webhooks:
 * - guichet, bailleur: the demande events of their départements; a désignation only for the
 *   bailleur owning the logement;
 * - dalo: events of demandes with a DALO decision (when the event happened), in its départements;
 * - contingent: events of demandes labellisées or DALO prioritaire-urgent, in its départements,
 *   and the désignations it made;
 * - pgp: every demande event; operator: everything; rpls and infocentre: nothing.
 */
export function scopeOf(actor: Actor, first: number): SqlCondition {
  const all = actor.departements.includes('*');
  const inDepartements = all ? 'true' : `e.departement = ANY($${first}::text[])`;
  const params: unknown[] = all ? [] : [actor.departements];
  const next = first + params.length;
  const demandeEvent = `e.type <> '${DESIGNATION}'`;
  switch (actor.role) {
    case 'operator':
      return { sql: 'true', params: [] };
    case 'pgp':
      return { sql: demandeEvent, params: [] };
    case 'guichet':
      return { sql: `(${demandeEvent} AND ${inDepartements})`, params };
    case 'bailleur':
      return {
        sql: `((${demandeEvent} AND ${inDepartements}) OR (e.type = '${DESIGNATION}' AND e.bailleur = $${next}))`,
        params: [...params, actor.organisme],
      };
    case 'dalo':
      return { sql: `(${demandeEvent} AND e.dalo_decision IS NOT NULL AND ${inDepartements})`, params };
    case 'contingent':
      return {
        sql: `((${demandeEvent} AND (e.prioritaire OR e.dalo_decision = 'prioritaire-urgent') AND ${inDepartements})
               OR (e.type = '${DESIGNATION}' AND e.client_id = $${next}))`,
        params: [...params, actor.clientId],
      };
    default:
      return { sql: 'false', params: [] };
  }
}

/** Events after a sequence, in the actor's scope, oldest first. */
export async function readEvents(
  db: Queryable,
  actor: Actor,
  after: string,
  limit: number,
): Promise<CloudEvent[]> {
  const scope = scopeOf(actor, 3);
  const { rows } = await db.query<EventRow>(
    `SELECT e.sequence, e.id, e.type, e.subject, e.time, e.data FROM events e
      WHERE e.sequence > $1 AND ${scope.sql}
      ORDER BY e.sequence LIMIT $2`,
    [after, limit, ...scope.params],
  );
  return rows.map(cloudEventOf);
}
