import type { FastifyInstance, onSendAsyncHookHandler } from 'fastify';
import { HttpProblem } from '../../services/api/problem.ts';
import { registerReviser } from '../shared/revisers.ts';
import { prefersXml } from './accept.ts';
import { deprecationHeaders } from './deprecation.ts';
import { sptReviser } from './reviser.ts';
import { withRights } from './rights.ts';
import { sptV1 } from './v1/version.ts';
import { sptV2 } from './v2/version.ts';
import type { SptVersion } from './version.ts';
import { DEFAULT_XML_LIMITS } from './xml-document.ts';

/** The contract versions served, newest first. Adding one = one folder and one line here. */
const VERSIONS: readonly SptVersion[] = [sptV2, sptV1];

export interface SptConnectorOptions {
  /** Largest accepted lot body, in bytes (larger → 413). Default 10 MiB. */
  maxLotBytes?: number;
  /** Most messages in one lot (more → 413 `LOT_TOO_LARGE`). Default 1000. */
  maxLotMessages?: number;
}

const XML_MEDIA_TYPES = ['application/xml', 'text/xml'];

/**
 * The SPT connector: guichets' and bailleurs' management software send lots of messages as XML,
 * `POST /connectors/spt/<version>/lots`. Register it encapsulated (`app.register(sptConnector, opts)`):
 * its XML body parser then applies to its routes only.
 */
export async function sptConnector(app: FastifyInstance, options: SptConnectorOptions = {}): Promise<void> {
  const limits = {
    maxBytes: options.maxLotBytes ?? DEFAULT_XML_LIMITS.maxBytes,
    maxMessages: options.maxLotMessages ?? DEFAULT_XML_LIMITS.maxMessages,
  };
  registerReviser(app, 'spt', sptReviser(VERSIONS));
  // The raw bytes: the encoding is read from the XML declaration, which only the XML layer understands.
  app.addContentTypeParser(
    XML_MEDIA_TYPES,
    { parseAs: 'buffer', bodyLimit: limits.maxBytes },
    (_request, body, done) => done(null, body),
  );

  for (const version of VERSIONS) {
    const decoder = version.createDecoder(limits);
    const deprecation = version.deprecation && deprecationHeaders(version.deprecation);
    app.post(
      `/connectors/spt/${version.name}/lots`,
      {
        bodyLimit: limits.maxBytes,
        config: { roles: ['guichet', 'bailleur'] },
        schema: routeSchema(version),
        // onSend runs for every reply of the route, problems included (401, 413, 415, 400...).
        ...(deprecation && { onSend: withHeaders(deprecation) }),
      },
      async (request, reply) => {
        const body = request.body;
        if (!Buffer.isBuffer(body)) {
          throw new HttpProblem(
            415,
            'UNSUPPORTED_MEDIA_TYPE',
            'Send the lot as application/xml or text/xml.',
          );
        }
        const actor = request.actor;
        const messages = decoder
          .readLot(body, request.headers['content-type'])
          .map((message) => withRights(actor, message));
        const receipt = await app.intake.acceptLot({ actor, system: 'spt', version: version.name, messages });
        reply.code(202);
        if (prefersXml(request.headers.accept)) {
          return reply.type('application/xml; charset=utf-8').send(version.accuseXml(receipt));
        }
        return receipt;
      },
    );
  }

  // A version never published, or retired: say which ones are served rather than a bare 404.
  app.post<{ Params: { version: string } }>(
    '/connectors/spt/:version/lots',
    { config: { roles: ['guichet', 'bailleur'] } },
    async (request) => {
      throw new HttpProblem(
        404,
        'CONTRACT_VERSION_UNKNOWN',
        `SPT contract ${request.params.version} is not served; use ${VERSIONS.map((v) => v.name).join(' or ')}.`,
      );
    },
  );
}

/** An onSend hook that adds `headers` to every reply of its route. */
function withHeaders(headers: Record<string, string>): onSendAsyncHookHandler {
  return async (_request, reply, payload) => {
    reply.headers(headers);
    return payload;
  };
}

const messageError = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: {
      type: 'string',
      description: 'Stable error code: CONTRACT_INVALID, FORBIDDEN, IDEMPOTENCY_CONFLICT...',
    },
    path: {
      type: 'string',
      description: 'JSON pointer of the faulty field in the message, "" for the whole message.',
    },
    message: { type: 'string' },
  },
} as const;

/** The receipt of a lot (202); with `Accept: application/xml` it is sent as `<accuse>` instead. */
export const LOT_RECEIPT_SCHEMA = {
  type: 'object',
  required: ['lotId', 'received', 'accepted', 'rejected', 'messages'],
  properties: {
    lotId: { type: 'string' },
    received: { type: 'integer', description: 'Messages in the lot.' },
    accepted: { type: 'integer' },
    rejected: { type: 'integer' },
    messages: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'messageId', 'status'],
        properties: {
          id: { type: 'string', description: "The sender's id of the message." },
          messageId: { type: 'string', description: "The hub's id: GET /messages/{messageId}." },
          status: {
            type: 'string',
            enum: ['accepted', 'processing', 'applied', 'failed', 'rejected', 'discarded'],
          },
          errors: { type: 'array', items: messageError },
        },
      },
    },
  },
} as const;

function routeSchema(version: SptVersion) {
  const { deprecation } = version;
  return {
    summary: `Send a lot of SPT ${version.name} messages`,
    description:
      'Body: an XML lot (application/xml or text/xml) in UTF-8, ISO-8859-1 or windows-1252 as its XML ' +
      'declaration says. The document is refused whole (400/413/415 problem) when unusable; otherwise each ' +
      'message is accepted or rejected on its own, as the receipt lists.' +
      (deprecation
        ? ` Deprecated: use ${deprecation.successor}. Every reply carries Deprecation, Sunset ` +
          `(${deprecation.sunsetAt.toISOString().slice(0, 10)}) and Link rel="successor-version" headers.`
        : ''),
    tags: ['spt'],
    ...(deprecation && { deprecated: true }),
    response: { 202: LOT_RECEIPT_SCHEMA },
  };
}
