import { readFileSync } from 'node:fs';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { PROBLEM_SCHEMA } from '../../http/problem-schema.ts';
import type { RouteRole } from '../../http/route-types.ts';
import { asyncApiDocument } from '../asyncapi.ts';
import { operationIdOf } from '../openapi/operation-id.ts';
import { problemReply, standardProblems } from '../openapi/standard-problems.ts';
import { OPENAPI_TAGS, tagOfUrl } from '../openapi/tags.ts';

const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const DESCRIPTION = `The interoperability hub of the Système National d'Enregistrement (SNE).

Every route but /health/*, /docs, /openapi.json, /asyncapi.json, /public/* and the console's page and sign-out (/ops/console, whose session is the sne_session cookie) needs \`Authorization: Bearer <token>\`
(tokens are given at provisioning). Errors are RFC 9457 \`application/problem+json\` with a stable \`code\`.
Writes from external systems are stored durably and answered 202 with a \`messageId\`; follow them with
GET /messages/{messageId}. Events (feed and webhooks) are described by /asyncapi.json.`;

/**
 * The OpenAPI 3.1 document, generated from the JSON schemas every route validates with, served at
 * /openapi.json and browsable at /docs. Must be registered before the routes it documents.
 */
async function docsPlugin(app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'SNE hub', version, description: DESCRIPTION },
      servers: [{ url: app.config.publicUrl, description: 'This hub (SNE_PUBLIC_URL)' }],
      tags: OPENAPI_TAGS.map(({ name, description }) => ({ name, description })),
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
    },
    // Everything a reader needs that the route's code already says is derived here, so it cannot
    // drift: the group from the URL, the operationId from method and URL, who may call it from its
    // `roles`, the problems it can answer from what it validates. Only the summary is the route's own
    // (test/openapi-document.int.test.ts fails on a route without one, or outside every tag).
    transform: ({ schema, url, route }) => {
      const roles = (route.config as { roles?: RouteRole[] } | undefined)?.roles;
      const described = { ...schema } as Record<string, unknown>;
      const standard = standardProblems({ url, schema: described, roles });
      const tag = tagOfUrl(url);
      described.tags = tag ? [tag] : [];
      described.operationId ??= operationIdOf(String(route.method), url);
      described.response = { ...problemsAsProblemJson(described.response ?? {}), ...standard };
      if (roles) {
        const who = `Roles: ${roles.join(', ')}.`;
        described.description = described.description ? `${described.description}\n\n${who}` : who;
        described.security = [{ bearer: [] }];
      } else {
        described.security = [];
      }
      return { schema: described, url };
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  const asyncApi = asyncApiDocument(version);
  app.get('/asyncapi.json', { schema: { hide: true } }, async () => asyncApi);
}

/** Error replies are `application/problem+json` (the serializer does not care; the document should). */
function problemsAsProblemJson(responses: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [status, schema] of Object.entries(responses as Record<string, Record<string, unknown>>)) {
    out[status] =
      Number(status) >= 400 && !('content' in schema)
        ? schema === PROBLEM_SCHEMA
          ? problemReply(Number(status))
          : {
              description: schema.description ?? 'RFC 9457 problem details',
              content: { 'application/problem+json': { schema } },
            }
        : schema;
  }
  return out;
}

export default fp(docsPlugin, { name: 'sne-docs' });
