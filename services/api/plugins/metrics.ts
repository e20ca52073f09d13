import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Registry } from 'prom-client';
import { REDIS_WAIT_MS, withTimeout } from '../../shared/with-timeout.ts';
import { readCounts, readLatency, readSweepRuns } from '../metrics/counters-pg.ts';

/** BullMQ job states reported per queue. */
const JOB_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'paused',
  'failed',
  'completed',
] as const;

/**
 * `GET /metrics` (interfaces.md §1), Prometheus text through prom-client, for the operator role:
 * the figures tell each system's activity, so they are not public; Prometheus scrapes with
 * `authorization: { type: Bearer, credentials: <operator token> }`.
 *
 * Cheap at scale: nothing counts a big table. Queue depths are Redis counters (`getJobCounts`);
 * messages and deliveries by status, and the apply latency, are counters kept by triggers
 * (migration 007) and folded at each scrape; sweeps read their last audit line; HTTP requests are
 * counted in this process (each API process exposes its own, as Prometheus expects).
 */
async function metricsPlugin(app: FastifyInstance) {
  const registry = new Registry();
  const http = new Counter({
    name: 'sne_http_requests_total',
    help: 'HTTP requests answered, by method, route (its pattern) and status code.',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const queueJobs = new Gauge({
    name: 'sne_queue_jobs',
    help: 'Jobs in each BullMQ queue, by state.',
    labelNames: ['queue', 'state'],
    registers: [registry],
  });
  const queuesAnswered = new Gauge({
    name: 'sne_queues_answered',
    help: "1 when Redis gave the queues' counts for this scrape (within a second), else 0: sne_queue_jobs is then absent.",
    registers: [registry],
  });
  const messages = new Gauge({
    name: 'sne_messages',
    help: 'Inbound messages by system and status.',
    labelNames: ['system', 'status'],
    registers: [registry],
  });
  const deliveries = new Gauge({
    name: 'sne_deliveries',
    help: 'Webhook deliveries by status.',
    labelNames: ['status'],
    registers: [registry],
  });
  const sweepResults = new Gauge({
    name: 'sne_sweep_last_result',
    help: 'What the last finished run of each sweep did (preavis, radiees, purgees).',
    labelNames: ['sweep', 'result'],
    registers: [registry],
  });
  const sweepStarted = new Gauge({
    name: 'sne_sweep_last_run_timestamp_seconds',
    help: 'When the last finished run of each sweep started (Unix seconds).',
    labelNames: ['sweep'],
    registers: [registry],
  });

  // The pattern, not the URL: one series per route, whatever the ids in paths.
  app.addHook('onResponse', async (request, reply) => {
    http.inc({
      method: request.method,
      route: request.routeOptions.url ?? 'no-route',
      status: reply.statusCode,
    });
  });

  /**
   * Each queue's jobs by state, or `undefined` when Redis does not answer within REDIS_WAIT_MS: a
   * command waits for Redis to come back, and the figures PostgreSQL holds must not wait with it.
   */
  const queueCounts = () =>
    withTimeout(
      Promise.all(
        app.hubQueues.map(async (queue) => [queue.name, await queue.getJobCounts(...JOB_STATES)] as const),
      ),
      REDIS_WAIT_MS,
      'Redis',
    ).catch((error: Error) => {
      app.log.warn({ err: error.message }, 'queue depths not read');
      return undefined;
    });

  /** Reads every figure once per scrape, then prom-client writes the text. */
  const scrape = async (): Promise<string> => {
    const [counts, delivered, latency, sweeps, queues] = await Promise.all([
      readCounts(app.pg, 'messages'),
      readCounts(app.pg, 'deliveries'),
      readLatency(app.pg),
      readSweepRuns(app.pg),
      queueCounts(),
    ]);
    queueJobs.reset();
    queuesAnswered.set(queues ? 1 : 0);
    for (const [queue, byState] of queues ?? []) {
      for (const state of JOB_STATES) queueJobs.set({ queue, state }, byState[state] ?? 0);
    }
    messages.reset();
    for (const { labels, n } of counts) messages.set({ system: labels[0], status: labels[1] }, n);
    deliveries.reset();
    for (const { labels, n } of delivered) deliveries.set({ status: labels[0] }, n);
    for (const run of sweeps) {
      for (const [result, n] of Object.entries(run.results))
        sweepResults.set({ sweep: run.sweep, result }, n);
      sweepStarted.set({ sweep: run.sweep }, Math.floor(run.startedAt.getTime() / 1000));
    }
    // prom-client cannot load a histogram from stored buckets: its text is written here, same format.
    const name = 'sne_apply_latency_seconds';
    const histogram = [
      `# HELP ${name} Time from a message's acceptance (the 202) to its applied or failed status.`,
      `# TYPE ${name} histogram`,
      ...latency.buckets.map((b) => `${name}_bucket{le="${b.le}"} ${b.count}`),
      `${name}_sum ${latency.sum}`,
      `${name}_count ${latency.count}`,
    ].join('\n');
    return `${await registry.metrics()}\n${histogram}\n`;
  };

  app.get(
    '/metrics',
    {
      config: { roles: ['operator'] },
      schema: {
        summary: 'Prometheus metrics: queues, messages, deliveries, apply latency, sweeps, HTTP requests',
        produces: ['text/plain'],
        response: { 200: { type: 'string', description: 'Prometheus text exposition format 0.0.4.' } },
      },
    },
    async (_request, reply) => {
      reply.type(registry.contentType);
      return scrape();
    },
  );
}

export default fp(metricsPlugin, {
  name: 'sne-metrics',
  dependencies: ['sne-config', 'sne-connections', 'sne-hub-queues'],
});
