import type { Actor } from '../core/actor.ts';
import type { Command } from '../core/commands.ts';
import { identiteHash } from '../core/identite.ts';
import type { Queryable } from '../db/pool.ts';

/**
 * Ordering keys: messages that share a key take effect in acceptance order. A demande is known by
 * its numéro (`demande:`), by its registering organisme's reference (`ref:`) and, before it
 * exists, by the identity the doublon rule compares (`personne:`, a hash).
 */
export function ownKeys(actor: Actor, command: Command): string[] {
  if (command.type === 'enregistrement') {
    const keys = [`personne:${command.departement}:${identiteHash(command.demandeur)}`];
    if (command.referenceGuichet) keys.push(`ref:${actor.organisme}:${command.referenceGuichet}`);
    return keys;
  }
  const ref = command.demande;
  return [
    'numeroUnique' in ref ? `demande:${ref.numeroUnique}` : `ref:${actor.organisme}:${ref.referenceGuichet}`,
  ];
}

/**
 * Adds to each message's keys the other names of the demande it concerns, when that demande
 * exists already, so that a message by numéro waits for an earlier one by reference and back —
 * and the identity of its demandeur (`personne:`): a renouvellement may reactivate a demande radiée,
 * which the doublon rule checks against enregistrements of the same person, so the two must take
 * effect in acceptance order (else both pass the rule and the unique index on active identities
 * fails one at commit). One query for the whole lot.
 */
export async function resolveKeys(db: Queryable, keysByMessage: string[][]): Promise<string[][]> {
  const numeros = new Set<string>();
  const refs = new Set<string>();
  for (const keys of keysByMessage) {
    for (const key of keys) {
      if (key.startsWith('demande:')) numeros.add(key.slice('demande:'.length));
      else if (key.startsWith('ref:')) refs.add(key.slice('ref:'.length));
    }
  }
  if (numeros.size === 0 && refs.size === 0) return keysByMessage;
  const organismes = [...refs].map((r) => r.slice(0, r.indexOf(':')));
  const references = [...refs].map((r) => r.slice(r.indexOf(':') + 1));
  const { rows } = await db.query<{ numero_unique: string; ref: string | null; personne: string | null }>(
    // One probe of a unique index per key (`OFFSET 0` keeps each a subquery of its own), whatever the
    // statistics of a fast-growing table say (as a join, the planner sorted the whole table).
    `SELECT d.numero_unique, d.organisme || ':' || d.reference_guichet AS ref,
            'personne:' || d.departement || ':' || d.identite_hash AS personne
       FROM unnest($1::text[]) AS n(numero)
       CROSS JOIN LATERAL (SELECT * FROM demandes WHERE numero_unique = n.numero OFFSET 0) d
     UNION
     SELECT d.numero_unique, d.organisme || ':' || d.reference_guichet,
            'personne:' || d.departement || ':' || d.identite_hash
       FROM unnest($2::text[], $3::text[]) AS r(organisme, reference)
       CROSS JOIN LATERAL (SELECT * FROM demandes
                            WHERE organisme = r.organisme AND reference_guichet = r.reference OFFSET 0) d`,
    [[...numeros], organismes, references],
  );
  const aliases = new Map<string, string[]>();
  for (const { numero_unique, ref, personne } of rows) {
    const names = [`demande:${numero_unique}`, ...(ref ? [`ref:${ref}`] : [])];
    // The identity hash is erased with the personal data (retention purge): no key then.
    const others = personne ? [personne] : [];
    for (const name of names) aliases.set(name, [...names.filter((n) => n !== name), ...others]);
  }
  return keysByMessage.map((keys) => [...new Set(keys.flatMap((k) => [k, ...(aliases.get(k) ?? [])]))]);
}

/**
 * Splits messages (in acceptance order) into those that may take effect now and those that must
 * wait: a message waits while a key of its own is held by an earlier message still to do, given by
 * `blockedFrom` (key → smallest pending seq outside the batch), or by a waiting one of the batch.
 */
