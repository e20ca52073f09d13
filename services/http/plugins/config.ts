import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config/config.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The hub's configuration, read and validated once at start-up. */
    config: Config;
  }
}

/** Decorates the app with its configuration. */
async function configPlugin(app: FastifyInstance, { config }: { config: Config }) {
  app.decorate('config', config);
}

export default fp(configPlugin, { name: 'sne-config' });
