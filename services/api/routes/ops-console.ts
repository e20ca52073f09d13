import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { PROBLEM_SCHEMA } from '../../http/problem-schema.ts';
import { closeSession, openSession, SESSION_SECONDS } from '../console-sessions.ts';
import { SESSION_COOKIE, sessionCookie } from '../plugins/credentials.ts';

/** The console's files, served as they are (plain ES modules: no build step). Listed, never discovered. */
const FILES: Record<string, string> = {
  'console.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
  'app.js': 'text/javascript; charset=utf-8',
  'api.js': 'text/javascript; charset=utf-8',
  'dom.js': 'text/javascript; charset=utf-8',
  'views/sign-in.js': 'text/javascript; charset=utf-8',
  'views/failures.js': 'text/javascript; charset=utf-8',
  'views/messages.js': 'text/javascript; charset=utf-8',
  'views/message.js': 'text/javascript; charset=utf-8',
  'views/deliveries.js': 'text/javascript; charset=utf-8',
  'views/delivery.js': 'text/javascript; charset=utf-8',
  'views/audit.js': 'text/javascript; charset=utf-8',
  'views/reports.js': 'text/javascript; charset=utf-8',
};

const CONSOLE_DIR = new URL('../console/', import.meta.url);

/**
 * Cleared at every sign-in and sign-out: the cookie of the console before migration 030, which
 * held the operator's token itself.
 */
const FORMER_COOKIE = 'sne_token=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0';

/**
 * The page may only run its own scripts and styles and talk to this hub: a payload that slipped
 * through the escaping could still not load or send anything (defence in depth).
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

function send(reply: FastifyReply, type: string, body: string) {
  return reply.headers(SECURITY_HEADERS).type(type).send(body);
}

/**
 * The operator console (interfaces.md §11): one static page and its ES modules, served by the
 * API. The page and its files hold no data and are public like `/docs`; everything it shows comes
 * from the operator routes, called within the session the operator opens with its token.
 *
 * `POST /ops/console/session` opens a session (`console-sessions.ts`) whose id goes in an
 * `HttpOnly; SameSite=Strict` cookie: the page's own calls and the links the browser follows by
 * itself (`/ops/queues`, the infocentre's HTML reports) are authenticated by it, and no script of
 * the page ever holds the token after the sign-in; `plugins/credentials.ts` says when the cookie
 * is accepted.
 */
export default async function opsConsoleRoutes(app: FastifyInstance) {
  const page = readFileSync(new URL('index.html', CONSOLE_DIR), 'utf8');
  const files = new Map(
    Object.entries(FILES).map(([name, type]) => [
      name,
      { type, body: readFileSync(new URL(name, CONSOLE_DIR), 'utf8') },
    ]),
  );

  app.get(
    '/ops/console',
    {
      schema: {
        summary: 'The operator console (an HTML page; sign in there with an operator token)',
        produces: ['text/html'],
        response: { 200: { type: 'string', description: 'text/html' } },
      },
    },
    async (_request, reply) => send(reply, 'text/html; charset=utf-8', page),
  );

  // The address typed with a slash at its end: one page only, at one address.
  app.get('/ops/console/', { schema: { hide: true } }, async (_request, reply) =>
    reply.redirect('/ops/console', 301),
  );

  app.get<{ Params: { '*': string } }>(
    '/ops/console/*',
    {
      schema: {
        hide: true,
        params: {
          type: 'object',
          required: ['*'],
          properties: { '*': { enum: Object.keys(FILES) } },
        },
        response: { 200: { type: 'string' }, 400: PROBLEM_SCHEMA },
      },
    },
    async (request, reply) => {
      // The schema admits only listed names, so the file is there.
      const file = files.get(request.params['*']) as { type: string; body: string };
      return send(reply, file.type, file.body);
    },
  );

  app.post(
    '/ops/console/session',
    {
      config: { roles: ['operator'] },
      schema: {
        summary:
          'Sign the browser in: opens a console session, whose id becomes an HttpOnly, SameSite=Strict cookie',
        description:
          'Call it with `Authorization: Bearer <operator token>`. The reply sets the cookie `sne_session` (HttpOnly, SameSite=Strict, Path=/, 8 hours; Secure over HTTPS): a random session id, never the token (the hub keeps only its hash). The hub accepts it in place of the header for GET requests, and for other methods only with an `Origin` header naming the hub (CSRF defence), until the session expires, is closed by `DELETE /ops/console/session`, or its token is rotated or revoked. Called with the cookie alone, it opens no new session.',
        response: {
          200: {
            type: 'object',
            required: ['clientId', 'role', 'expiresInSeconds'],
            properties: {
              clientId: { type: 'string' },
              role: { const: 'operator' },
              expiresInSeconds: { type: 'integer' },
            },
          },
          401: PROBLEM_SCHEMA,
          403: PROBLEM_SCHEMA,
        },
      },
    },
    async (request, reply) => {
      // The auth plugin has checked the credential: a token in the header (a sign-in), or an open
      // session's cookie alone (no new session). Either way it left the token's hash.
      if (request.headers.authorization !== undefined && request.tokenHash) {
        const session = await openSession(app.pg, request.actor.clientId, request.tokenHash);
        const secure = request.protocol === 'https' ? '; Secure' : '';
        reply.header('set-cookie', [
          `${SESSION_COOKIE}=${session}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_SECONDS}${secure}`,
          FORMER_COOKIE,
        ]);
      }
      reply.header('cache-control', 'no-store');
      return { clientId: request.actor.clientId, role: 'operator', expiresInSeconds: SESSION_SECONDS };
    },
  );

  app.delete(
    '/ops/console/session',
    {
      // Public on purpose: signing out must work even once the token has been revoked.
      schema: {
        summary: 'Sign the browser out: the console session is closed and its cookie cleared',
        response: { 204: { type: 'null' } },
      },
    },
    async (request, reply) => {
      const session = sessionCookie(request);
      if (session) await closeSession(app.pg, session);
      reply.header('set-cookie', [
        `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`,
        FORMER_COOKIE,
      ]);
      return reply.code(204).send();
    },
  );
}
