import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Actor, Role } from '../core/actor.ts';
import type { Intake } from '../pipeline/inbound.ts';
import type { ApplyJobData } from '../pipeline/queues.ts';
import type { Config } from './config.ts';

/** Who may call a route: client roles, and `admin` for the administrator's token. */
export type RouteRole = Role | 'admin';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    pg: pg.Pool;
    applyQueue: Queue<ApplyJobData>;
    redis: Redis;
    intake: Intake;
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
