import type { FastifyInstance } from 'fastify';
import { BIGINT_CURSOR_PATTERN } from '../../http/pagination.ts';
import { HttpProblem } from '../../http/problem.ts';
import { embeddable, eventContracts } from '../../pipeline/event-contracts.ts';
import { EventNotifier } from '../../pipeline/event-notifier.ts';
import { readFeed, summaryInScope } from '../../pipeline/events.ts';

interface FeedQuery {
  after?: string;
  limit: number;
  wait: number;
}

/**
 * The pull feed of events (interfaces.md §9): oldest first after the client's cursor, in its
 * role's scope; `next` moves over what the client cannot see (readFeed). With `wait`, an empty
 * answer is held until something of the client's scope is committed (the notification's summary
 * says so) or the wait ends.
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
      // A long poll waits up to 30 s: counted as foreground, 50 of them would hold every RPLS import 10 ms a batch.
      config: { roles: ['guichet', 'bailleur', 'dalo', 'contingent', 'pgp', 'operator'], background: true },
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
              next: {
                type: 'string',
                description:
                  'The cursor to send as `after` next time. After a full page (`limit` events), the last event’s ' +
                  '`sequence`; after a shorter one, the head of the log when it was read, past the events ' +
                  'outside your scope, so the next poll starts there (never beyond what is committed: no ' +
                  'event of your scope is ever skipped). Keep it: delivery is at least once.',
              },
            },
          },
        },
      },
    },
    async (request) => {
      const { limit, wait } = request.query;
      const actor = request.actor;
      let after = request.query.after ?? '0';
      const deadline = Date.now() + wait * 1000;
      if (wait > 0 && !notifier) {
        notifier = new EventNotifier(app.config.databaseUrl, app.log);
        notifier.start();
      }
      // Watched before the first read: a commit between a read and the wait is not missed.
      const watch = wait > 0 ? notifier?.watch((summary) => summaryInScope(actor, summary)) : undefined;
      try {
        for (;;) {
          const page = await readFeed(app.pg, actor, after, limit);
          const remaining = deadline - Date.now();
          if (!watch || page.events.length > 0 || remaining <= 0) return page;
          if (request.raw.destroyed || watch.closed()) return page;
          after = page.next;
          await watch.wait(remaining);
          // Revoked or rotated while it waited: it hears no more (revocation works at once).
          if (!request.tokenHash || !(await app.actors.actorOf(app.pg, request.tokenHash))) {
            throw new HttpProblem('UNAUTHENTICATED', 'The token was revoked while the request waited.');
          }
        }
      } finally {
        watch?.stop();
      }
    },
  );
}
