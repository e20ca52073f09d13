import type { FastifyInstance } from 'fastify';
import { ROLES } from '../../core/actor.ts';
import { departementOfCommune, isDepartement } from '../../core/territoire.ts';
import { withTransaction } from '../../db/pool.ts';
import { isUniqueViolation } from '../../db/safe-error.ts';
import { LIMIT_QUERY_SCHEMA } from '../../http/pagination.ts';
import { HttpProblem } from '../../http/problem.ts';
import { problemResponses } from '../../http/problem-schema.ts';
import { EVENT_TYPES } from '../../pipeline/events.ts';
import { urlProblem } from '../../pipeline/webhooks/address.ts';
import { newWebhookSecret, webhookSecretBox } from '../../pipeline/webhooks/secrets.ts';
import { pageOf, rowsFor } from '../../shared/pagination.ts';
import { ADMIN_ACTOR, audit } from '../audit.ts';
import {
  type ClientRecord,
  insertClient,
  listClients,
  newToken,
  replaceToken,
  replaceWebhook,
  revokeClient,
} from '../clients.ts';

const ROLES_WITH_GUICHET = new Set(['guichet', 'bailleur', 'pgp']);

const clientSchema = {
  type: 'object',
  required: ['id', 'role', 'organisme', 'nom', 'departements'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' },
    role: { enum: [...ROLES] },
    organisme: { type: 'string', pattern: '^[0-9]{9}$', description: 'SIREN' },
    nom: { type: 'string', minLength: 1, maxLength: 200 },
    departements: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', pattern: '^(\\*|[0-9]{2,3}|2A|2B)$' },
    },
    codeGuichet: { type: 'string', pattern: '^[A-Z0-9]{5}$' },
    adresse: { type: 'string', maxLength: 500 },
    communes: { type: 'array', maxItems: 1000, items: { type: 'string', pattern: '^[0-9][0-9AB][0-9]{3}$' } },
    webhook: {
      type: 'object',
      required: ['url'],
      additionalProperties: false,
      properties: {
        url: { type: 'string', format: 'uri', pattern: '^https?://' },
        types: { type: 'array', uniqueItems: true, items: { enum: EVENT_TYPES } },
      },
    },
  },
} as const;

