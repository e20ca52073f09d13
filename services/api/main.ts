import type { FastifyInstance } from 'fastify';
import { ConfigError, loadConfig } from '../config/config.ts';
import { createLogger } from '../config/logger.ts';
import { createInfrastructure, prepareDatabase } from '../pipeline/infrastructure.ts';
import { type Stoppable, startScheduler, startWorkers } from '../pipeline/workers.ts';
import { buildApp, connectorRevisers } from './app.ts';

/**
 * The hub's entry: runs the roles named by SNE_ROLES (default api, worker and scheduler in one
 * process), and drains them on SIGTERM/SIGINT.
 */
async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  await prepareDatabase(config, log);
  const infrastructure = createInfrastructure(config);
  const running: Stoppable[] = [];
  let app: FastifyInstance | undefined;

  if (config.roles.includes('worker')) {
    running.push(startWorkers(config, infrastructure, log, connectorRevisers()));
  }
  if (config.roles.includes('scheduler')) running.push(startScheduler(config, infrastructure, log));
  if (config.roles.includes('api')) {
    app = await buildApp({ config, infrastructure, logger: log });
    await app.listen({ port: config.port, host: config.host });
  }
  log.info({ roles: config.roles }, 'sne-hub started');
  if (config.secretKey === undefined) {
    // Not a refusal (the quick start runs without it), but a trap worth saying at every start.
    log.warn(
      'SNE_SECRET_KEY is not set: webhook secrets are encrypted with a key derived from SNE_ADMIN_TOKEN, ' +
        'so changing the administrator token makes them unreadable. Set SNE_SECRET_KEY in production.',
    );
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'draining');
    // A worker's close waits for Redis (BullMQ's own close does not return while Redis is away):
    // past the limit the process exits anyway. Nothing is lost: a job's messages are committed in
    // PostgreSQL, a transaction cut short rolls back, and the job's lock expires for another worker.
    const limit = setTimeout(() => {
      log.warn({ limitMs: config.drainLimitMs }, 'drain not finished in time (Redis away?): exiting');
      process.exit(1);
    }, config.drainLimitMs);
    // The API first: no new message is accepted while the workers finish theirs.
    await app?.close();
    await Promise.all(running.map((r) => r.close()));
    await infrastructure.close();
    clearTimeout(limit);
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error) => {
  process.stderr.write(`sne-hub failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
