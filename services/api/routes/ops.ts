import type { FastifyInstance } from 'fastify';
import { todayInParis } from '../../core/dates.ts';
import { runRenouvellementSweep } from '../../pipeline/maintenance.ts';
import { audit } from '../audit.ts';
import { HttpProblem } from '../problem.ts';

/** Operators' routes. Each action is written to the audit log with the operator, the time and the reason. */
export default async function opsRoutes(app: FastifyInstance) {
  app.post<{ Body: { asOf: string; reason?: string } }>(
    '/ops/sweeps/renouvellement',
    {
      config: { roles: ['operator'] },
      schema: {
        summary: 'Run the renouvellement sweep as of a date (préavis and radiations)',
        body: {
          type: 'object',
          required: ['asOf'],
          additionalProperties: false,
          properties: {
            asOf: { type: 'string', format: 'date' },
            reason: { type: 'string', maxLength: 1000 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              asOf: { type: 'string' },
              preavis: { type: 'integer' },
              radiees: { type: 'integer' },
            },
          },
        },
      },
    },
    async (request) => {
      const { asOf, reason } = request.body;
      if (asOf > todayInParis()) {
        throw new HttpProblem(400, 'DATE_INVALIDE', `asOf ${asOf} lies in the future.`);
      }
      const result = await runRenouvellementSweep(app.pg, asOf);
      await audit(app.pg, {
        actor: request.actor.clientId,
        action: 'sweep.renouvellement',
        target: asOf,
        ...(reason ? { reason } : {}),
        details: { ...result },
      });
      return { asOf, ...result };
    },
  );
}
