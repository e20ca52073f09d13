import type { FastifyInstance } from 'fastify';
import { withTransaction } from '../../db/pool.ts';
import { LIMIT_QUERY_SCHEMA } from '../../http/pagination.ts';
import { HttpProblem } from '../../http/problem.ts';
import { PROBLEM_SCHEMA } from '../../http/problem-schema.ts';
import { webhookJob } from '../../pipeline/queues.ts';
import {
  countReplayable,
  DELIVERY_STATUSES,
  type DeliveryFilter,
  discardDelivery,
  findDelivery,
  listDeliveries,
  replayDeliveries,
} from '../../pipeline/webhooks/delivery-queries.ts';
import { pageOf, rowsFor } from '../../shared/pagination.ts';
import { REDIS_WAIT_MS, withTimeout } from '../../shared/with-timeout.ts';
import { audit } from '../audit.ts';

const STATUSES = [...DELIVERY_STATUSES];

const filterProperties = {
  status: { enum: STATUSES },
  client: { type: 'string', maxLength: 64 },
  from: { type: 'string', format: 'date-time' },
  to: { type: 'string', format: 'date-time' },
} as const;

/** A bulk replay's filter: only the statuses a replay takes, so that `delivered` is a 400, not "0 matched". */
const replayFilterProperties = { ...filterProperties, status: { enum: ['failed', 'discarded'] } } as const;

const deliverySchema = {
  type: 'object',
  required: [
    'id',
    'client',
    'eventId',
    'eventType',
    'subject',
    'sequence',
    'status',
    'attempts',
    'createdAt',
  ],
  properties: {
    id: { type: 'string', format: 'uuid' },
    client: { type: 'string' },
    eventId: { type: 'string' },
    eventType: { type: 'string' },
    subject: { type: 'string' },
    sequence: { type: 'string' },
    status: { enum: STATUSES },
    attempts: { type: 'integer' },
    nextAttemptAt: {
      type: 'string',
      format: 'date-time',
      description:
        'Pending deliveries only: when the next attempt may start. While an attempt is being sent, the end ' +
        "of its lease: if that attempt's worker dies, the delivery is tried again after it.",
    },
    sending: {
      type: 'boolean',
      description:
        'Pending deliveries only: whether an attempt is being sent right now (a worker holds its lease, ' +
        'until `nextAttemptAt`). A discard meanwhile does not stop that attempt: the subscriber may still ' +
        'receive it, and it is recorded among the attempts, but the delivery stays discarded. A replay ' +
        'meanwhile waits for it: the replayed attempt starts once that one has ended, never beside it.',
    },
    lastError: {
      type: 'object',
      properties: { error: { type: 'string' }, statusCode: { type: ['integer', 'null'] } },
    },
    createdAt: { type: 'string', format: 'date-time' },
    deliveredAt: { type: 'string', format: 'date-time' },
  },
} as const;

const reasonBody = {
  type: 'object',
  required: ['reason'],
  additionalProperties: false,
  properties: { reason: { type: 'string', minLength: 1, maxLength: 1000 } },
} as const;

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', format: 'uuid' } },
} as const;

/**
 * Operators' view of webhook deliveries (interfaces.md §11): find the failed ones, replay them
 * (the retry schedule starts again) or give them up. Every action is audited with its reason.
 */
