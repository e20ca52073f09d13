import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { problemBody, sendProblem, unexpectedProblem } from '../../http/plugins/errors.ts';
import { HttpProblem } from '../../http/problem.ts';
import { REDIS_WAIT_MS, withTimeout } from '../../shared/with-timeout.ts';
import { audit } from '../audit.ts';
import { type Credential, credentialOf } from './credentials.ts';

/** Where the dashboard is served (interfaces.md §11). */
export const QUEUES_DASHBOARD_PATH = '/ops/queues';

/**
 * The operator's credential: a token, from `Authorization: Bearer <token>` (scripts) or
 * `Authorization: Basic` with the token as password, any user name: a browser asks for it once
 * (the 401 carries `WWW-Authenticate: Basic`) and then sends it with every page, asset and API
 * call of the dashboard by itself, which a Bearer header cannot do for a page opened by hand.
 * Without an Authorization header, the operator console's cookie (`credentials.ts`: any GET, other
 * methods only from a page of the hub): the console's "Queues" link opens without a prompt.
 */
function credentialOfDashboard(request: FastifyRequest): Credential | undefined {
  const header = request.headers.authorization;
  const basic = header === undefined ? undefined : /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header)?.[1];
  if (basic === undefined) return credentialOf(request);
  const decoded = Buffer.from(basic, 'base64').toString('utf8');
  const password = decoded.slice(decoded.indexOf(':') + 1);
  return password ? { kind: 'token', token: password } : undefined;
}

/** Methods that change nothing on the dashboard. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The dashboard's actions an operator may take (interfaces.md §11: "read-write for retry/clean of
 * jobs"): bull-board's retry and clean, of one job or of every job of a state. Its other actions
 * (pause, resume, add, empty, obliterate, promote, change a job's data, delay or priority, rate
 * limits, schedulers) are refused: a paused apply queue stops every message without a trace, and a
 * job added by hand bypasses the intake; the hub's own routes do what an operator needs instead.
 */
const ALLOWED_ACTIONS = [
  /^\/api\/queues\/(?<queue>[^/]+)\/(?<verb>retry|clean)\/(?<state>[^/]+)$/,
  /^\/api\/queues\/(?<queue>[^/]+)\/(?<job>[^/]+)\/(?<verb>retry|clean)$/,
];

interface DashboardAction {
  action: string;
  target: string;
  details: Record<string, string>;
}

/** The audit line's content for a dashboard request that changes something, or undefined if it is refused. */
function dashboardAction(method: string, url: string): DashboardAction | undefined {
  if (method !== 'PUT') return undefined;
  const path = (url.split('?')[0] ?? '').slice(QUEUES_DASHBOARD_PATH.length);
  for (const pattern of ALLOWED_ACTIONS) {
    const found = pattern.exec(path)?.groups;
    if (!found?.queue || !found.verb) continue;
    const queue = decodeURIComponent(found.queue);
    const job = found.job && decodeURIComponent(found.job);
    return {
      action: `queues.${found.verb}`,
      target: job ? `${queue}/${job}` : queue,
      details: {
        via: 'queues dashboard',
        ...(found.state ? { state: decodeURIComponent(found.state) } : {}),
      },
    };
  }
  return undefined;
}

/**
 * The queues' own dashboard: bull-board at `/ops/queues`, for the operator role only, read-write
 * for retry and clean (`ALLOWED_ACTIONS`). Its pages, static assets and API all sit behind the hook
 * below, registered in this plugin's own context (not the app's `config.roles` check, which
 * knows Bearer only). Each action is written to the audit log before it is done (an action whose
 * line cannot be written is not done): its operator, the queue and job, the state. bull-board's
 * buttons send no reason; a script may give one in the `X-Audit-Reason` header.
 */
