import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium, launchChromium } from './helpers/browser.ts';
import { type ConsoleScenario, HOSTILE_NOM, seedConsoleScenario } from './helpers/console-scenario.ts';
import { ADMIN_TOKEN, startTestHub, type TestHub, waitFor } from './helpers/hub.ts';

/**
 * The operator console as a person uses it, in Debian's Chromium driven by playwright-core,
 * against a whole hub listening on a real port: sign in, find the failed radiation in the
 * failures grouped by system and error code, open it, correct its payload, replay it and see it
 * applied. It never skips: without a Chromium binary it fails, saying what to install (.ci/run
 * installs it).
 */
const chromiumPath = findChromium();
if (!chromiumPath) {
  throw new Error(
    'console.browser.test.ts cannot run: no Chromium binary (/usr/bin/chromium; set CHROMIUM_PATH). Install it with: apt-get install -y --no-install-recommends chromium',
  );
}

describe('the operator console in Chromium', () => {
  let hub: TestHub;
  let baseUrl: string;
  let browser: Browser;
  let page: Page;
  let scenario: ConsoleScenario;
  // A subscriber that is down (503) until the operator has fixed it and replays the delivery.
  let subscriberStatus = 503;
  let received = 0;
  let subscriber: Server;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    subscriber = createServer((request, response) => {
      request.resume();
      if (subscriberStatus === 200) received++;
      response.writeHead(subscriberStatus).end();
    });
    await new Promise<void>((resolve) => subscriber.listen(0, '127.0.0.1', resolve));
    const webhookUrl = `http://127.0.0.1:${(subscriber.address() as AddressInfo).port}/sne`;
    hub = await startTestHub({
      env: { SNE_WEBHOOK_ALLOW_PRIVATE: 'true', SNE_WEBHOOK_RETRY_SCHEDULE: '0' },
    });
    await hub.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(hub.app.server.address() as AddressInfo).port}`;
    scenario = await seedConsoleScenario(baseUrl, ADMIN_TOKEN, { webhookUrl });
    browser = await launchChromium(chromiumPath);
    page = await browser.newPage();
    // Fail within the test's time with the locator's own message, rather than at vitest's timeout.
    page.setDefaultTimeout(15_000);
    page.on('dialog', (dialog) => void dialog.dismiss());
    // Uncaught errors of the page and anything its Content-Security-Policy blocked.
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) pageErrors.push(message.text());
    });
    // A module of the console the hub does not serve (a view missing from its list of files) is no
    // page error: the page stays blank.
    page.on('response', (response) => {
      const asset = !['fetch', 'xhr'].includes(response.request().resourceType());
      if (asset && new URL(response.url()).pathname.startsWith('/ops/console/') && response.status() >= 400)
        pageErrors.push(`${response.status()} ${response.url()}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
    await new Promise((resolve) => subscriber?.close(resolve));
  });

  it('refuses a token that is not an operator’s, with the problem’s detail', async () => {
    await page.goto(`${baseUrl}/ops/console`);
    await page.fill('#token', scenario.bailleurToken);
    await page.click('button[type=submit]');
    const problem = page.locator('.problem');
    await expect.poll(() => problem.textContent()).toContain('FORBIDDEN');
    expect(await problem.textContent()).toContain('The role bailleur may not use this route.');
    expect(await page.evaluate('sessionStorage.getItem("sne-console-client")')).toBeNull();
  });

  it('signs an operator in: a session in an HttpOnly SameSite=Strict cookie, the token kept nowhere', async () => {
    await page.fill('#token', scenario.operatorToken);
    await page.click('button[type=submit]');
    await page.locator('#failure-groups').waitFor();
    const cookie = (await page.context().cookies()).find((c) => c.name === 'sne_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookie?.value).not.toContain(scenario.operatorToken);
    expect(await page.evaluate('document.cookie')).not.toContain('sne_session'); // no script reads it
    // Neither the tab's storage nor any cookie holds the token once the session is open.
    const storage = await page.evaluate('JSON.stringify({ ...sessionStorage, ...localStorage })');
    expect(storage).not.toContain(scenario.operatorToken);
    expect(JSON.stringify(await page.context().cookies())).not.toContain(scenario.operatorToken);
    expect(await page.locator('#who').textContent()).toBe('signed in as exploitation');
  });

  it('shows the failures grouped by system and error code, with counts', async () => {
    const rows = page.locator('#failure-groups tbody tr');
    expect(await rows.count()).toBe(2);
    const texts = await rows.allTextContents();
    expect(texts.some((t) => t.includes('spt') && t.includes('DEMANDE_INCONNUE') && t.includes('1'))).toBe(
      true,
    );
    expect(texts.some((t) => t.includes('spt') && t.includes('COMMUNE_INCONNUE'))).toBe(true);
    expect(await page.locator('#failure-groups').textContent()).toContain('2 failed message(s)');
  });

  it('renders a hostile payload as text: the nom shows, no element is created, no script runs', async () => {
    await page.goto(`${baseUrl}/ops/console#/messages/${scenario.hostileMessageId}`);
    await page.locator('#raw').waitFor();
    expect(await page.locator('main').textContent()).toContain(HOSTILE_NOM);
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
  });

  it('finds the failed radiation, corrects its payload, replays it and shows it applied', async () => {
    await page.goto(`${baseUrl}/ops/console#/failures`);
    await page
      .locator('#failure-groups tr', { hasText: 'DEMANDE_INCONNUE' })
      .getByText('Show messages')
      .click();
    const row = page.locator('main tbody tr', { hasText: 'R-1' });
    await row.waitFor();
    expect(await row.textContent()).toContain('DEMANDE_INCONNUE');
    await row.getByText('Open').click();

    const raw = page.locator('#raw');
    await raw.waitFor();
    expect(await raw.textContent()).toContain('<radiation id="R-1">');
    expect(await raw.textContent()).toContain('LH-2014-999999');
    expect(await page.locator('#message-error').textContent()).toContain('DEMANDE_INCONNUE');

    // A replay without a reason is refused in the page, before anything is sent.
    await page.click('#replay');
    await expect.poll(() => page.locator('#actions .problem').textContent()).toContain('Give a reason');

    const payload = page.locator('#payload');
    const corrected = (await payload.inputValue()).replace('LH-2014-999999', scenario.reference);
    await payload.fill(corrected);
    await page.fill('#replay-reason', 'référence corrigée avec le bailleur');
    await page.click('#replay');

    await page
      .locator('h1 .status[data-status="applied"]')
      .waitFor({ timeout: 30_000 })
      .catch(async (error) => {
        throw new Error(`${error.message}\nThe page shows: ${await page.locator('main').textContent()}`);
      });
    expect(await page.locator('main').textContent()).toContain('référence corrigée avec le bailleur');

    // What the page shows is what the hub holds: applied once, with the correction as a revision.
    const { rows } = await hub.pool.query<{ status: string; statut: string }>(
      `SELECT m.status, d.statut FROM messages m, demandes d
        WHERE m.id = $1 AND d.reference_guichet = $2`,
      [scenario.radiationMessageId, scenario.reference],
    );
    expect(rows[0]).toEqual({ status: 'applied', statut: 'radiee' });
    const audit = await hub.pool.query('SELECT actor, reason FROM audit WHERE target = $1', [
      scenario.radiationMessageId,
    ]);
    expect(audit.rows).toContainEqual(
      expect.objectContaining({ actor: 'exploitation', reason: 'référence corrigée avec le bailleur' }),
    );
  });

  it('replays in bulk only after a dry run has shown what matches', async () => {
    await page.goto(`${baseUrl}/ops/console#/failures`);
    await page
      .locator('#failure-groups tr', { hasText: 'COMMUNE_INCONNUE' })
      .getByText('Show messages')
      .click();
    await page.locator('main tbody tr', { hasText: 'E-2' }).waitFor();
    expect(await page.locator('#bulk-confirm').count()).toBe(0); // no replay before the preview
    await page.fill('#bulk-reason', 'référentiel des communes mis à jour');
    await page.click('#bulk-dry-run');
    const preview = page.locator('#bulk-preview');
    await preview.waitFor();
    expect(await preview.textContent()).toContain('1 message(s) match this filter');
    expect(await preview.locator('details pre').textContent()).toContain(scenario.hostileMessageId);
    expect(await hub.pool.query("SELECT 1 FROM audit WHERE action = 'message.replay-bulk'")).toMatchObject({
      rowCount: 0,
    });
    await page.click('#bulk-confirm');
    await expect
      .poll(() => page.locator('#bulk-replay .notice').textContent())
      .toContain('1 of 1 message(s) replayed');
    const audit = await hub.pool.query("SELECT reason FROM audit WHERE action = 'message.replay-bulk'");
    expect(audit.rows).toEqual([{ reason: 'référentiel des communes mis à jour' }]);
    // The commune still does not exist: the message fails again, with the same code.
    await waitFor(
      async () => {
        const { rows } = await hub.pool.query('SELECT status, attempts FROM messages WHERE id = $1', [
          scenario.hostileMessageId,
        ]);
        return rows[0]?.status === 'failed' && rows[0]?.attempts === 2 ? true : undefined;
      },
      20_000,
      'the replayed message to fail again',
    );
  });

  it('discards a message with a reason', async () => {
    await page.goto(`${baseUrl}/ops/console#/messages/${scenario.hostileMessageId}`);
    await page.locator('#discard-form').waitFor();
    await page.fill('#discard-reason', 'demande saisie en double par erreur');
    await page.click('#discard');
    await page.locator('h1 .status[data-status="discarded"]').waitFor();
    expect(await page.locator('.notice').textContent()).toContain('Discarded');
    expect(await page.locator('#actions').count()).toBe(0); // nothing more to do with it
    const { rows } = await hub.pool.query('SELECT status FROM messages WHERE id = $1', [
      scenario.hostileMessageId,
    ]);
    expect(rows[0]?.status).toBe('discarded');
  });

  it('shows a failed delivery with its attempts, and replays it once the subscriber is back', async () => {
    await waitFor(
      async () => {
        const { rows } = await hub.pool.query("SELECT 1 FROM deliveries WHERE status = 'failed'");
        return rows.length === 1 ? true : undefined;
      },
      20_000,
      'the delivery to fail',
    );
    await page.click('nav >> text=Deliveries');
    const row = page.locator('main tbody tr', { hasText: 'fr.sne.demande.enregistree.v1' });
    await row.waitFor();
    expect(await row.textContent()).toContain('ville-de-lille');
    expect(await row.textContent()).toContain('failed');
    await row.getByText('Open').click();
    const attempts = page.locator('main table');
    await attempts.waitFor();
    // The list's table stays until the delivery's page replaces it: poll for the attempts' rows.
    await expect.poll(() => attempts.locator('tbody tr').count()).toBe(2); // the first try and the one retry
    expect(await attempts.textContent()).toContain('503');

    subscriberStatus = 200;
    await page.fill('#delivery-reason', 'le guichet a rétabli son serveur');
    await page.getByRole('button', { name: 'Replay' }).click();
    await expect.poll(() => page.locator('.notice').textContent()).toContain('Replayed');
    await waitFor(async () => (received === 1 ? true : undefined), 20_000, 'the delivery to arrive');
    await page.reload();
    await page.locator('h1 .status[data-status="delivered"]').waitFor();
  });

  it('opens the audit log and the linked pages with the cookie alone', async () => {
    await page.click('nav >> text=Audit log');
    await page.locator('main table').waitFor();
    expect(await page.locator('main table').textContent()).toContain('référence corrigée avec le bailleur');
    // A page the browser opens by itself carries no Authorization header: the cookie stands in.
    const reply = await page.goto(`${baseUrl}/ops/deliveries?status=failed`);
    expect(reply?.status()).toBe(200);
    expect(await reply?.json()).toEqual({ items: [] });
    // The console's "Queues" link: the dashboard opens on the cookie, with no Basic prompt.
    await page.goto(`${baseUrl}/ops/console#/failures`);
    const [dashboard] = await Promise.all([
      page.context().waitForEvent('page'),
      page.click('nav >> text=Queues'),
    ]);
    await dashboard.waitForLoadState('domcontentloaded');
    expect(new URL(dashboard.url()).pathname).toBe('/ops/queues');
    // A refusal would be a problem+json document; the dashboard is its HTML page.
    expect(await dashboard.evaluate('document.contentType')).toBe('text/html');
    expect(await dashboard.content()).not.toContain('UNAUTHENTICATED');
    await dashboard.close();
  });

  it('opens an infocentre report from the form that asks for its territory and period', async () => {
    await page.goto(`${baseUrl}/ops/console#/reports`);
    await page.locator('#report-form').waitFor();
    await page.selectOption('#report', 'flux');
    await page.fill('#territoire', 'departement:59, departement:62');
    const [report] = await Promise.all([
      page.context().waitForEvent('page'),
      page.click('#report-form button[type=submit]'),
    ]);
    await report.waitForLoadState('domcontentloaded');
    const opened = new URL(report.url());
    expect(opened.pathname).toBe('/infocentre/rapports/flux');
    expect(opened.searchParams.getAll('territoire')).toEqual(['departement:59', 'departement:62']);
    expect(opened.searchParams.get('du')).toMatch(/^[0-9]{4}-01-01$/);
    // Without the territory and the period, the link answered 400 INVALID_PARAMETER (problem+json).
    expect(await report.evaluate('document.contentType')).toBe('text/html');
    expect(await report.content()).not.toContain('INVALID_PARAMETER');
    await report.close();
  });

  it('ran without an uncaught error or a blocked resource', () => {
    expect(pageErrors).toEqual([]);
  });

  it('signs out: the session is closed, its cookie cleared, and the sign-in form comes back', async () => {
    await page.goto(`${baseUrl}/ops/console#/failures`);
    await page.locator('#failure-groups').waitFor();
    const session = (await page.context().cookies()).find((c) => c.name === 'sne_session')?.value;
    await page.click('#sign-out');
    await page.locator('#token').waitFor();
    expect((await page.context().cookies()).find((c) => c.name === 'sne_session')).toBeUndefined();
    const reply = await page.goto(`${baseUrl}/ops/deliveries`);
    expect(reply?.status()).toBe(401);
    // A copy of the cookie taken before the sign-out opens nothing.
    const copied = await fetch(`${baseUrl}/ops/deliveries`, {
      headers: { cookie: `sne_session=${session}` },
    });
    expect(copied.status).toBe(401);
  });
});
