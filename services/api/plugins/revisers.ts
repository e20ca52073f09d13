import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Revisers } from '../../pipeline/ops/revisers.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Each connector's decode/validate/map path for one message: operators' replays with a corrected payload. */
    revisers: Revisers;
  }
}

/** The registry the connectors fill when they are registered (`registerReviser`), read by the operators' routes. */
async function revisersPlugin(app: FastifyInstance) {
  app.decorate('revisers', new Revisers());
}

export default fp(revisersPlugin, { name: 'sne-revisers' });
