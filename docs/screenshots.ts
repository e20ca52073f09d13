/**
 * `npm run docs:screenshots`: pictures of the operator console for the README, taken with
 * playwright-core driving the installed Chromium (never a downloaded one) against a whole hub
 * started in this process on a scratch database, seeded over HTTP with the browser test's
 * scenario (a failed radiation, a failed enregistrement, a failed webhook delivery) and a few
 * more failures. Writes docs/console-*.png, then drops the database.
 *
 * Environment: DATABASE_URL (an admin URL from which the scratch database is made, default
 * local), REDIS_URL (default local), CHROMIUM_PATH (default /usr/bin/chromium).
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import pino from 'pino';
import { buildApp } from '../services/api/app.ts';
import { loadConfig } from '../services/config/config.ts';
import { createInfrastructure, prepareDatabase } from '../services/pipeline/infrastructure.ts';
import { startWorkers } from '../services/pipeline/workers.ts';
import { findChromium, launchChromium } from '../test/helpers/browser.ts';
import { seedConsoleScenario, settled } from '../test/helpers/console-scenario.ts';
import { attribution, enregistrement, lot } from '../test/helpers/spt.ts';

const ADMIN_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN_TOKEN = randomBytes(24).toString('hex');
const OUT = new URL('./', import.meta.url);

async function main() {
  const chromiumPath = findChromium();
  if (!chromiumPath)
    throw new Error('No Chromium found: apt-get install -y --no-install-recommends chromium');
  const database = `sne_screens_${randomBytes(6).toString('hex')}`;
  const config = loadConfig({
    DATABASE_URL: Object.assign(new URL(ADMIN_URL), { pathname: `/${database}` }).href,
    REDIS_URL,
    SNE_ADMIN_TOKEN: ADMIN_TOKEN,
    SNE_QUEUE_PREFIX: `shots${randomBytes(4).toString('hex')}`,
    SNE_WEBHOOK_ALLOW_PRIVATE: 'true',
    SNE_WEBHOOK_RETRY_SCHEDULE: '0',
    LOG_LEVEL: 'silent',
  });
  const log = pino({ level: 'silent' });
  // A subscriber whose server is down: its deliveries fail.
  const subscriber = createServer((request, response) => {
    request.resume();
    response.writeHead(503).end();
  });
  await new Promise<void>((resolve) => subscriber.listen(0, '127.0.0.1', resolve));
  await prepareDatabase(config, log);
  const infrastructure = createInfrastructure(config);
  const workers = startWorkers(config, infrastructure, log);
  const app = await buildApp({ config, infrastructure, logger: log });
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const scenario = await seedConsoleScenario(baseUrl, ADMIN_TOKEN, {
      webhookUrl: `http://127.0.0.1:${(subscriber.address() as AddressInfo).port}/sne`,
    });
    await moreFailures(baseUrl, scenario.bailleurToken);
    await deliveryFailed(infrastructure.pool);

    const browser = await launchChromium(chromiumPath);
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
      await page.goto(`${baseUrl}/ops/console`);
      await page.locator('#token').waitFor();
      await page.screenshot({ path: new URL('console-sign-in.png', OUT).pathname });

      await page.fill('#token', scenario.operatorToken);
      await page.click('button[type=submit]');
      await page.locator('#failure-groups').waitFor();
      await page.screenshot({ path: new URL('console-failures.png', OUT).pathname });

      await page.goto(`${baseUrl}/ops/console#/messages/${scenario.radiationMessageId}`);
      await page.locator('#raw').waitFor();
      const payload = page.locator('#payload');
      await payload.fill((await payload.inputValue()).replace('LH-2014-999999', scenario.reference));
      await page.fill('#replay-reason', 'référence corrigée avec le bailleur');
      await page.screenshot({ path: new URL('console-message.png', OUT).pathname, fullPage: true });

      await page.goto(`${baseUrl}/ops/console#/deliveries?status=failed`);
      await page.locator('main tbody tr').first().waitFor();
      await page.screenshot({ path: new URL('console-deliveries.png', OUT).pathname });
    } finally {
      await browser.close();
    }
  } finally {
    await app.close();
    await workers.close();
    await infrastructure.applyQueue.obliterate({ force: true }).catch(() => {});
    await infrastructure.webhookQueue.obliterate({ force: true }).catch(() => {});
    await infrastructure.close();
    await new Promise((resolve) => subscriber.close(resolve));
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
  process.stdout.write(
    'docs/console-sign-in.png, console-failures.png, console-message.png, console-deliveries.png\n',
  );
}

/** Two attributions of logements missing from the parc (LOGEMENT_INCONNU), so the failures screen has groups. */
async function moreFailures(baseUrl: string, bailleurToken: string): Promise<void> {
  const response = await fetch(`${baseUrl}/connectors/spt/v2/lots`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bailleurToken}`, 'content-type': 'application/xml' },
    body: lot(
      enregistrement({ id: 'E-10', ref: 'LH-2014-000200', nom: 'Martin', dateNaissance: '1979-02-11' }),
      attribution('A-10', 'LH-2014-000200', '5900004321', '2014-06-12'),
      attribution('A-11', 'LH-2014-000123', '5900004322', '2014-06-14'),
    ),
  });
  const receipt = (await response.json()) as { messages: { messageId: string }[] };
  for (const { messageId } of receipt.messages) await settled(baseUrl, bailleurToken, messageId);
}

async function deliveryFailed(pool: pg.Pool): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { rowCount } = await pool.query("SELECT 1 FROM deliveries WHERE status = 'failed'");
    if (rowCount) return;
    if (Date.now() > deadline) throw new Error('no delivery failed');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

main().catch((error) => {
  process.stderr.write(`screenshots failed: ${(error as Error).stack}\n`);
  process.exit(1);
});
