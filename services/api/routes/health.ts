import type { FastifyInstance } from 'fastify';
import { migrationsApplied } from '../../db/migrate.ts';
import { withTimeout } from '../../shared/with-timeout.ts';

/** Liveness and readiness probes (no authentication). */
export default async function healthRoutes(app: FastifyInstance) {
  app.get('/health/live', async () => ({ status: 'ok' }));

  app.get('/health/ready', async (_request, reply) => {
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

async function probe(check: () => Promise<void>): Promise<string> {
  try {
    await withTimeout(check(), 3000);
    return 'ok';
  } catch (error) {
    return (error as Error).message || 'failed';
  }
}
