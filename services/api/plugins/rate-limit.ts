import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem } from '../../http/problem.ts';
import { limiterRedis } from './limiter-redis.ts';

/** One minute: the limits of `SNE_RATE_LIMIT_PER_MINUTE` are per minute. */
const WINDOW_MS = 60_000;

/**
 * Per-client rate limits (interfaces.md §13): requests per minute by role (`config.rateLimits`),
 * counted in Redis so that every API process of the hub shares the count. Keyed by client id, by
 * `admin` for the administrator's token, by IP address on public routes; `/health/*` is never
 * limited. Over the limit: 429 problem+json `RATE_LIMITED` with `Retry-After` (seconds).
 *
 * Registered after the auth plugin: its hook runs once the caller is known, so a request refused by
 * authentication (401/403) is not counted against anyone here; the auth plugin limits refused
 * tokens itself (`failed-auth`, per IP).
 */
async function rateLimitPlugin(app: FastifyInstance) {
  const limits = app.config.rateLimits;
  // Offline, the limiter's commands fail and the request goes through (skipOnError).
  const redis = limiterRedis(app);

  await app.register(rateLimit, {
    global: true,
    redis,
    // The queue prefix separates hubs sharing one Redis, as it does for their queues.
    nameSpace: `${app.config.queuePrefix}:rate-limit:`,
    timeWindow: WINDOW_MS,
    skipOnError: true,
    keyGenerator: (request) => keyOf(request),
    max: (request) => limits[roleOf(request)] ?? limits['*'],
    allowList: (request) => request.routeOptions.url?.startsWith('/health/') ?? false,
    errorResponseBuilder: (_request, context) =>
      new HttpProblem(
        'RATE_LIMITED',
        `More than ${context.max} requests in a minute for this client; retry after ${context.after}.`,
      ),
  });
}

/** Whose count a request adds to. */
function keyOf(request: FastifyRequest): string {
  if (request.actor) return `client:${request.actor.clientId}`;
  if (request.isAdmin) return 'admin';
  return `ip:${request.ip}`;
}

/** Which limit applies: the client's role, `admin`, or `public` for anonymous callers. */
function roleOf(request: FastifyRequest): string {
  if (request.actor) return request.actor.role;
  return request.isAdmin ? 'admin' : 'public';
}

export default fp(rateLimitPlugin, {
  name: 'sne-rate-limit',
  dependencies: ['sne-config', 'sne-connections', 'sne-auth'],
});
