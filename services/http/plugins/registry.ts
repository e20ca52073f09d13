import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ParcReader } from '../../core/parc.ts';
import type { PieceStore } from '../../core/pieces.ts';
import type { PriorityQueries } from '../../core/priority-queries.ts';
import { PgParcReader } from '../../core/store/parc-pg.ts';
import { PgPieceStore } from '../../core/store/pieces-pg.ts';
import { PgPriorityQueries } from '../../core/store/priority-queries-pg.ts';
import { PgSuiviReader } from '../../core/store/suivi-pg.ts';
import type { SuiviReader } from '../../core/suivi.ts';
import type { Intake } from '../../pipeline/inbound.ts';
import { PgIntake } from '../../pipeline/intake.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Stores inbound messages durably and queues them (the 202). */
    intake: Intake;
    /** The dossier unique: pièces of the demandes (portail uploads, guichets' downloads), audited. */
    pieces: PieceStore;
    /** The demandes as their demandeurs follow them on the portail. */
    suivi: SuiviReader;
    /** Reads of the DALO and contingent connectors. */
    priorityQueries: PriorityQueries;
    /** The parc of logements (RPLS). */
    parc: ParcReader;
  }
}

/** The registry's services that routes and connectors call, over the process's pool and apply queue. */
async function registryPlugin(app: FastifyInstance) {
  const intake = new PgIntake(app.pg, app.applyQueue, app.log);
  app.decorate('intake', intake);
  // Messages held for the next apply job are queued before the connections close.
  app.addHook('onClose', () => intake.close());
  app.decorate('pieces', new PgPieceStore(app.pg));
  app.decorate('suivi', new PgSuiviReader(app.pg));
  app.decorate('priorityQueries', new PgPriorityQueries(app.pg));
  app.decorate('parc', new PgParcReader(app.pg));
}

export default fp(registryPlugin, { name: 'sne-registry', dependencies: ['sne-connections'] });
