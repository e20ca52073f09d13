import type { FastifyRequest } from 'fastify';
import { HttpProblem } from '../../http/problem.ts';

/**
 * The cookie the operator console sets (`POST /ops/console/session`) so that pages a browser
 * opens by navigation — the queues' dashboard, the infocentre's HTML reports — are
 * authenticated: a link cannot carry an `Authorization` header. It holds a session id, never the
 * operator's token (`console-sessions.ts`).
 */
export const SESSION_COOKIE = 'sne_session';

/** Methods that change nothing: a cookie is enough for them. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What a request authenticates with: a client's token, or a console session standing for one. */
export type Credential = { kind: 'token'; token: string } | { kind: 'session'; session: string };

/**
 * The credential of a request: the `Authorization: Bearer` header first, else the console's
 * session cookie.
 *
 * The cookie is `HttpOnly; SameSite=Strict`, so another site can neither read it nor make the
 * browser send it. As a second, independent defence against cross-site request forgery, a
 * request authenticated by the cookie that may change something (any method but GET, HEAD,
 * OPTIONS) must also carry an `Origin` header naming this very host: browsers always send
 * `Origin` on such requests and a page of another site cannot forge it. A request with an
 * `Authorization` header needs no such check (a browser never adds that header by itself).
 *
 * @throws HttpProblem 403 `CSRF_REFUSED` for a cookie-authenticated unsafe request whose
 *   `Origin` is missing or foreign.
 */
export function credentialOf(request: FastifyRequest): Credential | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    return token === undefined ? undefined : { kind: 'token', token };
  }
  const session = sessionCookie(request);
  if (session === undefined) return undefined;
  if (!SAFE_METHODS.has(request.method) && !sameOrigin(request)) {
    throw new HttpProblem(
      'CSRF_REFUSED',
      'A request authenticated by the console cookie that changes something must come from a page of this hub (Origin header). Use Authorization: Bearer <token> from other programs.',
    );
  }
  return { kind: 'session', session };
}

/** The console's session id, from its cookie, or undefined. */
export function sessionCookie(request: FastifyRequest): string | undefined {
  return cookieValue(request.headers.cookie, SESSION_COOKIE);
}

/** The value of one cookie of a `Cookie` header, or undefined. */
function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return value === '' ? undefined : value;
  }
  return undefined;
}

/** True when the request's `Origin` names the host it was sent to (scheme aside: a TLS proxy may sit in front). */
function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  const host = request.headers.host;
  if (!origin || !host || origin === 'null') return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
