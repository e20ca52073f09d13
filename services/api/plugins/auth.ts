import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import type { Actor } from '../../core/actor.ts';
import { HttpProblem } from '../../http/problem.ts';
import { ActorCache } from '../actor-cache.ts';
import { tokenHash } from '../clients.ts';
import { sessionTokenHash } from '../console-sessions.ts';
import { type Credential, credentialOf } from './credentials.ts';
import { limiterRedis } from './limiter-redis.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The clients this process authenticated lately (`ActorCache`); `forget` after changing one. */
    actors: ActorCache;
    /**
     * Who a credential is: a client, or the administrator; throws the problem a refused one gets
     * (401 unknown, revoked or expired, 429 past the refused credentials' limit of its address).
     * Every way in uses it: the routes' hook below, and the queues' dashboard, which reads its
     * credential its own way. Sets `request.tokenHash`.
     */
    authenticate(
      request: FastifyRequest,
      reply: FastifyReply,
      credential: Credential,
    ): Promise<Actor | 'admin'>;
  }
  interface FastifyRequest {
    /** The hash of the client's token the request authenticated with (through a console session or not). */
    tokenHash: Buffer | undefined;
  }
}

/** The window of the refused tokens' count: the limits are per minute. */
const FAILURES_WINDOW_MS = 60_000;
/** Addresses remembered as over the limit, and tokens as accepted, before the memory is cleared. */
const MAX_REMEMBERED = 10_000;

/**
 * Bearer authentication on every route that declares `config.roles`; routes without it are
 * public (`/health/*`, `/docs`, `/public/*`). Unknown token → 401, role not allowed → 403.
 * The token comes from the Authorization header or the console's cookie (`credentials.ts`).
 *
 * Refused tokens are counted per IP address in Redis (shared by every API process): once past the
 * `failed-auth` limit of `SNE_RATE_LIMIT_PER_MINUTE` in a minute, that address gets 429
 * `RATE_LIMITED` with `Retry-After` for the rest of the minute before its token is even looked up,
 * unless this process accepted that very token recently: a flood of made-up or revoked tokens costs
 * PostgreSQL nothing, while the clients that share the address (an office, or every client when a
 * proxy hides their addresses) keep working. Redis away: not counted.
 */
async function authPlugin(app: FastifyInstance) {
  const adminHash = tokenHash(app.config.adminToken);
  const refusals = new RefusedTokens(
    limiterRedis(app),
    app.config.queuePrefix,
    app.config.rateLimits['failed-auth'],
  );
  const actors = new ActorCache(app.config.databaseUrl, app.log);
  app.decorate('actors', actors);
  app.decorate(
    'authenticate',
    async (request: FastifyRequest, reply: FastifyReply, credential: Credential) => {
      // What the request presents, hashed: a token, or a console session's id.
      const presented = tokenHash(credential.kind === 'token' ? credential.token : credential.session);
      refusals.check(request.ip, presented, reply);
      if (credential.kind === 'token' && timingSafeEqual(presented, adminHash)) {
        refusals.accepted(presented);
        return 'admin' as const;
      }
      const hash = credential.kind === 'token' ? presented : await sessionTokenHash(app.pg, presented);
      const actor = hash && (await actors.actorOf(app.pg, hash));
      if (!actor) {
        await refusals.count(request.ip);
        throw new HttpProblem(
          'UNAUTHENTICATED',
          credential.kind === 'token'
            ? 'Unknown or revoked token.'
            : 'The console session is unknown, expired or closed, or its token was revoked: sign in again.',
        );
      }
      refusals.accepted(presented);
      request.tokenHash = hash;
      return actor;
    },
  );
  app.addHook('onClose', () => actors.close());
  app.decorateRequest('actor', undefined as unknown as Actor);
  app.decorateRequest('isAdmin', false);
  app.decorateRequest('tokenHash', undefined);

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const roles = request.routeOptions.config?.roles;
    if (!roles) return;
    const credential = credentialOf(request);
    if (!credential)
      throw new HttpProblem('UNAUTHENTICATED', 'An Authorization: Bearer <token> header is required.');
    const actor = await app.authenticate(request, reply, credential);
    if (actor === 'admin') {
      if (!roles.includes('admin')) {
        throw new HttpProblem('FORBIDDEN', "The administrator's token only serves /admin routes.");
      }
      request.isAdmin = true;
      return;
    }
    if (!roles.includes(actor.role)) {
      throw new HttpProblem('FORBIDDEN', `The role ${actor.role} may not use this route.`);
    }
    request.actor = actor;
  });
}

/**
 * Refused tokens per IP address and minute. The count is in Redis; an address over the limit is
 * also remembered by each process that saw it go over, so that checking costs a request no Redis
 * round trip: only a refusal does. Each process also remembers the tokens it accepted lately
 * (their hashes), which an address over the limit may still use.
 */
class RefusedTokens {
  /** Addresses over the limit, and when their minute ends (epoch ms). */
  private readonly blocked = new Map<string, number>();
  /** Hashes (hex) of tokens this process accepted. */
  private readonly known = new Set<string>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly max: number,
  ) {}

  /** Refuses the request (429) while its address is over the limit, unless its token is known. */
  check(ip: string, hash: Buffer, reply: FastifyReply): void {
    const until = this.blocked.get(ip);
    if (until === undefined) return;
    const left = until - Date.now();
    if (left <= 0) {
      this.blocked.delete(ip);
      return;
    }
    if (this.known.has(hash.toString('hex'))) return;
    const seconds = Math.ceil(left / 1000);
    reply.header('retry-after', String(seconds));
    throw new HttpProblem(
      'RATE_LIMITED',
      `${this.max} refused tokens within a minute from this address; retry after ${seconds} s with a valid token.`,
    );
  }

  /** A token that authenticated a request (whatever its role may do): its address's block spares it. */
  accepted(hash: Buffer): void {
    if (this.known.size >= MAX_REMEMBERED) this.known.clear();
    this.known.add(hash.toString('hex'));
  }

  /** One more refusal; the count's minute starts at the first. */
  async count(ip: string): Promise<void> {
    const key = `${this.prefix}:failed-auth:${ip}`;
    const replies = await this.redis
      .multi()
      .set(key, 0, 'PX', FAILURES_WINDOW_MS, 'NX')
      .incr(key)
      .pttl(key)
      .exec()
      .catch(() => null);
    const count = Number(replies?.[1]?.[1] ?? 0);
    const ttl = Number(replies?.[2]?.[1] ?? 0);
    if (count < this.max || ttl <= 0) return;
    if (this.blocked.size >= MAX_REMEMBERED) this.forgetExpired();
    this.blocked.set(ip, Date.now() + ttl);
  }

  private forgetExpired(): void {
    const now = Date.now();
    for (const [ip, until] of this.blocked) if (until <= now) this.blocked.delete(ip);
  }
}

export default fp(authPlugin, { name: 'sne-auth', dependencies: ['sne-config', 'sne-connections'] });
