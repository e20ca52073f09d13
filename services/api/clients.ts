import { hash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { type Actor, actorOf, type Role } from '../core/actor.ts';
import { type Queryable, withTransaction } from '../db/pool.ts';
import { startCursor } from '../pipeline/webhooks/fanout.ts';

export interface ClientRecord {
  id: string;
  role: Role;
  organisme: string;
  nom: string;
  departements: string[];
  codeGuichet?: string;
  adresse?: string;
  communes: string[];
  webhook?: { url: string; types?: string[] };
  createdAt: string;
}

interface ClientRow {
  id: string;
  role: Role;
  organisme: string;
  nom: string;
  departements: string[];
  code_guichet: string | null;
  adresse: string | null;
  communes: string[];
  webhook: ClientRecord['webhook'] | null;
  created_at: Date;
}

/** A new bearer token: 256 random bits. Only its SHA-256 is stored (a fast hash suffices for such entropy). */
export function newToken(): { token: string; hash: Buffer } {
  const token = `sne_${randomBytes(32).toString('base64url')}`;
  return { token, hash: tokenHash(token) };
}

export function tokenHash(token: string): Buffer {
  return hash('sha256', token, 'buffer');
}

function recordOf(row: ClientRow): ClientRecord {
  return {
    id: row.id,
    role: row.role,
    organisme: row.organisme,
    nom: row.nom,
    departements: row.departements,
    ...(row.code_guichet ? { codeGuichet: row.code_guichet } : {}),
    ...(row.adresse ? { adresse: row.adresse } : {}),
    communes: row.communes,
    ...(row.webhook ? { webhook: row.webhook } : {}),
    createdAt: row.created_at.toISOString(),
  };
}

const COLUMNS =
  'id, role, organisme, nom, departements, code_guichet, adresse, communes, webhook, created_at';

/**
 * Stores a new client. With a webhook, its sealed signing secret is stored with it and its
 * deliveries start from the current end of the event log (in the same transaction, as is what
 * `alsoInTransaction` writes: the administrator's audit line).
 */
export async function insertClient(
  pool: pg.Pool,
  client: Omit<ClientRecord, 'createdAt'>,
  hash: Buffer,
  sealedWebhookSecret?: Buffer,
  alsoInTransaction: (db: Queryable) => Promise<void> = async () => {},
): Promise<ClientRecord> {
  return withTransaction(pool, async (db) => {
    const record = await insertClientRow(db, client, hash, sealedWebhookSecret);
    if (client.webhook) await startCursor(db, client.id);
    await alsoInTransaction(db);
    return record;
  });
}

async function insertClientRow(
  db: Queryable,
  client: Omit<ClientRecord, 'createdAt'>,
  hash: Buffer,
  sealedWebhookSecret: Buffer | undefined,
): Promise<ClientRecord> {
  const { rows } = await db.query<ClientRow>(
    `INSERT INTO clients (id, role, organisme, nom, departements, code_guichet, adresse, communes, webhook, token_hash,
       webhook_secret)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ${COLUMNS}`,
    [
      client.id,
      client.role,
      client.organisme,
      client.nom,
      client.departements,
      client.codeGuichet ?? null,
      client.adresse ?? null,
      client.communes,
      client.webhook ?? null,
      hash,
      sealedWebhookSecret ?? null,
    ],
  );
  return recordOf(rows[0] as ClientRow);
}

export async function listClients(db: Queryable, after: string, limit: number): Promise<ClientRecord[]> {
  const { rows } = await db.query<ClientRow>(
    `SELECT ${COLUMNS} FROM clients WHERE revoked_at IS NULL AND id > $1 ORDER BY id LIMIT $2`,
    [after, limit],
  );
  return rows.map(recordOf);
}

/** Revokes a client at once; its messages and history stay. False when there is no such live client. */
export async function revokeClient(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE clients SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL',
    [id],
  );
  return rowCount === 1;
}

export async function replaceToken(db: Queryable, id: string, hash: Buffer): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE clients SET token_hash = $2 WHERE id = $1 AND revoked_at IS NULL',
    [id, hash],
  );
  return rowCount === 1;
}

/**
 * Gives a live client this webhook and signing secret, in place of any it had: deliveries read
 * both at each attempt, so the next attempt goes to the new URL signed with the new secret. A
 * client without a webhook until now is delivered the events from the current end of the log.
 * False when there is no such live client.
 */
export async function replaceWebhook(
  db: Queryable,
  id: string,
  webhook: NonNullable<ClientRecord['webhook']>,
  sealedSecret: Buffer,
): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE clients SET webhook = $2, webhook_secret = $3 WHERE id = $1 AND revoked_at IS NULL',
    [id, webhook, sealedSecret],
  );
  if (rowCount !== 1) return false;
  await startCursor(db, id);
  return true;
}

/** The live client whose token has this hash (`tokenHash`), as an actor. */
export async function actorByTokenHash(db: Queryable, hash: Buffer): Promise<Actor | undefined> {
  const { rows } = await db.query<ClientRow>(
    `SELECT ${COLUMNS} FROM clients WHERE token_hash = $1 AND revoked_at IS NULL`,
    [hash],
  );
  const row = rows[0];
  if (!row) return undefined;
  return actorOf({
    clientId: row.id,
    role: row.role,
    organisme: row.organisme,
    departements: row.departements,
    codeGuichet: row.code_guichet,
  });
}
