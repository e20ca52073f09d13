import { timingSafeEqual } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from '../../http/plugins/errors.ts';
import { HttpProblem } from '../../http/problem.ts';
import { tokenHash } from '../clients.ts';
import { tokenOf as headerOrCookieToken } from './credentials.ts';

/** Where the dashboard is served (interfaces.md §11). */
export const QUEUES_DASHBOARD_PATH = '/ops/queues';

/**
 * The operator's token, from `Authorization: Bearer <token>` (scripts, the console's requests) or
 * `Authorization: Basic` with the token as password, any user name: a browser asks for it once
 * (the 401 carries `WWW-Authenticate: Basic`) and then sends it with every page, asset and API
 * call of the dashboard by itself, which a Bearer header cannot do for a page opened by hand.
 * Without an Authorization header, the operator console's cookie (`credentials.ts`: any GET, other
 * methods only from a page of the hub): the console's "Queues" link opens without a prompt.
 */
function tokenOf(request: FastifyRequest): string | undefined {
  if (request.headers.authorization === undefined) return headerOrCookieToken(request);
  const header = request.headers.authorization;
  const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  if (bearer) return bearer;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header)?.[1];
  if (!basic) return undefined;
  const decoded = Buffer.from(basic, 'base64').toString('utf8');
  const password = decoded.slice(decoded.indexOf(':') + 1);
  return password || undefined;
}

/**
 * The queues' own dashboard: bull-board at `/ops/queues`, for the operator role only, read-write
 * (retry, promote, clean, remove jobs). Its pages, static assets and API all sit behind the hook
 * below, registered in this plugin's own context (not the app's `config.roles` check, which
 * knows Bearer only).
 */
export default async function queuesDashboard(app: FastifyInstance) {
  const adminHash = tokenHash(app.config.adminToken);
  const refuse = (reply: FastifyReply, status: 401 | 403, detail: string) => {
    if (status === 401) reply.header('www-authenticate', 'Basic realm="sne-hub operators", charset="UTF-8"');
    return sendProblem(reply, status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN', detail);
  };

  // Replies directly rather than throwing: bull-board's routes have an error handler of their own.
  app.addHook('onRequest', async (request, reply) => {
    let token: string | undefined;
    try {
      token = tokenOf(request);
    } catch (error) {
      if (!(error instanceof HttpProblem)) throw error;
      return sendProblem(reply, error.code, error.message);
    }
    if (!token) {
      return refuse(
        reply,
        401,
        "The queues' dashboard needs an operator token (Bearer, or Basic as password).",
      );
    }
    const hash = tokenHash(token);
    if (timingSafeEqual(hash, adminHash)) {
      return refuse(reply, 403, "The administrator's token only serves /admin routes.");
    }
    const actor = await app.actors.actorOf(app.pg, hash);
    if (!actor) return refuse(reply, 401, 'Unknown or revoked token.');
    if (actor.role !== 'operator')
      return refuse(reply, 403, `The role ${actor.role} may not use this route.`);
    request.actor = actor;
  });

  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUES_DASHBOARD_PATH);
  createBullBoard({
    queues: app.hubQueues.map(
      (queue) => new BullMQAdapter(queue, { readOnlyMode: false, allowRetries: true }),
    ),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'sne-hub queues' } },
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: QUEUES_DASHBOARD_PATH });
}