export default async function queuesDashboard(app: FastifyInstance) {
  const refuse = (reply: FastifyReply, status: 401 | 403, detail: string) => {
    if (status === 401) reply.header('www-authenticate', 'Basic realm="sne-hub operators", charset="UTF-8"');
    return sendProblem(reply, status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN', detail);
  };

  // Replies directly rather than throwing: bull-board's routes have an error handler of their own.
  app.addHook('onRequest', async (request, reply) => {
    let credential: Credential | undefined;
    try {
      credential = credentialOfDashboard(request);
    } catch (error) {
      if (!(error instanceof HttpProblem)) throw error;
      return sendProblem(reply, error.code, error.message);
    }
    if (!credential) {
      return refuse(
        reply,
        401,
        "The queues' dashboard needs an operator token (Bearer, or Basic as password).",
      );
    }
    // As every route authenticates, refused tokens counted the same: guesses here cost PostgreSQL too.
    let actor: Awaited<ReturnType<typeof app.authenticate>>;
    try {
      actor = await app.authenticate(request, reply, credential);
    } catch (error) {
      if (!(error instanceof HttpProblem)) return unavailable(request, reply, error);
      if (error.code === 'UNAUTHENTICATED') return refuse(reply, 401, error.message);
      return sendProblem(reply, error.code, error.message);
    }
    if (actor === 'admin') {
      return refuse(reply, 403, "The administrator's token only serves /admin routes.");
    }
    if (actor.role !== 'operator')
      return refuse(reply, 403, `The role ${actor.role} may not use this route.`);
    request.actor = actor;
    const change = READ_METHODS.has(request.method)
      ? undefined
      : dashboardAction(request.method, request.url);
    if (!READ_METHODS.has(request.method) && !change) {
      return refuse(
        reply,
        403,
        "The queues' dashboard retries and cleans jobs only; its other actions would stop or bypass the hub's pipeline.",
      );
    }
    // bull-board's API asks Redis, and a command waits for Redis to come back: ask it first, briefly.
    if (isDashboardApi(request.url)) {
      try {
        await withTimeout(app.redis.ping(), REDIS_WAIT_MS, 'Redis');
      } catch {
        return sendProblem(
          reply,
          'SERVICE_UNAVAILABLE',
          "The queues' Redis does not answer right now; the messages wait in PostgreSQL. Retry later.",
        );
      }
    }
    if (!change) return;
    try {
      await audit(app.pg, { actor: actor.clientId, ...change, reason: reasonOf(request) });
    } catch (error) {
      return unavailable(request, reply, error, ' The action was not done.');
    }
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
  // bull-board's own error handler answers `{ error: { key }, message }` with the error's message
  // (a database's host and port, say): a problem instead, its status from what failed.
  serverAdapter.setErrorHandler((error) => {
    const { code, detail } = unexpectedProblem({ log: app.log }, error);
    const body = problemBody(code, detail);
    // Its type lists the statuses bull-board sends itself; its Fastify adapter sends any.
    return { status: body.status as 500, body };
  });
  // Its replies are sent as JSON: a problem's body gets its media type here.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (
      reply.statusCode >= 500 &&
      typeof payload === 'string' &&
      payload.startsWith('{"type":"urn:sne:problem:')
    )
      reply.type('application/problem+json');
    return payload;
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: QUEUES_DASHBOARD_PATH });

  /** A 503 problem when the database is away, else a 500 one (the error logged). */
  function unavailable(request: FastifyRequest, reply: FastifyReply, error: unknown, more = '') {
    const { code, detail } = unexpectedProblem(request, error, more);
    return sendProblem(reply, code, detail);
  }
}

/** The reason a script gives in `X-Audit-Reason` (bull-board's own buttons give none). */
function reasonOf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-audit-reason'];
  const reason = (Array.isArray(header) ? header[0] : header)?.trim();
  return reason ? reason.slice(0, 1000) : undefined;
}

/** bull-board's API (JSON calls of the page), as opposed to the page and its static assets. */
function isDashboardApi(url: string): boolean {
  return url.startsWith(`${QUEUES_DASHBOARD_PATH}/api/`);
}
