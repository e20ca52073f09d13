import { MESSAGE_STATUSES, type MessageStatus } from '../inbound.ts';

/**
 * What operators select messages by (GET /ops/messages, POST /ops/messages/replay). Every field is
 * optional; given together they all apply.
 */
export interface MessageFilter {
  status?: MessageStatus;
  /** The connector (`spt`, `pgp`, `dalo`, `contingent`). */
  system?: string;
  /** The message type in its contract (`radiation`, `decision`...). */
  type?: string;
  /** The sending client's id. */
  client?: string;
  /** The code of the message's current error (`LOGEMENT_INCONNU`). */
  errorCode?: string;
  /**
   * The message's period: when its status last changed (it failed, was applied, was replayed...),
   * from inclusive, to exclusive. ISO date-times.
   */
  from?: string;
  to?: string;
  /** When the hub received the message (its 202), since inclusive, until exclusive. ISO date-times. */
  receivedSince?: string;
  receivedUntil?: string;
}

/** A SQL condition on `messages m` and its parameters, numbered from `$<first>`. */
export interface SqlCondition {
  sql: string;
  params: unknown[];
}

/**
 * The filter as one SQL condition (`true` when empty). Each field is a plain comparison on an
 * indexed column (migrations 006 and 012 say which index serves which), so the planner can use them.
 */
export function filterCondition(filter: MessageFilter, first = 1): SqlCondition {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (template: (placeholder: string) => string, value: unknown) => {
    params.push(value);
    clauses.push(template(`$${first + params.length - 1}`));
  };
  // The status as a literal, one of a closed set: the planner then sees which partial indexes hold
  // it (messages_status_seq for any but `applied`, which nearly every row is; messages_waiting_client
  // and messages_waiting_operator for failed and rejected ones). As a parameter it needed its
  // index's predicate repeated beside it, which the planner took for a second, independent
  // condition: it expected a client's failed messages to be a handful and read them all, by arrival.
  if (filter.status) clauses.push(`m.status = ${statusLiteral(filter.status)}`);
  if (filter.system) add((p) => `m.system = ${p}`, filter.system);
  if (filter.type) add((p) => `m.type = ${p}`, filter.type);
  if (filter.client) add((p) => `m.client_id = ${p}`, filter.client);
  // Written as the index's expression, with its predicate, so that messages_error_code_seq serves it.
  if (filter.errorCode) add((p) => `m.error IS NOT NULL AND m.error->>'code' = ${p}`, filter.errorCode);
  if (filter.from) add((p) => `m.updated_at >= ${p}::timestamptz`, filter.from);
  if (filter.to) add((p) => `m.updated_at < ${p}::timestamptz`, filter.to);
  if (filter.receivedSince) add((p) => `m.received_at >= ${p}::timestamptz`, filter.receivedSince);
  if (filter.receivedUntil) add((p) => `m.received_at < ${p}::timestamptz`, filter.receivedUntil);
  return { sql: clauses.length > 0 ? clauses.join(' AND ') : 'true', params };
}

/** A status as an SQL literal; anything but a known status is refused (it is never interpolated). */
function statusLiteral(status: MessageStatus): string {
  if (!MESSAGE_STATUSES.includes(status)) throw new Error(`not a message status: ${JSON.stringify(status)}`);
  return `'${status}'`;
}

/** A period whose end comes before its start selects nothing: say so rather than answer an empty page. */
export function periodProblems(filter: MessageFilter): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const before = (a?: string, b?: string) =>
    a !== undefined && b !== undefined && Date.parse(b) <= Date.parse(a);
  if (before(filter.from, filter.to)) problems.push({ path: '/to', message: 'must come after from' });
  if (before(filter.receivedSince, filter.receivedUntil)) {
    problems.push({ path: '/receivedUntil', message: 'must come after receivedSince' });
  }
  return problems;
}
