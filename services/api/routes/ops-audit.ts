import type { FastifyInstance } from 'fastify';
import { BIGINT_CURSOR_PATTERN } from '../../http/pagination.ts';
import { HttpProblem } from '../../http/problem.ts';
import { problemResponses } from '../../http/problem-schema.ts';
import { type AuditFilter, searchAudit } from '../audit-search.ts';
import { AUDIT_LINE, closed } from './ops-messages-schemas.ts';

/** The audit log (interfaces.md §11): every operator's and administrator's action, every pièce downloaded. */
export default async function opsAuditRoutes(app: FastifyInstance) {
  app.get<{ Querystring: AuditFilter & { limit: number; cursor?: string } }>(
    '/ops/audit',
    {
      config: { roles: ['operator'] },
      schema: {
        summary: 'The audit log, newest first, by actor, action and time',
        description:
          'Actions: message.replay, message.replay-bulk, message.discard, delivery.*, sweep.*, ' +
          'admin.client.create, admin.client.revoke, admin.client.token, piece.upload, piece.download, ' +
          'piece.delete. `from` inclusive, `to` exclusive. Each line was written in the transaction of its action.',
        querystring: {
          type: 'object',
          ...closed({
            actor: { type: 'string', minLength: 1, maxLength: 64 },
            action: { type: 'string', pattern: '^[a-z][a-z0-9.-]{0,63}$' },
            from: { type: 'string', format: 'date-time' },
            to: { type: 'string', format: 'date-time' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            cursor: { type: 'string', pattern: BIGINT_CURSOR_PATTERN },
          }),
        },
        response: {
          200: {
            type: 'object',
            required: ['items'],
            properties: { items: { type: 'array', items: AUDIT_LINE }, next: { type: 'string' } },
          },
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      if (filter.from && filter.to && Date.parse(filter.to) <= Date.parse(filter.from)) {
        throw new HttpProblem('INVALID_PARAMETER', 'The period ends before it starts.', {
          errors: [{ path: '/to', message: 'must come after from' }],
        });
      }
      return searchAudit(app.pg, filter, { limit, ...(cursor ? { cursor } : {}) });
    },
  );
}