export function splitReady<T extends { seq: string }>(
  rows: T[],
  keysOf: (row: T) => string[],
  blockedFrom: Map<string, bigint>,
): { ready: T[]; deferred: T[] } {
  const blocked = new Map(blockedFrom);
  const ready: T[] = [];
  const deferred: T[] = [];
  for (const row of rows) {
    const keys = keysOf(row);
    const seq = BigInt(row.seq);
    if (keys.some((k) => (blocked.get(k) ?? seq) < seq)) {
      deferred.push(row);
      // Whatever follows it on any of its keys waits too.
      for (const k of keys) if ((blocked.get(k) ?? seq) >= seq) blocked.set(k, seq);
    } else {
      ready.push(row);
    }
  }
  return { ready, deferred };
}

/**
 * The first pending message (its `seq`) of each key among messages other than `excluding`: one walk
 * of the primary key `(key, seq)` per key, however many keys the backlog holds (as one set, the
 * planner scanned the whole table when its statistics lagged behind the backlog).
 */
export async function firstPendingOutside(
  db: Queryable,
  keys: string[],
  excluding: string[],
): Promise<{ key: string; seq: string }[]> {
  const { rows } = await db.query<{ key: string; seq: string }>(
    `SELECT k.key, p.seq FROM unnest($1::text[]) AS k(key)
       CROSS JOIN LATERAL (SELECT seq FROM pending_keys
                            WHERE key = k.key AND message_id <> ALL($2::uuid[]) ORDER BY seq LIMIT 1) p`,
    [keys, excluding],
  );
  return rows;
}

/**
 * Releases the ordering keys of messages about to be done: their rows of `pending_keys`, each found
 * by one probe of its primary key `(key, seq)` (`OFFSET 0` keeps each probe a subquery of its own),
 * then deleted by its address. As a join of the pairs with the table, or as `key = ANY … AND seq =
 * ANY …` (every key with every seq: 250,000 probes for a job of 500), the planner read the backlog.
 */
export async function releaseKeys(db: Queryable, messages: { seq: string; keys: string[] }[]): Promise<void> {
  const pairs = messages.flatMap((m) => m.keys.map((key) => ({ key, seq: m.seq })));
  if (pairs.length === 0) return;
  await db.query(
    `DELETE FROM pending_keys WHERE ctid = ANY (ARRAY(
       SELECT k.ctid FROM unnest($1::text[], $2::bigint[]) AS d(key, seq)
         CROSS JOIN LATERAL (SELECT ctid FROM pending_keys WHERE key = d.key AND seq = d.seq OFFSET 0) k))`,
    [pairs.map((p) => p.key), pairs.map((p) => p.seq)],
  );
}

/**
 * Messages with their ordering keys, as their payloads hold them (migration 021). A message accepted
 * by a process older than that migration (while a new version rolls out) has them in `pending_keys`
 * only: they are read there, for all such messages at once, by one scan of the table (there is no
 * index on `message_id` any more), so that they are released all the same.
 */
export async function withOrderingKeys<T extends { id: string; keys: string[] | null }>(
  db: Queryable,
  rows: T[],
): Promise<(T & { keys: string[] })[]> {
  const older = rows.filter((r) => r.keys === null).map((r) => r.id);
  const found = new Map<string, string[]>();
  if (older.length > 0) {
    const { rows: pending } = await db.query<{ message_id: string; keys: string[] }>(
      `SELECT message_id, array_agg(key) AS keys FROM pending_keys WHERE message_id = ANY($1::uuid[])
        GROUP BY message_id`,
      [older],
    );
    for (const p of pending) found.set(p.message_id, p.keys);
  }
  return rows.map((r) => ({ ...r, keys: r.keys ?? found.get(r.id) ?? [] }));
}

/** `releaseKeys` for messages known by id: their `seq` and keys read from `messages` and `message_payloads`. */
export async function releaseKeysOf(db: Queryable, messageIds: string[]): Promise<void> {
  const { rows } = await db.query<{ id: string; seq: string; keys: string[] | null }>(
    `SELECT m.id, m.seq, p.ordering_keys AS keys FROM messages m JOIN message_payloads p ON p.message_id = m.id
      WHERE m.id = ANY($1::uuid[])`,
    [messageIds],
  );
  await releaseKeys(db, await withOrderingKeys(db, rows));
}
