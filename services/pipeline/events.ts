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

/** The most départements a région has (Occitanie): up to this many, the feed merges one range each. */
const MERGED_DEPARTEMENTS = 13;

/**
 * The actor's scope as disjoint parts that together select what scopeOf selects, each one range of
 * one index in sequence order: one part per département (`e.departement = $n`, where `= ANY($n)`
 * kept the planner off events_departement and events_dalo, reading every event of the log to find
 * those of a département with 0.2 % of them), and one for the désignations a client sees. The feed
 * merges them (readFeed). A scope of more départements than a région has sees a large share of the
 * log: one walk of it finds a page sooner than a hundred merged ranges (30 ms for 95 of them).
 */
export function scopeParts(actor: Actor, first: number): SqlCondition[] {
  const departements = new Set(actor.departements);
  if (departements.size > MERGED_DEPARTEMENTS || departements.has('*')) return [scopeOf(actor, first)];
  const parts = mergedParts(actor, departements, first);
  // No département (the admin route refuses it, a hand-made row might not) and no désignations: nothing.
  return parts.length > 0 ? parts : [{ sql: 'false', params: [] }];
}

function mergedParts(actor: Actor, departements: Set<string>, first: number): SqlCondition[] {
  const demandeEvent = `e.type <> '${DESIGNATION}'`;
  const perDepartement = (condition: string) =>
    [...departements].map((departement, i) => ({
      sql: `e.departement = $${first + i} AND ${condition}`,
      params: [departement],
    }));
  const designations = (column: 'bailleur' | 'client_id', value: string, parts: SqlCondition[]) => ({
    sql: `e.type = '${DESIGNATION}' AND e.${column} = $${first + parts.length}`,
    params: [value],
  });
  switch (actor.role) {
    case 'guichet':
      return perDepartement(demandeEvent);
    case 'bailleur': {
      const parts = perDepartement(demandeEvent);
      return [...parts, designations('bailleur', actor.organisme, parts)];
    }
    case 'dalo':
      return perDepartement(`e.dalo_decision IS NOT NULL AND ${demandeEvent}`);
    case 'contingent': {
      const parts = perDepartement(
        `(e.prioritaire OR e.dalo_decision = 'prioritaire-urgent') AND ${demandeEvent}`,
      );
      return [...parts, designations('client_id', actor.clientId, parts)];
    }
    default:
      return [scopeOf(actor, first)];
  }
}

/**
 * What one INSERT into `events` committed, as its NOTIFY carries it (migration 011): the
 * départements of its demande events (`d`), of those with a DALO decision (`dalo`), of the
 * prioritaires (`prio`), and the bailleurs (`b`) and contingent clients (`c`) of its désignations.
 */
export interface EventSummary {
  d: (string | null)[];
  dalo: (string | null)[];
  prio: (string | null)[];
  b: (string | null)[];
  c: (string | null)[];
}

/** Parses a notification's payload; undefined when it says nothing (over the limit, or unreadable). */
export function parseSummary(payload: string | undefined): EventSummary | undefined {
  if (!payload) return undefined;
  try {
    const summary = JSON.parse(payload) as Partial<EventSummary>;
    const lists = [summary.d, summary.dalo, summary.prio, summary.b, summary.c];
    return lists.every(Array.isArray) ? (summary as EventSummary) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether events so summarised may be in the actor's scope: scopeOf over a summary rather than a
 * row (test/events-feed-scope.int.test.ts checks that both agree). An unknown summary may be anything.
 */
export function summaryInScope(actor: Actor, summary: EventSummary | undefined): boolean {
  if (!summary) return true;
  const all = actor.departements.includes('*');
  const inDepartements = (departements: (string | null)[]) =>
    all ? departements.length > 0 : departements.some((d) => d !== null && actor.departements.includes(d));
  switch (actor.role) {
    case 'operator':
      return true;
    case 'pgp':
      return summary.d.length > 0;
    case 'guichet':
      return inDepartements(summary.d);
    case 'bailleur':
      return inDepartements(summary.d) || summary.b.includes(actor.organisme);
    case 'dalo':
      return inDepartements(summary.dalo);
    case 'contingent':
      return inDepartements(summary.prio) || summary.c.includes(actor.clientId);
    default:
      return false;
  }
}

export interface FeedPage {
  events: CloudEvent[];
  /** Where the next poll starts: the last event of a full page, else the log's head. */
  next: string;
}

/**
 * A page of the feed: the events after a sequence in the actor's scope, oldest first, and the
 * cursor to continue from. The page and the log's head are read by one statement, so from one
 * snapshot; events commit in sequence order (EVENTS_LOCK), so every sequence up to that head is
 * final. A page shorter than `limit` therefore holds everything of the scope up to the head, and
 * `next` moves there, over the events the actor cannot see: its next poll starts at the head
 * instead of re-reading them. A full page ends at its last event.
 */
export async function readFeed(db: Queryable, actor: Actor, after: string, limit: number): Promise<FeedPage> {
  const parts = scopeParts(actor, 3);
  // Each part read in order from its index and cut at `limit`, the parts merged (Merge Append) and
  // cut again: the page reads about its own events, however few of the log's they are. Without the
  // parts' own LIMIT the planner sorted every event of the parts instead.
  const union = parts
    .map(
      (part) =>
        `(SELECT e.sequence, e.id, e.type, e.subject, e.time, e.data FROM events e
           WHERE e.sequence > $1 AND ${part.sql} ORDER BY e.sequence LIMIT $2)`,
    )
    .join(' UNION ALL ');
  const { rows } = await db.query<{ head: string } & { [K in keyof EventRow]: EventRow[K] | null }>(
    `SELECT h.head, e.sequence, e.id, e.type, e.subject, e.time, e.data
       FROM (SELECT coalesce(max(sequence), 0) AS head FROM events) h
       LEFT JOIN (SELECT * FROM (${union}) e ORDER BY e.sequence LIMIT $2) e ON true
      ORDER BY e.sequence`,
    [after, limit, ...parts.flatMap((part) => part.params)],
  );
  const events = rows.filter((row) => row.sequence !== null).map((row) => cloudEventOf(row as EventRow));
  const head = BigInt(rows[0]?.head ?? 0);
  const next = events.length === limit ? BigInt(events[limit - 1]?.sequence as string) : head;
  return { events, next: formatSequence(next > BigInt(after) ? next : after) };
}
