import type { FastifyInstance } from 'fastify';
import { BIGINT_CURSOR_PATTERN } from '../../http/pagination.ts';
import { embeddable, eventContracts } from '../../pipeline/event-contracts.ts';
import { EventNotifier } from '../../pipeline/event-notifier.ts';
import { formatSequence, readEvents } from '../../pipeline/events.ts';

interface FeedQuery {
  after?: string;
  limit: number;
  wait: number;
}

/**
 * The pull feed of events (interfaces.md §9): oldest first after the client's cursor, in its
 * role's scope; with `wait`, an empty answer is held until something is committed or the wait ends.
 */
export default async function feedRoutes(app: FastifyInstance) {
  // One LISTEN connection per process, opened by the first long-poll.
  let notifier: EventNotifier | undefined;
  app.addHook('onClose', async () => {
    await notifier?.close();
  });

  app.get<{ Querystring: FeedQuery }>(
    '/feeds/events',
    {
      config: { roles: ['guichet', 'bailleur', 'dalo', 'contingent', 'pgp', 'operator'] },
      schema: {
        summary: 'Events in the caller’s scope after a cursor (at least once: keep your cursor)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            after: {
              type: 'string',
              pattern: BIGINT_CURSOR_PATTERN,
              description: 'The `next` of the previous page (absent: from the start of the log).',
            },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            wait: {
              type: 'integer',
              minimum: 0,
              maximum: 30,
              default: 0,
              description: 'Seconds to hold the request when nothing is new (long polling).',
            },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['events', 'next'],
            properties: {
              events: { type: 'array', items: embeddable(eventContracts().envelope, '') },
              next: { type: 'string', description: 'The cursor to send as `after` next time.' },
            },
          },
        },
      },
    },
    async (request) => {
      const { limit, wait } = request.query;
      const after = request.query.after ?? '0';
      const deadline = Date.now() + wait * 1000;
      for (;;) {
        const events = await readEvents(app.pg, request.actor, after, limit);
        const remaining = deadline - Date.now();
        if (events.length > 0 || remaining <= 0 || request.raw.destroyed) {
          return { events, next: events.at(-1)?.sequence ?? formatSequence(after) };
        }
        if (!notifier) {
          notifier = new EventNotifier(app.config.databaseUrl, app.log);
          notifier.start();
        }
        await notifier.wait(remaining);
      }
    },
  );
}
