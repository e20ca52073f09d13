import type { FastifyBaseLogger } from 'fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { contingentConnector } from '../../connectors/contingent/index.ts';
import { daloConnector } from '../../connectors/dalo/index.ts';
import { pgpConnector } from '../../connectors/pgp/index.ts';
import { rplsConnector } from '../../connectors/rpls/index.ts';
import { sptConnector } from '../../connectors/spt/index.ts';
import type { Infrastructure } from '../pipeline/infrastructure.ts';
import type { Config } from './config.ts';
import authPlugin from './plugins/auth.ts';
import docsPlugin from './plugins/docs.ts';
import errorsPlugin from './plugins/errors.ts';
import infrastructurePlugin from './plugins/infrastructure.ts';
import adminRoutes from './routes/admin.ts';
import feedRoutes from './routes/feeds.ts';
import healthRoutes from './routes/health.ts';
import infocentreRoutes from './routes/infocentre.ts';
import infocentreRapportRoutes from './routes/infocentre-rapports.ts';
import messageRoutes from './routes/messages.ts';
import opsRoutes from './routes/ops.ts';
import opsDeliveryRoutes from './routes/ops-deliveries.ts';
import parcRoutes from './routes/parc.ts';
import pieceRoutes from './routes/pieces.ts';
import publicRoutes from './routes/public.ts';
import sneRoutes from './routes/sne.ts';
import './types.ts';

export interface BuildAppOptions {
  config: Config;
  infrastructure: Infrastructure;
  logger: FastifyBaseLogger;
}

/**
 * The connectors the hub serves: adding a system is adding its folder and one line here.
 * Each registers its own routes under `/connectors/<system>/`.
 */
const CONNECTORS = [sptConnector, pgpConnector, daloConnector, contingentConnector, rplsConnector];

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
  });
  await app.register(infrastructurePlugin, { config, infrastructure });
  await app.register(errorsPlugin);
  await app.register(authPlugin);
  await app.register(docsPlugin);
  await app.register(healthRoutes);
  await app.register(adminRoutes);
  await app.register(messageRoutes);
  await app.register(sneRoutes);
  await app.register(opsRoutes);
  await app.register(opsDeliveryRoutes);
  await app.register(pieceRoutes);
  await app.register(feedRoutes);
  await app.register(parcRoutes);
  await app.register(infocentreRoutes);
  await app.register(infocentreRapportRoutes);
  await app.register(publicRoutes);
  for (const connector of CONNECTORS) {
    await app.register(connector, { maxLotBytes: config.lotMaxBytes, maxLotMessages: config.lotMaxMessages });
  }
  return app;
}
