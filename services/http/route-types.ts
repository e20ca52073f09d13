import type { Actor, Role } from '../core/actor.ts';

/** Who may call a route: client roles, and `admin` for the administrator's token. */
export type RouteRole = Role | 'admin';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated client (absent on public routes and for the administrator). */
    actor: Actor;
    /** The request carries the administrator's token. */
    isAdmin: boolean;
  }
  interface FastifyContextConfig {
    /** Roles allowed on the route. Absent: the route is public. */
    roles?: RouteRole[];
    /**
     * Not counted among the process's foreground requests (`plugins/foreground.ts`), which the RPLS
     * import gives way to: a long upload that gives way itself, or a long poll that mostly waits.
     */
    background?: boolean;
  }
}
