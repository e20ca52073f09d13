import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { PgParcReader } from '../../core/parc-pg.ts';
import { PgPieceStore } from '../../core/pieces-pg.ts';
import { PgPriorityQueries } from '../../core/priority-queries-pg.ts';
import { PgSuiviReader } from '../../core/suivi-pg.ts';
import type { Infrastructure } from '../../pipeline/infrastructure.ts';
import { PgIntake } from '../../pipeline/intake.ts';
import { PgParcImports } from '../../pipeline/parc-import-pg.ts';
import { createRplsQueue } from '../../pipeline/queues.ts';
import type { Config } from '../config.ts';

export interface InfrastructureOptions {
  config: Config;
  infrastructure: Infrastructure;
}

/** Config, the PostgreSQL pool, the apply queue and the intake, as decorators. Their owner closes them. */
async function infrastructurePlugin(app: FastifyInstance, { config, infrastructure }: InfrastructureOptions) {
  app.decorate('config', config);
  app.decorate('pg', infrastructure.pool);
  app.decorate('applyQueue', infrastructure.applyQueue);
  app.decorate('webhookQueue', infrastructure.webhookQueue);
  app.decorate('redis', infrastructure.redis);
  app.decorate('intake', new PgIntake(infrastructure.pool, infrastructure.applyQueue, app.log));
  app.decorate('pieces', new PgPieceStore(infrastructure.pool));
  app.decorate('suivi', new PgSuiviReader(infrastructure.pool));
  app.decorate('priorityQueries', new PgPriorityQueries(infrastructure.pool));
  // The RPLS queue shares the infrastructure's Redis connection; only the API adds merge jobs to it.
  const rplsQueue = createRplsQueue({ connection: infrastructure.redis, prefix: config.queuePrefix });
  rplsQueue.on('error', () => {});
  app.addHook('onClose', () => rplsQueue.close());
  app.decorate(
    'parcImports',
    new PgParcImports(infrastructure.pool, rplsQueue, { maxRejected: config.rplsMaxRejected }, app.log),
  );
  app.decorate('parc', new PgParcReader(infrastructure.pool));
}

export default fp(infrastructurePlugin, { name: 'sne-infrastructure' });
