import type { FastifyInstance } from 'fastify';
import { withTransaction } from '../../db/pool.ts';
import { isUniqueViolation } from '../../db/safe-error.ts';
import { databaseUnavailability } from '../../http/plugins/errors.ts';
import { HttpProblem } from '../../http/problem.ts';
import { isProblemCode } from '../../http/problem-codes.ts';
import { problemResponses } from '../../http/problem-schema.ts';
import { findMessageDetail } from '../../pipeline/ops/message-detail.ts';
import type { MessageFilter } from '../../pipeline/ops/message-filter.ts';
import { filterCondition, periodProblems } from '../../pipeline/ops/message-filter.ts';
import { countMessages, listMessages, sampleMessages, seqBounds } from '../../pipeline/ops/message-list.ts';
import {
  type BulkReplayStatus,
  discardMessage,
  OpsRefusal,
  replayChunk,
  replayMessage,
} from '../../pipeline/ops/message-replay.ts';
import { createReplayJob, findOpsJob, REPLAY_CHUNK } from '../../pipeline/ops/replay-job.ts';
import { REDIS_WAIT_MS, withTimeout } from '../../shared/with-timeout.ts';
import { audit } from '../audit.ts';
import {
  BULK_REPLAY_BODY,
  BULK_REPLAY_REPLY,
  DISCARD_BODY,
  LIST_QUERY,
  MESSAGE_DETAIL,
  MESSAGE_ID_PARAMS,
  MESSAGE_ITEM,
  OPS_JOB,
  REPLAY_BODY,
} from './ops-messages-schemas.ts';

/** How many messages a dry run shows of what a bulk replay would take. */
const SAMPLE_SIZE = 20;

interface ListQuery extends MessageFilter {
  limit: number;
  cursor?: string;
}

/**
 * Operators' work on inbound messages (interfaces.md §11): find them, inspect one (raw text,
 * canonical form, attempts, revisions, audit), replay one (with a corrected payload or not), replay
 * many by filter, give one up. Every action writes its audit line in the transaction of its effect.
 */
