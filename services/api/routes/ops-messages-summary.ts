import type { FastifyInstance } from 'fastify';
import { HttpProblem } from '../../http/problem.ts';
import { PROBLEM_SCHEMA } from '../../http/problem-schema.ts';
import { SUMMARY_STATUSES, type SummaryFilter, summarizeMessages } from '../../pipeline/message-summary.ts';

/**
 * `GET /ops/messages/summary`: the failed (or rejected) messages counted by system and error
 * code, so that an operator sees at a glance what broke and how much of it. Not in
 * interfaces.md §11, which lists messages one by one; the console needs the counts.
 */
export default async function opsMessagesSummaryRoutes(app: FastifyInstance) {
  app.get<{ Querystring: SummaryFilter }>(
    '/ops/messages/summary',
    {
      config: { roles: ['operator'] },
      schema: {
        summary: 'Failed or rejected messages counted by system and error code',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { enum: [...SUMMARY_STATUSES], default: 'failed' },
            receivedSince: { type: 'string', format: 'date-time' },
            receivedUntil: { type: 'string', format: 'date-time' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['status', 'total', 'groups'],
            properties: {
              status: { enum: [...SUMMARY_STATUSES] },
              total: { type: 'integer' },
              groups: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['system', 'count', 'firstReceivedAt', 'lastReceivedAt'],
                  properties: {
                    system: { type: 'string' },
                    errorCode: { type: 'string' },
                    count: { type: 'integer' },
                    firstReceivedAt: { type: 'string', format: 'date-time' },
                    lastReceivedAt: { type: 'string', format: 'date-time' },
                  },
                },
              },
            },
          },
          400: PROBLEM_SCHEMA,
        },
      },
    },
    async (request) => {
      const { receivedSince, receivedUntil } = request.query;
      if (receivedSince && receivedUntil && Date.parse(receivedSince) >= Date.parse(receivedUntil)) {
        throw new HttpProblem(
          'INVALID_PARAMETER',
          `receivedSince (${receivedSince}) must come before receivedUntil (${receivedUntil}).`,
        );
      }
      return summarizeMessages(app.pg, request.query);
    },
  );
}
