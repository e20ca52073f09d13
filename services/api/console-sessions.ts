import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/pool.ts';
import { tokenHash as hashOf } from './clients.ts';

/** How long a console session lives: a working day. The token itself lives until rotated. */
export const SESSION_SECONDS = 8 * 3600;

/**
 * The operators' console sessions (migration 030). Signing in with an operator token (its hash,
 * `tokenHash`) opens one:
 * the browser's `HttpOnly` cookie holds its random id (32 bytes), PostgreSQL only the id's SHA-256
 * and the hash of the token it was opened with. A request with the cookie is its operator's as
 * long as the session is open and that token is still the operator's (not rotated, not revoked):
 * `sessionTokenHash` gives the token's hash, which the requests' authentication then reads as a
 * token's (`plugins/auth.ts`).
 */
export async function openSession(db: Queryable, clientId: string, tokenHash: Buffer): Promise<string> {
  const session = randomBytes(32).toString('base64url');
  await db.query(
    `WITH expired AS (DELETE FROM console_sessions WHERE expires_at < now())
     INSERT INTO console_sessions (id_hash, client_id, token_hash, expires_at)
     VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
    [hashOf(session), clientId, tokenHash, SESSION_SECONDS],
  );
  return session;
}

/**
 * The hash of the token an open session stands for; undefined when unknown, expired or closed.
 * Given the session id's hash (`tokenHash` of the cookie's value), which the authentication has
 * computed already to count refusals.
 */
export async function sessionTokenHash(db: Queryable, idHash: Buffer): Promise<Buffer | undefined> {
  const { rows } = await db.query<{ token_hash: Buffer }>(
    'SELECT token_hash FROM console_sessions WHERE id_hash = $1 AND expires_at > now()',
    [idHash],
  );
  return rows[0]?.token_hash;
}

/** Closes a session (sign-out): its cookie opens nothing any more, wherever it was copied. */
export async function closeSession(db: Queryable, session: string): Promise<void> {
  await db.query('DELETE FROM console_sessions WHERE id_hash = $1', [hashOf(session)]);
}
