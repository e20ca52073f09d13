import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { applicationName, createPool } from '../../db/pool.ts';
import type { ParcImports } from '../../pipeline/parc-import.ts';
import { PgParcImports } from '../../pipeline/parc-import-pg.ts';
import { createRplsQueue } from '../../pipeline/queues.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** RPLS imports: files staged while they stream, merged into the parc by a job. */
    parcImports: ParcImports;
  }
}

/**
 * RPLS imports, with the queue of their merge jobs and the uploads' own PostgreSQL pool, which this
 * plugin opens and closes.
 */
async function parcImportsPlugin(app: FastifyInstance) {
  // The queue shares the process's Redis connection; only the API adds merge jobs to it.
  const rplsQueue = createRplsQueue({ connection: app.redis, prefix: app.config.queuePrefix });
  rplsQueue.on('error', () => {});
  app.addHook('onClose', () => rplsQueue.close());
  // An upload holds a connection while its file streams (minutes for a national file): from a pool
  // of its own (SNE_RPLS_IMPORT_CONNECTIONS), so that the 202s of other routes never wait behind it.
  const uploads = createPool({
    connectionString: app.config.databaseUrl,
    max: app.config.rplsImportConnections,
    applicationName: applicationName('rpls-upload'),
    // While a file streams its connection is in COPY, not idle: only a stalled finish is ended.
    idleInTransactionMs: app.config.pgIdleInTransactionMs,
  });
  app.addHook('onClose', () => uploads.end());
  app.decorate(
    'parcImports',
    new PgParcImports(app.pg, uploads, rplsQueue, { maxRejected: app.config.rplsMaxRejected }, app.log),
  );
}

export default fp(parcImportsPlugin, {
  name: 'sne-parc-imports',
  dependencies: ['sne-config', 'sne-connections'],
});
