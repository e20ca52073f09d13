import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { PROBLEM_SCHEMA } from '../../http/problem-schema.ts';
import { SESSION_COOKIE } from '../plugins/credentials.ts';

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
};

const CONSOLE_DIR = new URL('../console/', import.meta.url);

/** How long the session cookie lives: a working day. The token itself lives until rotated. */
const SESSION_SECONDS = 8 * 3600;

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
 * from the operator routes, called with the token the operator signs in with.
 *
 * `POST /ops/console/session` also puts that token in an `HttpOnly; SameSite=Strict` cookie, so
 * that links the browser follows by itself (`/ops/queues`, the infocentre's HTML reports) are
 * authenticated; `plugins/credentials.ts` says when the cookie is accepted.
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
        summary: 'Sign the browser in: the operator token becomes an HttpOnly, SameSite=Strict cookie',
        description:
          'Call it with `Authorization: Bearer <operator token>`. The reply sets the cookie `sne_token` (HttpOnly, SameSite=Strict, Path=/, 8 hours; Secure over HTTPS), which the hub accepts in place of the header for GET requests, and for other methods only with an `Origin` header naming the hub (CSRF defence).',
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
      // The auth plugin has checked the token; it came from the header or an existing cookie.
      const header = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
      // Issued tokens are base64url; anything else could not travel in a cookie unquoted.
      if (header && /^[A-Za-z0-9._~-]+$/.test(header)) {
        const secure = request.protocol === 'https' ? '; Secure' : '';
        reply.header(
          'set-cookie',
          `${SESSION_COOKIE}=${header}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_SECONDS}${secure}`,
        );
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
        summary: 'Sign the browser out: the console cookie is cleared',
        response: { 204: { type: 'null' } },
      },
    },
    async (_request, reply) => {
      reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
      return reply.code(204).send();
    },
  );
}
