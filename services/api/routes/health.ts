import type { FastifyInstance } from 'fastify';
import { migrationsApplied } from '../../db/migrate.ts';
import { withTimeout } from '../../shared/with-timeout.ts';

/** Liveness and readiness probes (no authentication). */
export default async function healthRoutes(app: FastifyInstance) {
  app.get(
    '/health/live',
    {
      schema: {
        summary: 'Liveness: the process answers',
        response: {
          200: { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } },
        },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get('/health/ready', { schema: READY_SCHEMA }, async (_request, reply) => {
    const checks = {
      postgres: await probe(async () => {
        await app.pg.query('SELECT 1');
      }),
      migrations: await probe(async () => {
        if (!(await migrationsApplied(app.pg))) throw new Error('pending migrations');
      }),
      redis: await probe(async () => {
        await app.redis.ping();
      }),
    };
    const ready = Object.values(checks).every((c) => c === 'ok');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', checks });
  });
}

const READY_REPLY = {
  type: 'object',
  required: ['status', 'checks'],
  properties: {
    status: { enum: ['ready', 'not-ready'] },
    checks: {
      type: 'object',
      required: ['postgres', 'migrations', 'redis'],
      description: 'Each check: "ok", or what went wrong.',
      properties: {
        postgres: { type: 'string' },
        migrations: { type: 'string' },
        redis: { type: 'string' },
      },
    },
  },
} as const;

const READY_SCHEMA = {
  summary: 'Readiness: PostgreSQL and Redis reachable, migrations applied',
  response: {
    200: { ...READY_REPLY, description: 'Ready to serve.' },
    503: { ...READY_REPLY, description: 'Not ready: the checks say why.' },
  },
} as const;

async function probe(check: () => Promise<void>): Promise<string> {
  try {
    await withTimeout(check(), 3000);
    return 'ok';
  } catch (error) {
    return (error as Error).message || 'failed';
  }
}
