import type { FastifyInstance } from 'fastify';
import { HttpProblem } from '../../services/http/problem.ts';
import { problemResponses } from '../../services/http/problem-schema.ts';
import { mediaTypeOf } from '../../services/http/text-encoding.ts';
import type { ConnectorOptions } from '../shared/connector.ts';
import { prefersXml } from './accept.ts';
import { withRights } from './rights.ts';
import type { SptVersion } from './version.ts';
import { DEFAULT_XML_LIMITS } from './xml-document.ts';

/** The lot limits a connector's options give, or the contract's defaults. */
export function lotLimits(options: ConnectorOptions) {
  return {
    maxBytes: options.maxLotBytes ?? DEFAULT_XML_LIMITS.maxBytes,
    maxMessages: options.maxLotMessages ?? DEFAULT_XML_LIMITS.maxMessages,
  };
}

/**
 * `POST /connectors/spt/<version>/lots`: every SPT version's one route. The version decodes its XML
 * into messages; the intake stores them (the 202) and the receipt goes back in JSON or as the
 * version's `<accuse>`.
 */
export async function lotRoute(
  app: FastifyInstance,
  version: SptVersion,
  options: ConnectorOptions,
): Promise<void> {
  const limits = lotLimits(options);
  const decoder = version.createDecoder(limits);
  app.post(
    `/connectors/spt/${version.name}/lots`,
    {
      bodyLimit: limits.maxBytes,
      config: { roles: ['guichet', 'bailleur'] },
      schema: routeSchema(version),
      // Before any parser reads the body: a lot sent as JSON is 415 like any other media type, not
      // a JSON syntax error from the app's JSON parser.
      preParsing: async (request) => {
        if (!isXml(request.headers['content-type'])) throw notXml();
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (!Buffer.isBuffer(body)) throw notXml();
      const actor = request.actor;
      const decoded = await app.sptLotDecoding.read(
        version,
        decoder,
        limits,
        body,
        request.headers['content-type'],
      );
      const messages = decoded.map((message) => withRights(actor, message));
      const receipt = await app.intake.acceptLot({ actor, system: 'spt', version: version.name, messages });
      reply.code(202);
      if (prefersXml(request.headers.accept)) {
        return reply.type('application/xml; charset=utf-8').send(version.accuseXml(receipt));
      }
      return receipt;
    },
  );
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

/** The media types of a lot. */
export const XML_MEDIA_TYPES = ['application/xml', 'text/xml'];

function isXml(contentType: string | undefined): boolean {
  return XML_MEDIA_TYPES.includes(mediaTypeOf(contentType));
}

function notXml(): HttpProblem {
  return new HttpProblem('UNSUPPORTED_MEDIA_TYPE', 'Send the lot as application/xml or text/xml.');
}

/**
 * The body: read as bytes by the XML layer (the encoding is the XML declaration's), so the schema
 * only documents it; it constrains nothing at validation.
 */
const LOT_BODY = {
  content: Object.fromEntries(
    XML_MEDIA_TYPES.map((type) => [
      type,
      {
        schema: {
          description:
            'An XML lot of the version: root `lot` in `urn:sne:spt:2` (v2) or `LotDemandes` (v1), no DOCTYPE, ' +
            'UTF-8, ISO-8859-1 or windows-1252 as declared. Schemas and examples: contracts/spt/.',
        },
      },
    ]),
  ),
} as const;

/** The receipt as `<accuse>` when the request says `Accept: application/xml`. */
const ACCUSE_XML_SCHEMA = {
  type: 'string',
  description:
    'The same content as the JSON receipt: `<accuse lotId received accepted rejected>` with one ' +
    '`<message id messageId status>` per message and one `<error code path>message</error>` per error.',
  examples: [
    '<?xml version="1.0" encoding="UTF-8"?>\n<accuse xmlns="urn:sne:spt:2" lotId="…" received="1" accepted="1" ' +
      'rejected="0"><message id="M-1" messageId="…" status="accepted"></message></accuse>',
  ],
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
    ...(deprecation && { deprecated: true }),
    body: LOT_BODY,
    response: {
      202: {
        description: 'The lot is stored: each message accepted or rejected.',
        content: {
          'application/json': { schema: LOT_RECEIPT_SCHEMA },
          'application/xml': { schema: ACCUSE_XML_SCHEMA },
        },
      },
      ...problemResponses(400, 413, 415),
    },
  };
}