export default async function opsDeliveryRoutes(app: FastifyInstance) {
  const config = { roles: ['operator' as const] };

  const enqueue = async (deliveries: { id: string; attempt: number; jobId: string }[]) => {
    if (deliveries.length === 0) return;
    // If Redis is away the request does not wait for it: the reconciler plans them from PostgreSQL,
    // where they are pending already.
    const jobsAdded = app.webhookQueue.addBulk(
      deliveries.map(({ id, attempt, jobId }) => webhookJob(id, attempt, 0, jobId)),
    );
    await withTimeout(jobsAdded, REDIS_WAIT_MS, 'Redis').catch((error: Error) =>
      app.log.warn({ err: error.message }, 'replayed deliveries not queued yet'),
    );
  };

  app.get<{ Querystring: DeliveryFilter & { limit: number; cursor?: string } }>(
    '/ops/deliveries',
    {
      config,
      schema: {
        summary: 'Webhook deliveries, by status and client',
        description:
          'Oldest first (by creation, then id), filtered by status, client and a window of creation ' +
          '(`from` inclusive, `to` exclusive). Cursor-paginated: pass `next` as `cursor` (the id of ' +
          "the page's last delivery); `next` is absent on the last page. A cursor naming a delivery that no " +
          'longer exists (the retention sweep deletes delivered ones) is 400 INVALID_PARAMETER.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...filterProperties,
            limit: LIMIT_QUERY_SCHEMA,
            cursor: { type: 'string', format: 'uuid' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['items'],
            properties: { items: { type: 'array', items: deliverySchema }, next: { type: 'string' } },
          },
        },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      const rows = await listDeliveries(app.pg, filter, cursor, rowsFor(limit));
      // The page after a delivery that is gone (the retention sweep deleted it since the last page)
      // would come back empty, as if the list had ended: said instead.
      if (rows.length === 0 && cursor && !(await findDelivery(app.pg, cursor))) {
        throw new HttpProblem(
          'INVALID_PARAMETER',
          'The cursor names a delivery that no longer exists (the retention sweep may have deleted it since ' +
            'the last page): list again, from the creation time of the last delivery you have (`from`).',
        );
      }
      return pageOf(rows, limit, (delivery) => delivery.id);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/ops/deliveries/:id',
    {
      config,
      schema: {
        summary: 'One delivery with each of its attempts',
        params: idParams,
        response: {
          200: {
            ...deliverySchema,
            properties: {
              ...deliverySchema.properties,
              attemptsLog: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    attempt: { type: 'integer' },
                    at: { type: 'string', format: 'date-time' },
                    statusCode: { type: 'integer' },
                    error: { type: 'string' },
                  },
                },
              },
            },
          },
          404: PROBLEM_SCHEMA,
        },
      },
    },
    async (request) => {
      const delivery = await findDelivery(app.pg, request.params.id);
      if (!delivery) throw new HttpProblem('DELIVERY_UNKNOWN', `No delivery ${request.params.id}.`);
      return delivery;
    },
  );

  app.post<{ Params: { id: string }; Body: { reason: string } }>(
    '/ops/deliveries/:id/replay',
    {
      config,
      schema: {
        summary: 'Send a failed or discarded delivery again (the retry schedule starts again)',
        params: idParams,
        body: reasonBody,
        response: {
          202: { type: 'object', properties: { id: { type: 'string' }, status: { const: 'pending' } } },
          404: PROBLEM_SCHEMA,
          409: PROBLEM_SCHEMA,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      // The audit line commits with the replay, or neither does.
      const replayed = await withTransaction(app.pg, async (db) => {
        const changed = await replayDeliveries(db, { ids: [id] });
        if (changed.length > 0) {
          await audit(db, {
            actor: request.actor.clientId,
            action: 'delivery.replay',
            target: id,
            reason: request.body.reason,
          });
        }
        return changed;
      });
      if (replayed.length === 0) {
        const delivery = await findDelivery(app.pg, id);
        if (!delivery) throw new HttpProblem('DELIVERY_UNKNOWN', `No delivery ${id}.`);
        throw new HttpProblem('DELIVERY_NOT_REPLAYABLE', `The delivery is ${delivery.status}.`);
      }
      await enqueue(replayed);
      return reply.code(202).send({ id, status: 'pending' });
    },
  );

  app.post<{ Body: { filter: DeliveryFilter; reason: string; dryRun?: boolean } }>(
    '/ops/deliveries/replay',
    {
      config,
      schema: {
        summary: 'Replay every failed or discarded delivery matching a filter',
        body: {
          type: 'object',
          required: ['filter', 'reason'],
          additionalProperties: false,
          properties: {
            filter: { type: 'object', additionalProperties: false, properties: replayFilterProperties },
            reason: { type: 'string', minLength: 1, maxLength: 1000 },
            dryRun: { type: 'boolean', default: false },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { matched: { type: 'integer' }, replayed: { type: 'integer' } },
          },
        },
      },
    },
    async (request) => {
      const { filter, reason, dryRun } = request.body;
      if (dryRun) return { matched: await countReplayable(app.pg, filter), replayed: 0 };
      // The audit line commits with the replay, or neither does.
      const replayed = await withTransaction(app.pg, async (db) => {
        const changed = await replayDeliveries(db, filter);
        await audit(db, {
          actor: request.actor.clientId,
          action: 'delivery.replay-bulk',
          reason,
          details: { filter, replayed: changed.length },
        });
        return changed;
      });
      await enqueue(replayed);
      return { matched: replayed.length, replayed: replayed.length };
    },
  );

  app.post<{ Params: { id: string }; Body: { reason: string } }>(
    '/ops/deliveries/:id/discard',
    {
      config,
      schema: {
        summary: 'Give up a pending or failed delivery',
        params: idParams,
        body: reasonBody,
        response: {
          200: { type: 'object', properties: { id: { type: 'string' }, status: { const: 'discarded' } } },
          404: PROBLEM_SCHEMA,
          409: PROBLEM_SCHEMA,
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const discarded = await withTransaction(app.pg, async (db) => {
        if (!(await discardDelivery(db, id))) return false;
        await audit(db, {
          actor: request.actor.clientId,
          action: 'delivery.discard',
          target: id,
          reason: request.body.reason,
        });
        return true;
      });
      if (!discarded) {
        const delivery = await findDelivery(app.pg, id);
        if (!delivery) throw new HttpProblem('DELIVERY_UNKNOWN', `No delivery ${id}.`);
        throw new HttpProblem(
          'DELIVERY_NOT_DISCARDABLE',
          `The delivery is ${delivery.status}: only a pending or failed one can be discarded.`,
        );
      }
      return { id, status: 'discarded' };
    },
  );
}
