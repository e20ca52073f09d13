import { hash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * HTTP caching of public replies: `Cache-Control` lets browsers and proxies keep a figure for a
 * while, the `ETag` (a hash of the body) lets them revalidate cheaply: a request whose
 * `If-None-Match` names the current ETag gets `304 Not Modified` without a body. Figures change as
 * messages are applied, so the ETag changes with them.
 */
export interface CacheOptions {
  /** Seconds a cache may serve the reply without asking again. */
  maxAgeSeconds: number;
}

export function sendCached(
  request: FastifyRequest,
  reply: FastifyReply,
  body: unknown,
  { maxAgeSeconds }: CacheOptions,
): FastifyReply {
  const json = JSON.stringify(body);
  const etag = `"${hash('sha256', json, 'base64url').slice(0, 27)}"`;
  reply.header('cache-control', `public, max-age=${maxAgeSeconds}`).header('etag', etag);
  if (matches(request.headers['if-none-match'], etag)) return reply.code(304).send();
  return reply.type('application/json; charset=utf-8').send(json);
}

/** `If-None-Match`: a list of ETags, weak ones compared by their value, or `*`. */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === etag || t === '*');
}
