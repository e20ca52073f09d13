import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ROLES } from '../../core/actor.ts';
import { HttpProblem } from '../../http/problem.ts';
import { MESSAGE_STATUSES } from '../../pipeline/inbound.ts';
import { findLot, findMessage } from '../../pipeline/message-queries.ts';

const uuidParam = (name: string) => ({
  type: 'object',
  required: [name],
  properties: { [name]: { type: 'string', format: 'uuid' } },
});

const errorSchema = {
  type: 'object',
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    details: { type: 'object', additionalProperties: { type: 'string' } },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { code: { type: 'string' }, path: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
} as const;

const resultSchema = { type: 'object', properties: { numeroUnique: { type: 'string' } } } as const;
const statusSchema = {
  enum: MESSAGE_STATUSES,
  description:
    '`accepted`: stored and queued (it stays so while a worker applies it: the apply is one transaction, ' +
    'its outcome visible at its commit); `processing`: a try met a transient error, the next try is planned; ' +
    '`applied`; `failed` (waits for an operator); `rejected` (contract-invalid, never queued); `discarded`.',
} as const;

/** The sender of a message, or an operator, may read it; anyone else learns nothing, not even that it exists. */
function canRead(request: FastifyRequest, clientId: string): boolean {
  return request.actor.role === 'operator' || request.actor.clientId === clientId;
}

/** Status of messages and lots (interfaces.md §3). */
export default async function messageRoutes(app: FastifyInstance) {
  const config = { roles: [...ROLES] };

  app.get<{ Params: { messageId: string } }>(
    '/messages/:messageId',
    {
      config,
      schema: {
        summary: 'Follow a message: status, result or error, attempts',
        params: uuidParam('messageId'),
        response: {
          200: {
            type: 'object',
            properties: {
              messageId: { type: 'string' },
              id: { type: 'string' },
              client: { type: 'string' },
              system: { type: 'string' },
              version: { type: 'string' },
              type: { type: 'string' },
              status: statusSchema,
              lotId: { type: 'string' },
              receivedAt: { type: 'string', format: 'date-time' },
              appliedAt: { type: 'string', format: 'date-time' },
              result: resultSchema,
              error: errorSchema,
              attempts: { type: 'integer' },
            },
          },
        },
      },
    },
    async (request) => {
      const message = await findMessage(app.pg, request.params.messageId);
      if (!message || !canRead(request, message.client)) {
        throw new HttpProblem('MESSAGE_UNKNOWN', `No message ${request.params.messageId}.`);
      }
      return message;
    },
  );

  app.get<{ Params: { lotId: string } }>(
    '/lots/:lotId',
    {
      config,
      schema: {
        summary: 'Follow a lot: counts by status and each message',
        description:
          "The messages its receipt listed, in the receipt's order, each with its status now: a message " +
          'the lot sent again (after a lost 202) appears with its original messageId, and an id repeated ' +
          'inside the lot as many times as the receipt listed it. Counts are those of the messages listed.',
        params: uuidParam('lotId'),
        response: {
          200: {
            type: 'object',
            properties: {
              lotId: { type: 'string' },
              client: { type: 'string' },
              system: { type: 'string' },
              version: { type: 'string' },
              receivedAt: { type: 'string', format: 'date-time' },
              counts: {
                type: 'object',
                properties: Object.fromEntries(statusSchema.enum.map((s) => [s, { type: 'integer' }])),
              },
              messages: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'string' },
                    messageId: { type: 'string' },
                    status: statusSchema,
                    result: resultSchema,
                    error: errorSchema,
                  },
                },
              },
            },
          },
        },
      },
    },
    async (request) => {
      const lot = await findLot(app.pg, request.params.lotId);
      if (!lot || !canRead(request, lot.client)) {
        throw new HttpProblem('LOT_UNKNOWN', `No lot ${request.params.lotId}.`);
      }
      return lot;
    },
  );
}
