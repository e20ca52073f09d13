import type { FastifyBaseLogger } from 'fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { contingent } from '../../connectors/contingent/index.ts';
import { dalo } from '../../connectors/dalo/index.ts';
import { pgp } from '../../connectors/pgp/index.ts';
import { rpls } from '../../connectors/rpls/index.ts';
import { connectorPlugin } from '../../connectors/shared/connector.ts';
import { spt } from '../../connectors/spt/index.ts';
import type { Config } from '../config/config.ts';
import { EDGE_SERVER_OPTIONS } from '../http/edge-options.ts';
import configPlugin from '../http/plugins/config.ts';
import connectionsPlugin from '../http/plugins/connections.ts';
import errorsPlugin from '../http/plugins/errors.ts';
import foregroundPlugin from '../http/plugins/foreground.ts';
import inputGuardPlugin from '../http/plugins/input-guard.ts';
import jsonBodiesPlugin from '../http/plugins/json-bodies.ts';
import parcImportsPlugin from '../http/plugins/parc-imports.ts';
import registryPlugin from '../http/plugins/registry.ts';
import type { Infrastructure } from '../pipeline/infrastructure.ts';
import { Revisers } from '../pipeline/ops/revisers.ts';
import authPlugin from './plugins/auth.ts';
import docsPlugin from './plugins/docs.ts';
import hubQueuesPlugin from './plugins/hub-queues.ts';
import metricsPlugin from './plugins/metrics.ts';
import queuesDashboard from './plugins/queues-dashboard.ts';
import rateLimitPlugin from './plugins/rate-limit.ts';
import revisersPlugin from './plugins/revisers.ts';
import adminRoutes from './routes/admin.ts';
import feedRoutes from './routes/feeds.ts';
import healthRoutes from './routes/health.ts';
import infocentreRoutes from './routes/infocentre.ts';
import infocentreRapportRoutes from './routes/infocentre-rapports.ts';
import messageRoutes from './routes/messages.ts';
import opsAuditRoutes from './routes/ops-audit.ts';
import opsConsoleRoutes from './routes/ops-console.ts';
import opsDeliveryRoutes from './routes/ops-deliveries.ts';
import opsMessageRoutes from './routes/ops-messages.ts';
import opsMessagesSummaryRoutes from './routes/ops-messages-summary.ts';
import opsSweepRoutes from './routes/ops-sweeps.ts';
import parcRoutes from './routes/parc.ts';
import pieceRoutes from './routes/pieces.ts';
import publicRoutes from './routes/public.ts';
import sneRoutes from './routes/sne.ts';

export interface BuildAppOptions {
  config: Config;
  infrastructure: Infrastructure;
  logger: FastifyBaseLogger;
}

/**
 * The connectors the hub serves: adding a system is adding its folder and one line here.
 * Each registers its own routes under `/connectors/<system>/`.
 */
const CONNECTORS = [spt, pgp, dalo, contingent, rpls];

/**
 * Every connector's reviser, for the processes that revise stored messages without serving HTTP:
 * the worker role's background bulk replays of rejected messages.
 */
export function connectorRevisers(): Revisers {
  const revisers = new Revisers();
  for (const { system, reviser } of CONNECTORS) if (reviser) revisers.register(system, reviser);
  return revisers;
}

/** Builds the HTTP app; the caller listens (or injects, in tests) and closes the infrastructure. */
export async function buildApp({
  config,
  infrastructure,
  logger,
}: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: config.jsonMaxBytes,
    // Behind a proxy the client's address is in X-Forwarded-For; never trusted by default.
    trustProxy: false,
    ...EDGE_SERVER_OPTIONS,
  });
  // Fastify reads text/plain bodies as strings by default, so a JSON route answered a body of the
  // wrong media type with 400 "must be object". No route reads plain text (RPLS's CSV has a parser
  // of its own): without one, any such body is 415 UNSUPPORTED_MEDIA_TYPE, before its route runs.
  // Removed before any plugin registers, so that every scope inherits the removal.
  app.removeContentTypeParser('text/plain');
  await app.register(configPlugin, { config });
  await app.register(connectionsPlugin, { infrastructure });
  await app.register(registryPlugin);
  await app.register(parcImportsPlugin);
  await app.register(errorsPlugin, {
    contractVersions: Object.fromEntries(CONNECTORS.map((c) => [c.system, c.versions.map((v) => v.name)])),
  });
  await app.register(foregroundPlugin);
  await app.register(inputGuardPlugin);
  await app.register(jsonBodiesPlugin);
  await app.register(authPlugin);
  await app.register(rateLimitPlugin);
  await app.register(docsPlugin);
  await app.register(hubQueuesPlugin);
  await app.register(metricsPlugin);
  await app.register(revisersPlugin);
  await app.register(healthRoutes);
  await app.register(adminRoutes);
  await app.register(messageRoutes);
  await app.register(sneRoutes);
  await app.register(opsSweepRoutes);
  await app.register(queuesDashboard);
  await app.register(opsDeliveryRoutes);
  await app.register(opsMessageRoutes);
  await app.register(opsAuditRoutes);
  await app.register(opsMessagesSummaryRoutes);
  await app.register(opsConsoleRoutes);
  await app.register(pieceRoutes);
  await app.register(feedRoutes);
  await app.register(parcRoutes);
  await app.register(infocentreRoutes);
  await app.register(infocentreRapportRoutes);
  await app.register(publicRoutes);
  for (const connector of CONNECTORS) {
    await app.register(connectorPlugin(connector), {
      maxLotBytes: config.lotMaxBytes,
      maxLotMessages: config.lotMaxMessages,
      lotDecodeThreads: config.lotDecodeThreads,
    });
  }
  return app;
}
