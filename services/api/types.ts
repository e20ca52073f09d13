import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Actor, Role } from '../core/actor.ts';
import type { ParcReader } from '../core/parc.ts';
import type { PieceStore } from '../core/pieces.ts';
import type { PriorityQueries } from '../core/priority-queries.ts';
import type { SuiviReader } from '../core/suivi.ts';
import type { Intake } from '../pipeline/inbound.ts';
import type { ParcImports } from '../pipeline/parc-import.ts';
import type { ApplyJobData, WebhookJobData } from '../pipeline/queues.ts';
import type { Config } from './config.ts';

/** Who may call a route: client roles, and `admin` for the administrator's token. */
export type RouteRole = Role | 'admin';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    pg: pg.Pool;
    applyQueue: Queue<ApplyJobData>;
    webhookQueue: Queue<WebhookJobData>;
    redis: Redis;
    intake: Intake;
    /** The dossier unique: pièces of the demandes (portail uploads, guichets' downloads), audited. */
    pieces: PieceStore;
    /** The demandes as their demandeurs follow them on the portail. */
    suivi: SuiviReader;
    /** Reads of the DALO and contingent connectors. */
    priorityQueries: PriorityQueries;
    /** RPLS imports: files staged while they stream, merged into the parc by a job. */
    parcImports: ParcImports;
    /** The parc of logements (RPLS). */
    parc: ParcReader;
  }
  interface FastifyRequest {
    /** The authenticated client (absent on public routes and for the administrator). */
    actor: Actor;
    isAdmin: boolean;
  }
  interface FastifyContextConfig {
    /** Roles allowed on the route. Absent: the route is public. */
    roles?: RouteRole[];
  }
}
