import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type Actor, actsOn } from '../../core/actor.ts';
import { actorByToken, tokenHash } from '../clients.ts';
import { HttpProblem } from '../problem.ts';
import { tokenFromCookie } from '../token-cookie.ts';

/**
 * Bearer authentication on every route that declares `config.roles`; routes without it are
 * public (`/health/*`, `/docs`, `/public/*`). Unknown token → 401, role not allowed → 403.
 */
async function authPlugin(app: FastifyInstance) {
  const adminHash = tokenHash(app.config.adminToken);
  app.decorateRequest('actor', undefined as unknown as Actor);
  app.decorateRequest('isAdmin', false);

  app.addHook('onRequest', async (request: FastifyRequest) => {
    const roles = request.routeOptions.config?.roles;
    if (!roles) return;
    const token =
      /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ??
      (request.routeOptions.config?.tokenCookie ? tokenFromCookie(request.headers.cookie) : undefined);
    if (!token)
      throw new HttpProblem(401, 'UNAUTHENTICATED', 'An Authorization: Bearer <token> header is required.');
    if (timingSafeEqual(tokenHash(token), adminHash)) {
      if (!roles.includes('admin')) {
        throw new HttpProblem(403, 'FORBIDDEN', "The administrator's token only serves /admin routes.");
      }
      request.isAdmin = true;
      return;
    }
    const actor = await actorByToken(app.pg, token);
    if (!actor) throw new HttpProblem(401, 'UNAUTHENTICATED', 'Unknown or revoked token.');
    if (!roles.includes(actor.role)) {
      throw new HttpProblem(403, 'FORBIDDEN', `The role ${actor.role} may not use this route.`);
    }
    request.actor = actor;
  });
}

/** 403 unless the client may act on the département. */
export function requireDepartement(actor: Actor, departement: string): void {
  if (!actsOn(actor, departement)) {
    throw new HttpProblem(403, 'FORBIDDEN', `This client may not act on département ${departement}.`);
  }
}

export default fp(authPlugin, { name: 'sne-auth', dependencies: ['sne-infrastructure'] });
