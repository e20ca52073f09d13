import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ParcImports } from '../../pipeline/parc-import.ts';
import { PgParcImports } from '../../pipeline/parc-import-pg.ts';
import { createRplsQueue } from '../../pipeline/queues.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** RPLS imports: files staged while they stream, merged into the parc by a job. */
    parcImports: ParcImports;
  }
}

/** RPLS imports, with the queue of their merge jobs, which this plugin opens and closes. */
async function parcImportsPlugin(app: FastifyInstance) {
  // The queue shares the process's Redis connection; only the API adds merge jobs to it.
  const rplsQueue = createRplsQueue({ connection: app.redis, prefix: app.config.queuePrefix });
  rplsQueue.on('error', () => {});
  app.addHook('onClose', () => rplsQueue.close());
  app.decorate(
    'parcImports',
    new PgParcImports(app.pg, rplsQueue, { maxRejected: app.config.rplsMaxRejected }, app.log),
  );
}

export default fp(parcImportsPlugin, {
  name: 'sne-parc-imports',
  dependencies: ['sne-config', 'sne-connections'],
});
