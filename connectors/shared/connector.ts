import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { MessageReviser } from '../../services/pipeline/ops/revisers.ts';
import { type ContractDeprecation, deprecationHeaders } from './deprecation.ts';
import { registerReviser } from './revisers.ts';

/** Limits the hub hands every connector, from its configuration. */
export interface ConnectorOptions {
  /** Largest XML lot, bytes (larger → 413). Default 10 MiB. */
  maxLotBytes?: number;
  /** Most messages in one XML lot (more → 413). Default 1000. */
  maxLotMessages?: number;
  /** Threads that decode XML lots beside the event loop; 0: on it, in slices. Default 1. */
  lotDecodeThreads?: number;
}

/**
 * One contract version a connector serves. Each `<system>/v<N>/version.ts` exports one; the
 * version's transport, mapper and routes live beside it in that folder.
 */
export interface ConnectorVersion {
  /** The version as it appears in paths and in stored messages (`v1`). */
  name: string;
  /** Present once a successor exists: every reply of the version's routes then says so. */
  deprecation?: ContractDeprecation;
  /** Registers the version's routes, under `/connectors/<system>/<name>/`. */
  routes(app: FastifyInstance, options: ConnectorOptions): Promise<void>;
}

/**
 * An external system's connector, exported by `<system>/index.ts`: adding a system is adding its
 * folder and one line in the hub's list (`services/api/app.ts`); adding a version is adding a
 * `v<N>/` folder and one line in `versions`.
 */
export interface Connector {
  /** The system's name, as in paths and stored messages (`spt`). */
  system: string;
  /** The versions served, newest first. */
  versions: readonly ConnectorVersion[];
  /** Body parsers and routes that every version shares, set once on the connector's own scope. */
  setup?(app: FastifyInstance, options: ConnectorOptions): Promise<void> | void;
  /**
   * Reads an operator's corrected payload of a stored message (a replay with `payload`) through the
   * same contract version as a request's: without it, the system's messages cannot be corrected.
   */
  reviser?: MessageReviser;
}

/**
 * Serves a connector as a Fastify plugin. Register it encapsulated (`app.register(plugin, options)`):
 * its body parsers then apply to its own routes only. A deprecated version's replies, errors
 * included, carry the `Deprecation`, `Sunset` and `Link` headers.
 */
export function connectorPlugin(connector: Connector): FastifyPluginAsync<ConnectorOptions> {
  return async (app, options) => {
    await connector.setup?.(app, options);
    if (connector.reviser) registerReviser(app, connector.system, connector.reviser);
    for (const version of connector.versions) {
      await app.register(async (scope) => {
        const { deprecation } = version;
        if (deprecation) {
          const headers = deprecationHeaders(deprecation);
          // onSend runs for every reply of the scope's routes, problems included (401, 413, 415...).
          scope.addHook('onSend', async (_request, reply, payload) => {
            reply.headers(headers);
            return payload;
          });
        }
        await version.routes(scope, options);
      });
    }
  };
}