export default async function opsMessageRoutes(app: FastifyInstance) {
  const config = { roles: ['operator' as const] };

  /**
   * Adds apply jobs once their transaction has committed. Redis away, the request does not wait for
   * it (an add waits for Redis to come back): the reconciler queues the messages, accepted in PostgreSQL.
   */
  const enqueue = async (jobs: { jobId: string; messageIds: string[] }[]) => {
    if (jobs.length === 0) return;
    const jobsAdded = app.applyQueue.addBulk(
      jobs.map((j) => ({ name: 'apply', data: { messageIds: j.messageIds }, opts: { jobId: j.jobId } })),
    );
    await withTimeout(jobsAdded, REDIS_WAIT_MS, 'Redis').catch((error: Error) =>
      app.log.warn({ err: error.message }, 'replayed messages not queued yet'),
    );
  };

  const checkPeriods = (filter: MessageFilter, at: string) => {
    const problems = periodProblems(filter);
    if (problems.length > 0) {
      throw new HttpProblem('INVALID_PARAMETER', 'A period ends before it starts.', {
        errors: problems.map((p) => ({ ...p, path: `${at}${p.path}` })),
      });
    }
  };

  app.get<{ Querystring: ListQuery }>(
    '/ops/messages',
    {
      config,
      schema: {
        summary: 'Inbound messages, newest first, by status, system, type, client, error code and period',
        description:
          '`from`/`to` select on when the message last changed status (it failed, was applied, replayed, ' +
          'discarded): from inclusive, to exclusive. `receivedSince`/`receivedUntil` select on when the hub ' +
          'received it. Cursor-paginated: pass `next` as `cursor`; `next` is absent on the last page.',
        querystring: LIST_QUERY,
        response: {
          200: {
            type: 'object',
            required: ['items'],
            properties: { items: { type: 'array', items: MESSAGE_ITEM }, next: { type: 'string' } },
          },
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      checkPeriods(filter, '');
      return listMessages(app.pg, filter, { limit, ...(cursor ? { cursor } : {}) });
    },
  );

  app.get<{ Params: { messageId: string } }>(
    '/ops/messages/:messageId',
    {
      config,
      schema: {
        summary: 'One message: raw text as received, canonical form, attempts, revisions, audit lines',
        params: MESSAGE_ID_PARAMS,
        response: { 200: MESSAGE_DETAIL, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const detail = await findMessageDetail(app.pg, request.params.messageId);
      if (!detail) throw new HttpProblem('MESSAGE_UNKNOWN', `No message ${request.params.messageId}.`);
      return detail;
    },
  );

  app.post<{ Params: { messageId: string }; Body: { reason: string; payload?: string; force?: boolean } }>(
    '/ops/messages/:messageId/replay',
    {
      config,
      schema: {
        summary: 'Replay a failed or rejected message, as it is or corrected (a new revision)',
        description:
          'The message goes back to the queue in its place among the messages of its demande. With ' +
          '`payload` (for an XML contract the message element alone, as `raw` shows it; for a JSON ' +
          'contract the JSON body, as `raw` shows it) the correction is validated by the connector of the ' +
          'same system, version and type and applied instead; the original is kept. An `applied` message ' +
          'is replayed only with `force: true` and never applied twice: the worker finds its effect in the ' +
          'registry and records the attempt `already-applied` (it applies it only if the registry lost it). ' +
          '409 MESSAGE_NOT_REPLAYABLE for any other state; 409 REVISION_FORBIDDEN for a payload on an ' +
          'applied message; 400 CONTRACT_INVALID (with `errors`) or REVISION_MISMATCH for a bad payload.',
        params: MESSAGE_ID_PARAMS,
        body: REPLAY_BODY,
        response: {
          202: {
            type: 'object',
            required: ['messageId', 'status', 'revision'],
            properties: {
              messageId: { type: 'string', format: 'uuid' },
              status: { const: 'accepted' },
              revision: {
                type: 'integer',
                description: 'The revision that will be applied (0: as received).',
              },
            },
          },
          ...problemResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const { messageId } = request.params;
      const { reason, payload, force } = request.body;
      const replayed = await refusalsAsProblems(() =>
        withTransaction(app.pg, async (db) => {
          const queued = await replayMessage(db, app.revisers, {
            messageId,
            actor: request.actor.clientId,
            reason,
            ...(payload !== undefined ? { payload } : {}),
            ...(force ? { force } : {}),
          });
          await audit(db, {
            actor: request.actor.clientId,
            action: 'message.replay',
            target: messageId,
            reason,
            details: {
              previousStatus: queued.previousStatus,
              revision: queued.revision,
              ...(payload !== undefined ? { revised: true } : {}),
              ...(force ? { force: true } : {}),
            },
          });
          return queued;
        }),
      );
      await enqueue([replayed.job]);
      return reply.code(202).send({ messageId, status: 'accepted', revision: replayed.revision });
    },
  );

  app.post<{
    Body: {
      filter: Omit<MessageFilter, 'status'> & { status?: BulkReplayStatus };
      reason: string;
      dryRun?: boolean;
    };
  }>(
    '/ops/messages/replay',
    {
      config,
      schema: {
        summary: 'Replay every failed (or rejected) message matching a filter',
        description:
          'The filter’s `status` is `failed` (the default) or `rejected`. A rejected message is read again by ' +
          'its connector as it came, with its client’s rights of today (after a contract was fixed, or ' +
          'rights extended): those it now accepts are replayed, the others stay rejected and need a ' +
          'corrected payload, one by one; so do messages whose personal data the retention purge erased, and ' +
          'rejected ones whose id a live message holds (IDEMPOTENCY_CONFLICT). `replayed` can be less than ' +
          '`matched`. `dryRun: true` counts them and shows the first ones, changing nothing. Up to ' +
          'the background threshold (SNE_REPLAY_BACKGROUND_ABOVE, 10,000) they are replayed within the ' +
          'request (200), 500 per transaction with their audit lines: a request that fails midway leaves ' +
          'the chunks it committed replayed (a 503 says how many: `replayed`), and the same request again ' +
          'replays the rest. `replayed` may exceed `matched`: a message of the range that fails while the ' +
          'replay runs is replayed too. Above it a ' +
          'background job does it (202 with `jobId`; progress at GET /ops/jobs/{jobId}).',
        body: BULK_REPLAY_BODY,
        response: {
          200: BULK_REPLAY_REPLY,
          202: {
            type: 'object',
            required: ['jobId', 'matched'],
            properties: { jobId: { type: 'string', format: 'uuid' }, matched: { type: 'integer' } },
          },
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const { reason, dryRun } = request.body;
      const status: BulkReplayStatus = request.body.filter.status ?? 'failed';
      const filter: MessageFilter = { ...request.body.filter, status };
      checkPeriods(filter, '/filter');
      const actor = request.actor.clientId;
      // The bounds of `seq` the filter's times imply: what the count, the sample and the chunks read.
      const bounds = await seqBounds(app.pg, filter);
      if (dryRun) {
        const { count } = await countMessages(app.pg, filter, bounds);
        return {
          matched: count,
          replayed: 0,
          sample: await sampleMessages(app.pg, filter, bounds, SAMPLE_SIZE),
        };
      }
      const { count, maxSeq } = await countMessages(app.pg, filter, bounds);
      // Every message matching lies above `bounds.above`, when the times give one.
      const firstAfter = bounds.above ?? '0';
      if (count > app.config.replayBackgroundAbove) {
        const jobId = await withTransaction(app.pg, async (db) => {
          const id = await createReplayJob(db, {
            actor,
            reason,
            filter,
            matched: count,
            afterSeq: firstAfter,
            maxSeq,
          });
          await audit(db, {
            actor,
            action: 'message.replay-bulk',
            target: id,
            reason,
            details: { filter, matched: count, background: true },
          });
          return id;
        });
        // Redis away: the job's row says it is running, and the scheduler's reconciler adds it.
        await withTimeout(app.opsQueue.add('replay', { jobId }, { jobId }), REDIS_WAIT_MS, 'Redis').catch(
          (error: Error) => app.log.warn({ jobId, err: error.message }, 'bulk replay job not queued yet'),
        );
        return reply.code(202).send({ jobId, matched: count });
      }
      // Within the request, a transaction per chunk of REPLAY_CHUNK messages, as the background job
      // does: the advisory locks of 10,000 messages' ordering keys, held to one commit, would not fit
      // PostgreSQL's lock table (README: Horizontal scale). Each chunk's messages commit with their
      // audit lines; the last transaction, which finds none left, writes the request's own line.
      let afterSeq = firstAfter;
      let replayed = 0;
      try {
        for (;;) {
          const chunk = await withTransaction(app.pg, async (db) => {
            const done = await replayChunk(
              db,
              status,
              filterCondition(filter, 3),
              { afterSeq, maxSeq, limit: REPLAY_CHUNK },
              app.revisers,
            );
            await db.query(
              `INSERT INTO audit (actor, action, target, reason, details)
               SELECT $1, 'message.replay', id::text, $2, '{"bulk": true}'::jsonb FROM unnest($3::uuid[]) AS id`,
              [actor, reason, done.messageIds],
            );
            if (!done.lastSeq) {
              await audit(db, {
                actor,
                action: 'message.replay-bulk',
                reason,
                details: { filter, matched: count, replayed: replayed + done.messageIds.length },
              });
            }
            return done;
          });
          await enqueue(chunk.jobs);
          replayed += chunk.messageIds.length;
          if (!chunk.lastSeq) break;
          afterSeq = chunk.lastSeq;
        }
      } catch (error) {
        throw replayInterrupted(error, replayed);
      }
      return { matched: count, replayed };
    },
  );

  app.post<{ Params: { messageId: string }; Body: { reason: string } }>(
    '/ops/messages/:messageId/discard',
    {
      config,
      schema: {
        summary: 'Give up a message not done (accepted, processing, failed or rejected)',
        description:
          'It will not be applied, and the later messages of its demande no longer wait for it. ' +
          '409 MESSAGE_NOT_DISCARDABLE for an applied or already discarded message.',
        params: MESSAGE_ID_PARAMS,
        body: DISCARD_BODY,
        response: {
          200: {
            type: 'object',
            required: ['messageId', 'status'],
            properties: { messageId: { type: 'string', format: 'uuid' }, status: { const: 'discarded' } },
          },
          ...problemResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request) => {
      const { messageId } = request.params;
      await refusalsAsProblems(() =>
        withTransaction(app.pg, async (db) => {
          const previousStatus = await discardMessage(db, messageId);
          await audit(db, {
            actor: request.actor.clientId,
            action: 'message.discard',
            target: messageId,
            reason: request.body.reason,
            details: { previousStatus },
          });
        }),
      );
      return { messageId, status: 'discarded' };
    },
  );

  app.get<{ Params: { jobId: string } }>(
    '/ops/jobs/:jobId',
    {
      config,
      schema: {
        summary: 'A background job (bulk replay) and its progress',
        params: {
          type: 'object',
          required: ['jobId'],
          properties: { jobId: { type: 'string', format: 'uuid' } },
        },
        response: { 200: OPS_JOB, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const job = await findOpsJob(app.pg, request.params.jobId);
      if (!job) throw new HttpProblem('JOB_UNKNOWN', `No job ${request.params.jobId}.`);
      return job;
    },
  );
}

/** The pipeline's refusals as problems; a rejected message whose sender id is live again as 409. */
async function refusalsAsProblems<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof OpsRefusal) {
      // The pipeline names its refusals with codes of the registry; an unknown one is a 400 all the same.
      const code = isProblemCode(error.code) ? error.code : 'BAD_REQUEST';
      throw new HttpProblem(code, error.message, {
        ...(error.errors
          ? { errors: error.errors.map((e) => ({ path: e.path ?? '', message: e.message, code: e.code })) }
          : {}),
      });
    }
    if (isUniqueViolation(error)) {
      throw new HttpProblem(
        'IDEMPOTENCY_CONFLICT',
        'Another live message of this client carries the same id: this one cannot be accepted again.',
      );
    }
    throw error;
  }
}

/**
 * A bulk replay within the request that failed after some of its chunks committed: those messages
 * are replayed (each with its audit line), the others not yet. When a retry may cure the failure
 * (the database away or short of a resource), the 503 says how many were replayed (`replayed`), and
 * that the same request again replays the rest; any other error is left as it is.
 */
function replayInterrupted(error: unknown, replayed: number): unknown {
  const why = databaseUnavailability(error);
  if (!why || replayed === 0) return error;
  return new HttpProblem(
    'SERVICE_UNAVAILABLE',
    `${why} ${replayed} messages were replayed before it, in transactions of their own; the same request again replays the rest.`,
    { extra: { replayed } },
  );
}