const clientReply = {
  type: 'object',
  properties: {
    ...clientSchema.properties,
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

/** The signing secret as the provisioning and the webhook's replacement return it, once. */
const WEBHOOK_SECRET_REPLY = {
  type: 'string',
  description:
    'Standard Webhooks signing secret (`whsec_…`), shown once; stored encrypted. The HMAC-SHA256 key is ' +
    'the bytes the base64 after `whsec_` decodes to (as the Standard Webhooks libraries read it).',
} as const;

const clientIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', maxLength: 64 } },
} as const;

interface ClientBody {
  id: string;
  role: (typeof ROLES)[number];
  organisme: string;
  nom: string;
  departements: string[];
  codeGuichet?: string;
  adresse?: string;
  communes?: string[];
  webhook?: { url: string; types?: string[] };
}

/** Client provisioning with the administrator's token (interfaces.md §2). */
export default async function adminRoutes(app: FastifyInstance) {
  const config = { roles: ['admin' as const] };
  const secrets = webhookSecretBox(app.config);

  app.post<{ Body: ClientBody }>(
    '/admin/clients',
    {
      config,
      schema: {
        summary: 'Provision a client (its token is shown once)',
        body: clientSchema,
        response: {
          201: {
            type: 'object',
            required: ['id', 'token'],
            properties: {
              id: { type: 'string' },
              token: { type: 'string', description: 'Shown once; stored hashed.' },
              webhookSecret: WEBHOOK_SECRET_REPLY,
            },
          },
          ...problemResponses(409),
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (ROLES_WITH_GUICHET.has(body.role) && !body.codeGuichet) {
        throw new HttpProblem('CONTRACT_INVALID', `A ${body.role} needs a codeGuichet.`, {
          errors: [{ path: '/codeGuichet', message: 'required for this role' }],
        });
      }
      if (body.role === 'pgp' && body.codeGuichet !== 'GDPUB') {
        throw new HttpProblem('CONTRACT_INVALID', "The portail's codeGuichet is GDPUB.", {
          errors: [{ path: '/codeGuichet', message: 'must be GDPUB for the pgp role' }],
        });
      }
      const unknown = body.departements.filter((d) => d !== '*' && !isDepartement(d));
      if (unknown.length > 0) {
        throw new HttpProblem('CONTRACT_INVALID', `Unknown départements: ${unknown.join(', ')}.`, {
          errors: [{ path: '/departements', message: 'unknown département' }],
        });
      }
      refuseInconsistentScope(body);
      const problem = body.webhook && urlProblem(body.webhook.url, app.config.webhookAllowPrivate);
      if (problem) {
        throw new HttpProblem('WEBHOOK_URL_FORBIDDEN', `The webhook URL is refused: ${problem}.`, {
          errors: [{ path: '/webhook/url', message: problem }],
        });
      }
      const { token, hash } = newToken();
      const webhookSecret = body.webhook ? newWebhookSecret() : undefined;
      try {
        await insertClient(
          app.pg,
          { ...body, communes: body.communes ?? [] },
          hash,
          webhookSecret ? secrets.seal(webhookSecret) : undefined,
          (db) =>
            audit(db, {
              actor: ADMIN_ACTOR,
              action: 'admin.client.create',
              target: body.id,
              details: { role: body.role, departements: body.departements, webhook: Boolean(body.webhook) },
            }),
        );
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new HttpProblem(
            'CLIENT_EXISTS',
            'A client with this id or codeGuichet exists already, live or revoked (a revoked one keeps them).',
          );
        }
        throw error;
      }
      return reply.code(201).send({ id: body.id, token, ...(webhookSecret ? { webhookSecret } : {}) });
    },
  );

  app.get<{ Querystring: { limit: number; cursor?: string } }>(
    '/admin/clients',
    {
      config,
      schema: {
        summary: 'List the live clients',
        description:
          'By id, cursor-paginated. A revoked client is not listed, yet its id and codeGuichet stay taken ' +
          '(its messages and history name it): provisioning either again is 409 CLIENT_EXISTS.',
        querystring: {
          type: 'object',
          properties: {
            limit: LIMIT_QUERY_SCHEMA,
            cursor: {
              type: 'string',
              pattern: clientSchema.properties.id.pattern,
              description: 'The `next` of the previous page: the id of the last client it listed.',
            },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { items: { type: 'array', items: clientReply }, next: { type: 'string' } },
          },
        },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const rows = await listClients(app.pg, cursor ?? '', rowsFor(limit));
      return pageOf(rows, limit, (client) => client.id);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/admin/clients/:id',
    {
      config,
      schema: {
        summary: 'Revoke a client (its token stops working at once)',
        params: clientIdParams,
        response: { 204: { type: 'null', description: 'Revoked.' } },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      await withTransaction(app.pg, async (db) => {
        if (!(await revokeClient(db, id))) throw new HttpProblem('CLIENT_UNKNOWN', `No live client ${id}.`);
        await audit(db, { actor: ADMIN_ACTOR, action: 'admin.client.revoke', target: id });
      });
      // The other API processes hear of it from PostgreSQL (migration 019); this one before answering.
      app.actors.forget();
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { id: string } }>(
    '/admin/clients/:id/token',
    {
      config,
      schema: {
        summary: 'Rotate a client’s token (the old one stops working)',
        params: clientIdParams,
        response: {
          200: { type: 'object', properties: { id: { type: 'string' }, token: { type: 'string' } } },
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { token, hash } = newToken();
      await withTransaction(app.pg, async (db) => {
        if (!(await replaceToken(db, id, hash)))
          throw new HttpProblem('CLIENT_UNKNOWN', `No live client ${id}.`);
        // The new token never enters the audit log: only that it was rotated.
        await audit(db, { actor: ADMIN_ACTOR, action: 'admin.client.token', target: id });
      });
      app.actors.forget();
      return { id, token };
    },
  );

  app.put<{ Params: { id: string }; Body: NonNullable<ClientRecord['webhook']> }>(
    '/admin/clients/:id/webhook',
    {
      config,
      schema: {
        summary: 'Set a client’s webhook: its URL and types, with a new signing secret',
        description:
          'Replaces the webhook (or gives one to a client that had none: it receives the events from now on) ' +
          'and always issues a new signing secret, shown once: this is how a secret is rotated, a receiver ' +
          'moved, or a secret made unreadable (WEBHOOK_SECRET_UNREADABLE) replaced. Deliveries still pending ' +
          'go to the new URL, signed with the new secret; replay the failed ones afterwards. Audited.',
        params: clientIdParams,
        body: clientSchema.properties.webhook,
        response: {
          200: {
            type: 'object',
            properties: { id: { type: 'string' }, webhookSecret: WEBHOOK_SECRET_REPLY },
          },
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const problem = urlProblem(request.body.url, app.config.webhookAllowPrivate);
      if (problem) {
        throw new HttpProblem('WEBHOOK_URL_FORBIDDEN', `The webhook URL is refused: ${problem}.`, {
          errors: [{ path: '/url', message: problem }],
        });
      }
      const webhookSecret = newWebhookSecret();
      await withTransaction(app.pg, async (db) => {
        if (!(await replaceWebhook(db, id, request.body, secrets.seal(webhookSecret)))) {
          throw new HttpProblem('CLIENT_UNKNOWN', `No live client ${id}.`);
        }
        // Neither the secret nor the whole URL (its path or query may hold a key) enters the audit
        // log, which every operator reads: the receiver's origin and the types.
        await audit(db, {
          actor: ADMIN_ACTOR,
          action: 'admin.client.webhook',
          target: id,
          details: { origin: new URL(request.body.url).origin, types: request.body.types ?? null },
        });
      });
      return { id, webhookSecret };
    },
  );
}

/**
 * Scopes the hub would not honour as written:
 * - an operator limited to some départements: operators work on every message, delivery and event
 *   (interfaces.md §11, and §8: `operator`: everything), and the /ops routes know no département;
 * - communes served that are unknown, or outside the client's départements: the annuaire would
 *   list a guichet for communes where it may register nothing.
 * @throws HttpProblem 400 `CONTRACT_INVALID`, with the path of the field.
 */
function refuseInconsistentScope(body: { role: string; departements: string[]; communes?: string[] }): void {
  const everywhere = body.departements.includes('*');
  if (body.role === 'operator' && !everywhere) {
    throw new HttpProblem(
      'CONTRACT_INVALID',
      'An operator works on every département: departements must be ["*"].',
      {
        errors: [{ path: '/departements', message: 'must be ["*"] for the operator role' }],
      },
    );
  }
  const outside = (body.communes ?? []).filter((commune) => {
    const departement = departementOfCommune(commune);
    return departement === undefined || !(everywhere || body.departements.includes(departement));
  });
  if (outside.length > 0) {
    throw new HttpProblem(
      'CONTRACT_INVALID',
      `Communes unknown or outside the client's départements: ${outside.slice(0, 10).join(', ')}.`,
      { errors: [{ path: '/communes', message: "unknown commune, or outside the client's départements" }] },
    );
  }
}
