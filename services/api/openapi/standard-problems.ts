import { PROBLEM_SCHEMA } from '../../http/problem-schema.ts';

/** What the OpenAPI transform needs to know of a route. */
export interface DocumentedRoute {
  url: string;
  schema?: Record<string, unknown> | undefined;
  /** Roles allowed (`config.roles`); absent on public routes. */
  roles?: readonly string[] | undefined;
}

const WHY: Record<number, string> = {
  400: 'A parameter, the query or the body does not match its schema (INVALID_PARAMETER, CONTRACT_INVALID...), or a JSON body is not UTF-8 (ENCODING_INVALID).',
  401: 'No bearer token, or an unknown or revoked one; for a request signed in by the operators’ console cookie, a session unknown, expired, closed or whose token was revoked (UNAUTHENTICATED).',
  403: 'The client’s role may not use this route, or the département is outside its scope (FORBIDDEN).',
  404: 'Nothing of that id, or nothing the client may see (reads as unknown).',
  413: 'The body exceeds its limit (PAYLOAD_TOO_LARGE).',
  414: 'A path parameter is longer than the router accepts (100 characters).',
  415: 'The body’s media type is not one the route reads (UNSUPPORTED_MEDIA_TYPE), or its charset is not one it reads: UTF-8 for JSON (ENCODING_UNSUPPORTED).',
  429: 'Too many requests for this client, or too many refused tokens from this address, in the current minute (RATE_LIMITED); see Retry-After.',
  500: 'An unexpected failure on the hub’s side (INTERNAL_ERROR), logged; never an answer to bad input.',
  503: 'The hub cannot reach its database right now, its database is short of a resource (its lock table, connections or disk), a deadlock rolled the request back, or this process is shutting down (SERVICE_UNAVAILABLE). Whatever the request had not committed was rolled back (for a route that commits once, nothing of it was stored). Retry later.',
};

/**
 * The problem replies every route of a kind can give, whatever its handler does, derived from what the
 * route declares so that the document cannot forget them: authentication (401, 403) on routes with
 * roles, 400 on routes that validate input, 404 and 414 on routes with a path parameter, 413 and
 * 415 on routes with a body, 429 everywhere but the probes, 500 everywhere, 503 everywhere too (a
 * route that checks a token needs PostgreSQL, and a process that shuts down answers it to any
 * request). Statuses the route declares itself win.
 */
export function standardProblems(route: DocumentedRoute): Record<string, unknown> {
  const schema = route.schema ?? {};
  const declared = new Set(Object.keys((schema.response as Record<string, unknown> | undefined) ?? {}));
  const statuses: number[] = [];
  if (route.roles) statuses.push(401, 403);
  if (schema.params || schema.querystring || schema.body) statuses.push(400);
  if (route.url.includes(':')) statuses.push(404, 414);
  if (schema.body) statuses.push(413, 415);
  if (!route.url.startsWith('/health/')) statuses.push(429);
  // A failure of the hub itself (a bug, a disk full) is possible anywhere: the document says so.
  statuses.push(500);
  // Authentication reads the clients' table: without PostgreSQL every such route answers 503; and
  // any route does while its process shuts down.
  statuses.push(503);
  return Object.fromEntries(
    statuses
      .filter((status) => !declared.has(String(status)))
      .map((status) => [status, problemReply(status)]),
  );
}

/** A problem+json reply of the document, for a status. */
export function problemReply(status: number, description = WHY[status] ?? 'RFC 9457 problem details.') {
  return {
    description,
    content: { 'application/problem+json': { schema: PROBLEM_SCHEMA } },
    ...(status === 429 ? { headers: { 'Retry-After': RETRY_AFTER } } : {}),
  };
}

const RETRY_AFTER = {
  type: 'integer',
  minimum: 0,
  description: 'Seconds until the client’s count starts again.',
} as const;
