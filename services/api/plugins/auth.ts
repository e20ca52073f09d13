import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Actor } from '../../core/actor.ts';
import { HttpProblem } from '../../http/problem.ts';
import { actorByToken, tokenHash } from '../clients.ts';
import { tokenOf } from './credentials.ts';

/**
 * Bearer authentication on every route that declares `config.roles`; routes without it are
 * public (`/health/*`, `/docs`, `/public/*`). Unknown token → 401, role not allowed → 403.
 * The token comes from the Authorization header or the console's cookie (`credentials.ts`).
 */
async function authPlugin(app: FastifyInstance) {
  const adminHash = tokenHash(app.config.adminToken);
  app.decorateRequest('actor', undefined as unknown as Actor);
  app.decorateRequest('isAdmin', false);

  app.addHook('onRequest', async (request: FastifyRequest) => {
    const roles = request.routeOptions.config?.roles;
    if (!roles) return;
    const token = tokenOf(request);
    if (!token)
      throw new HttpProblem('UNAUTHENTICATED', 'An Authorization: Bearer <token> header is required.');
    if (timingSafeEqual(tokenHash(token), adminHash)) {
      if (!roles.includes('admin')) {
        throw new HttpProblem('FORBIDDEN', "The administrator's token only serves /admin routes.");
      }
      request.isAdmin = true;
      return;
    }
    const actor = await actorByToken(app.pg, token);
    if (!actor) throw new HttpProblem('UNAUTHENTICATED', 'Unknown or revoked token.');
    if (!roles.includes(actor.role)) {
      throw new HttpProblem('FORBIDDEN', `The role ${actor.role} may not use this route.`);
    }
    request.actor = actor;
  });
}

export default fp(authPlugin, { name: 'sne-auth', dependencies: ['sne-config', 'sne-connections'] });
