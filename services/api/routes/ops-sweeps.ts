import type { FastifyInstance } from 'fastify';
import { todayInParis } from '../../core/dates.ts';
import { HttpProblem } from '../../http/problem.ts';
import { PROBLEM_SCHEMA } from '../../http/problem-schema.ts';
import { runRenouvellementSweep, runRetentionSweep } from '../../pipeline/maintenance.ts';
import { SweepInProgressError, SweepLockLostError } from '../../pipeline/sweep-lock.ts';

const sweepBody = {
  type: 'object',
  required: ['asOf'],
  additionalProperties: false,
  properties: {
    asOf: { type: 'string', format: 'date', description: 'Sweep as of this date (not in the future).' },
    reason: { type: 'string', maxLength: 1000 },
  },
} as const;

const problems = { 400: PROBLEM_SCHEMA, 403: PROBLEM_SCHEMA, 409: PROBLEM_SCHEMA } as const;

/**
 * The sweeps on demand (interfaces.md §11), for catching up as of a date; the scheduler runs both
 * daily. A sweep of the same kind already running (the daily one, another operator's) is refused
 * with 409 `SWEEP_IN_PROGRESS`: the operator tries again later. Each is audited page by page, in
 * the transactions of its changes (services/pipeline/maintenance.ts).
 */
export default async function opsSweepRoutes(app: FastifyInstance) {
  const config = { roles: ['operator' as const] };

  /** Today or earlier: a sweep as of a future date would radiate demandes before their time. */
  const checkAsOf = (asOf: string) => {
    if (asOf > todayInParis()) {
      throw new HttpProblem('DATE_INVALIDE', `asOf ${asOf} lies in the future.`);
    }
  };
  const refuseConcurrent = (error: unknown): never => {
    if (error instanceof SweepInProgressError) {
      throw new HttpProblem('SWEEP_IN_PROGRESS', error.message, { extra: { sweep: error.kind } });
    }
    // Only after this process went silent longer than the idle timeout (sweep-lock.ts).
    if (error instanceof SweepLockLostError) throw new HttpProblem('SERVICE_UNAVAILABLE', error.message);
    throw error;
  };

  app.post<{ Body: { asOf: string; reason?: string } }>(
    '/ops/sweeps/renouvellement',
    {
      config,
      schema: {
        summary: 'Run the renewal sweep as of a date: préavis, then radiations for non-renouvellement',
        body: sweepBody,
        response: {
          200: {
            type: 'object',
            required: ['asOf', 'preavis', 'radiees'],
            properties: {
              asOf: { type: 'string', format: 'date' },
              preavis: { type: 'integer', description: 'Préavis sent by this run.' },
              radiees: {
                type: 'integer',
                description: 'Demandes radiées for non-renouvellement by this run.',
              },
            },
          },
          ...problems,
        },
      },
    },
    async (request) => {
      const { asOf, reason } = request.body;
      checkAsOf(asOf);
      const result = await runRenouvellementSweep(app.pg, asOf, {
        actor: request.actor.clientId,
        ...(reason ? { reason } : {}),
        wait: false,
      }).catch(refuseConcurrent);
      return { asOf, ...result };
    },
  );

  app.post<{ Body: { asOf: string; reason?: string } }>(
    '/ops/sweeps/retention',
    {
      config,
      schema: {
        summary: 'Erase the personal data of demandes radiées a year or more before a date',
        description:
          'Names, dates of birth, contacts and co-titulaires are erased from the demande and from every copy ' +
          '(its messages, history, events, pièces); dates, territory, typologie, motifs, ménage size and ' +
          'resources stay, so statistics do not change. Then the same for messages that never made a demande ' +
          '(rejected, failed, discarded) received a year or more before `asOf`: their raw text is emptied and ' +
          'their canonical command loses its personal keys, and they can be replayed only with a corrected ' +
          'payload. Then the webhook deliveries delivered on or before `asOf` minus ' +
          '`SNE_DELIVERIES_RETENTION_DAYS` days (90 by default; 0 keeps them for ever) are deleted with their ' +
          'attempts: pending, failed and discarded ones stay, and nothing is sent again. Idempotent.',
        body: sweepBody,
        response: {
          200: {
            type: 'object',
            required: ['asOf', 'purgees', 'messagesPurges', 'livraisonsPurgees'],
            properties: {
              asOf: { type: 'string', format: 'date' },
              purgees: { type: 'integer', description: 'Demandes purged by this run.' },
              messagesPurges: {
                type: 'integer',
                description:
                  'Messages that never made a demande (rejected, failed, discarded) purged by this run.',
              },
              livraisonsPurgees: {
                type: 'integer',
                description: 'Delivered webhook deliveries deleted by this run, with their attempts.',
              },
            },
          },
          ...problems,
        },
      },
    },
    async (request) => {
      const { asOf, reason } = request.body;
      checkAsOf(asOf);
      const result = await runRetentionSweep(
        app.pg,
        asOf,
        { actor: request.actor.clientId, ...(reason ? { reason } : {}), wait: false },
        { deliveriesRetentionDays: app.config.deliveriesRetentionDays },
      ).catch(refuseConcurrent);
      return { asOf, ...result };
    },
  );
}
