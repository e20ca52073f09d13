import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenHash } from '../services/api/clients.ts';
import { summarizeMessages } from '../services/pipeline/message-summary.ts';
import { consoleSession } from './helpers/console-session.ts';
import { ADMIN_TOKEN, provision, startTestHub, type TestHub } from './helpers/hub.ts';
import { planOf } from './helpers/plan.ts';
import { attribution, enregistrement, postLot, radiation, sendLot } from './helpers/spt.ts';

/**
 * The operator console through HTTP: its files, the sign-in cookie and when the hub accepts it
 * (the CSRF defence), and the failures summary it opens on. The browser test drives the page.
 */
let hub: TestHub;
let operator: string;
let bailleur: string;
/** The operator's console session, opened by signing in. */
let session: string;

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const cookie = (value: string) => ({ cookie: `theme=dark; sne_session=${value}` });

beforeAll(async () => {
  hub = await startTestHub();
  operator = await provision(hub.app, { id: 'ops', role: 'operator', departements: ['*'] });
  bailleur = await provision(hub.app, {
    id: 'lille-habitat',
    role: 'bailleur',
    organisme: '123456789',
    codeGuichet: 'LH59A',
  });
  session = await consoleSession(hub.app, operator);
});

afterAll(async () => {
  await hub?.close();
});

describe('the console page', () => {
  it('is served without a token, with a policy that lets it run only its own scripts', async () => {
    const page = await hub.app.inject({ url: '/ops/console' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.body).toContain('<script type="module" src="/ops/console/app.js"></script>');
    expect(page.body).not.toMatch(/https?:\/\//); // nothing from a CDN
  });

  it('sends the address with a trailing slash to the page', async () => {
    const reply = await hub.app.inject({ url: '/ops/console/' });
    expect(reply.statusCode).toBe(301);
    expect(reply.headers.location).toBe('/ops/console');
  });

  it('serves its modules and styles with their content types, and nothing else', async () => {
    const script = await hub.app.inject({ url: '/ops/console/views/message.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body).toContain('export async function messageView');
    const css = await hub.app.inject({ url: '/ops/console/console.css' });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    for (const url of ['/ops/console/index.ts', '/ops/console/..%2Fconfig.ts', '/ops/console/../app.ts']) {
      const refused = await hub.app.inject({ url });
      expect(refused.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(refused.statusCode, url).toBeLessThan(500);
      expect(refused.headers['content-type']).toContain('application/problem+json');
    }
  });

  it('never builds markup from data: no innerHTML, outerHTML, insertAdjacentHTML or document.write', async () => {
    const files = [
      'app.js',
      'api.js',
      'dom.js',
      'views/failures.js',
      'views/messages.js',
      'views/message.js',
    ];
    for (const file of [
      ...files,
      'views/deliveries.js',
      'views/delivery.js',
      'views/audit.js',
      'views/sign-in.js',
    ]) {
      const { body } = await hub.app.inject({ url: `/ops/console/${file}` });
      expect(body, file).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    }
  });
});

describe('signing in', () => {
  it('opens a session for an operator: an HttpOnly, SameSite=Strict cookie holding its id, never the token', async () => {
    const reply = await hub.app.inject({
      method: 'POST',
      url: '/ops/console/session',
      headers: auth(operator),
    });
    expect(reply.statusCode).toBe(200);
    expect(reply.json()).toEqual({ clientId: 'ops', role: 'operator', expiresInSeconds: 28800 });
    const [setCookie, former] = reply.headers['set-cookie'] as string[];
    const id = /^sne_session=([A-Za-z0-9_-]{43});/.exec(setCookie ?? '')?.[1] as string;
    expect(id).toBeDefined();
    expect(setCookie).not.toContain(operator);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/');
    expect(setCookie).toContain('Max-Age=28800');
    expect(setCookie).not.toContain('Secure'); // plain HTTP here; set over HTTPS
    // The cookie of the console before its sessions, which held the token, is cleared.
    expect(former).toMatch(/^sne_token=; .*Max-Age=0/);
    // PostgreSQL holds hashes only: of the session id and of the token it stands for.
    const { rows } = await hub.pool.query(
      'SELECT client_id, token_hash, expires_at - created_at AS lasts FROM console_sessions WHERE id_hash = $1',
      [tokenHash(id)],
    );
    expect(rows).toEqual([{ client_id: 'ops', token_hash: tokenHash(operator), lasts: { hours: 8 } }]);
    const stored = await hub.pool.query('SELECT * FROM console_sessions');
    expect(JSON.stringify(stored.rows)).not.toContain(id);
    expect(JSON.stringify(stored.rows)).not.toContain(operator);
  });

  it('refuses other roles (403) and unknown tokens (401), setting no cookie', async () => {
    const bailleurReply = await hub.app.inject({
      method: 'POST',
      url: '/ops/console/session',
      headers: auth(bailleur),
    });
    expect(bailleurReply.statusCode).toBe(403);
    expect(bailleurReply.json()).toMatchObject({ code: 'FORBIDDEN' });
    expect(bailleurReply.headers['set-cookie']).toBeUndefined();
    const unknown = await hub.app.inject({
      method: 'POST',
      url: '/ops/console/session',
      headers: auth('sne_nope'),
    });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    const none = await hub.app.inject({ method: 'POST', url: '/ops/console/session' });
    expect(none.statusCode).toBe(401);
  });

  it('signs out by closing the session: its cookie, copied or not, opens nothing any more', async () => {
    const closing = await consoleSession(hub.app, operator);
    expect((await hub.app.inject({ url: '/ops/deliveries', headers: cookie(closing) })).statusCode).toBe(200);
    const reply = await hub.app.inject({
      method: 'DELETE',
      url: '/ops/console/session',
      headers: cookie(closing),
    });
    expect(reply.statusCode).toBe(204);
    expect(reply.headers['set-cookie']).toEqual([
      expect.stringMatching(/^sne_session=; .*Max-Age=0/),
      expect.stringMatching(/^sne_token=; .*Max-Age=0/),
    ]);
    const after = await hub.app.inject({ url: '/ops/deliveries', headers: cookie(closing) });
    expect(after.statusCode).toBe(401);
    expect(after.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    // Without a session, signing out still answers 204 (public: a revoked token must sign out too).
    expect((await hub.app.inject({ method: 'DELETE', url: '/ops/console/session' })).statusCode).toBe(204);
  });

  it('ends a session at its expiry, and when its token is rotated or revoked', async () => {
    const statusWith = async (session: string) =>
      (await hub.app.inject({ url: '/ops/deliveries', headers: cookie(session) })).statusCode;
    const asAdmin = async (method: 'POST' | 'DELETE', url: string) => {
      const reply = await hub.app.inject({ method, url, headers: auth(ADMIN_TOKEN) });
      expect(reply.statusCode, reply.body).toBeLessThan(300);
      return reply;
    };
    const expiring = await consoleSession(hub.app, operator);
    await hub.pool.query(
      `UPDATE console_sessions SET expires_at = now() - interval '1 second' WHERE id_hash = $1`,
      [tokenHash(expiring)],
    );
    expect(await statusWith(expiring)).toBe(401);

    const other = await provision(hub.app, { id: 'ops-2', role: 'operator', departements: ['*'] });
    const rotated = await consoleSession(hub.app, other);
    const revoked = await consoleSession(hub.app, other);
    expect(await statusWith(rotated)).toBe(200);
    const rotation = await asAdmin('POST', '/admin/clients/ops-2/token');
    expect(await statusWith(rotated)).toBe(401);
    // A session opened with the new token, then the client revoked: it ends too.
    const renewed = await consoleSession(hub.app, rotation.json<{ token: string }>().token);
    expect(await statusWith(renewed)).toBe(200);
    await asAdmin('DELETE', '/admin/clients/ops-2');
    for (const ended of [renewed, revoked]) expect(await statusWith(ended)).toBe(401);
  });
});

describe('the cookie in place of the Authorization header', () => {
  it('authenticates GET requests, with the role checks of the route', async () => {
    const asOperator = await hub.app.inject({
      url: '/ops/deliveries?status=failed',
      headers: cookie(session),
    });
    expect(asOperator.statusCode).toBe(200);
    // Only what the operator's role may: the administrator's routes are refused.
    const adminRoute = await hub.app.inject({ url: '/admin/clients', headers: cookie(session) });
    expect(adminRoute.statusCode).toBe(403);
    const unknown = await hub.app.inject({ url: '/ops/deliveries', headers: cookie('sne_revoked') });
    expect(unknown.statusCode).toBe(401);
    // A token in the cookie is no session: the cookie never stands for a token.
    for (const token of [operator, bailleur]) {
      const asToken = await hub.app.inject({ url: '/ops/deliveries', headers: cookie(token) });
      expect(asToken.statusCode).toBe(401);
    }
  });

  it('refuses a request that changes something unless its Origin is the hub itself (CSRF)', async () => {
    const body = { filter: { status: 'failed' }, reason: 'csrf check', dryRun: true };
    const url = '/ops/deliveries/replay';
    const noOrigin = await hub.app.inject({ method: 'POST', url, headers: cookie(session), payload: body });
    expect(noOrigin.statusCode).toBe(403);
    expect(noOrigin.json()).toMatchObject({ code: 'CSRF_REFUSED', status: 403 });
    const foreign = await hub.app.inject({
      method: 'POST',
      url,
      headers: { ...cookie(session), origin: 'https://evil.example', host: 'hub.example:8080' },
      payload: body,
    });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json()).toMatchObject({ code: 'CSRF_REFUSED' });
    const nullOrigin = await hub.app.inject({
      method: 'POST',
      url,
      headers: { ...cookie(session), origin: 'null', host: 'hub.example:8080' },
      payload: body,
    });
    expect(nullOrigin.statusCode).toBe(403);
    const sameHost = await hub.app.inject({
      method: 'POST',
      url,
      headers: { ...cookie(session), origin: 'https://hub.example:8080', host: 'hub.example:8080' },
      payload: body,
    });
    expect(sameHost.statusCode).toBe(200);
    expect(sameHost.json()).toEqual({ matched: 0, replayed: 0 });
  });

  it("opens the queues' dashboard, whose actions need the hub's own Origin too", async () => {
    const page = await hub.app.inject({ url: '/ops/queues', headers: cookie(session) });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect((await hub.app.inject({ url: '/ops/queues', headers: cookie(bailleur) })).statusCode).toBe(401);
    const url = '/ops/queues/api/queues/sne-apply/retry/failed';
    const forged = await hub.app.inject({ method: 'PUT', url, headers: cookie(session) });
    expect(forged.statusCode).toBe(403);
    expect(forged.json()).toMatchObject({ code: 'CSRF_REFUSED' });
    const fromTheHub = await hub.app.inject({
      method: 'PUT',
      url,
      headers: { ...cookie(session), origin: 'http://hub.example', host: 'hub.example' },
    });
    expect([401, 403]).not.toContain(fromTheHub.statusCode);
  });

  it('gives way to an Authorization header, which needs no Origin', async () => {
    const reply = await hub.app.inject({
      method: 'POST',
      url: '/ops/deliveries/replay',
      headers: { ...cookie('sne_not-a-token'), ...auth(operator) },
      payload: { filter: { status: 'failed' }, reason: 'header wins', dryRun: true },
    });
    expect(reply.statusCode).toBe(200);
  });
});

describe('GET /ops/messages/summary', () => {
  beforeAll(async () => {
    // Two radiations of unknown demandes, one attribution of a logement missing from the parc,
    // one enregistrement applied, and one message rejected at reception.
    const outcomes = await sendLot(
      hub.app,
      bailleur,
      enregistrement({ id: 'E-1', ref: 'LH-1' }),
      radiation('R-1', 'LH-INCONNUE-1', 'abandon', '2014-05-02'),
      radiation('R-2', 'LH-INCONNUE-2', 'abandon', '2014-05-02'),
      attribution('A-1', 'LH-1', '5900009999', '2014-05-02'),
    );
    expect(outcomes['R-1']?.error?.code).toBe('DEMANDE_INCONNUE');
    expect(outcomes['A-1']?.error?.code).toBe('LOGEMENT_INCONNU');
    const rejected = await postLot(
      hub.app,
      bailleur,
      `<?xml version="1.0"?><lot xmlns="urn:sne:spt:2">${enregistrement({ id: 'X-1', typologie: 'T9' })}</lot>`,
    );
    expect(rejected.json()).toMatchObject({ rejected: 1 });
  });

  it('counts failed messages by system and error code, largest group first', async () => {
    const reply = await hub.app.inject({ url: '/ops/messages/summary', headers: auth(operator) });
    expect(reply.statusCode).toBe(200);
    const summary = reply.json();
    expect(summary).toMatchObject({
      status: 'failed',
      total: 3,
      groups: [
        { system: 'spt', errorCode: 'DEMANDE_INCONNUE', count: 2 },
        { system: 'spt', errorCode: 'LOGEMENT_INCONNU', count: 1 },
      ],
    });
    expect(summary.groups).toHaveLength(2);
    expect(Date.parse(summary.groups[0].firstReceivedAt)).toBeLessThanOrEqual(
      Date.parse(summary.groups[0].lastReceivedAt),
    );
  });

  it('counts rejected messages when asked, and only those received in the period', async () => {
    const rejected = await hub.app.inject({
      url: '/ops/messages/summary?status=rejected',
      headers: auth(operator),
    });
    expect(rejected.json()).toMatchObject({
      status: 'rejected',
      total: 1,
      groups: [{ system: 'spt', errorCode: 'CONTRACT_INVALID', count: 1 }],
    });
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const none = await hub.app.inject({
      url: `/ops/messages/summary?receivedSince=${encodeURIComponent(future)}`,
      headers: auth(operator),
    });
    expect(none.json()).toEqual({ status: 'failed', total: 0, groups: [] });
  });

  it('reads only its index, never the rows of the failed messages scattered in the table', async () => {
    await hub.pool.query('VACUUM messages'); // as autovacuum does: the index-only scan needs the visibility map
    for (const status of ['failed', 'rejected'] as const) {
      const plan = await planOf(hub.pool, (db) => summarizeMessages(db, { status }));
      expect(plan, status).toMatch(/Index Only Scan using messages_summary/);
    }
  });

  it('is for operators only, and refuses bad filters with a problem', async () => {
    const forbidden = await hub.app.inject({ url: '/ops/messages/summary', headers: auth(bailleur) });
    expect(forbidden.statusCode).toBe(403);
    const badStatus = await hub.app.inject({
      url: '/ops/messages/summary?status=applied',
      headers: auth(operator),
    });
    expect(badStatus.statusCode).toBe(400);
    expect(badStatus.headers['content-type']).toContain('application/problem+json');
    expect(badStatus.json()).toMatchObject({ code: 'INVALID_PARAMETER' });
    const badDate = await hub.app.inject({
      url: '/ops/messages/summary?receivedSince=yesterday',
      headers: auth(operator),
    });
    expect(badDate.json()).toMatchObject({ code: 'INVALID_PARAMETER', errors: [{ path: '/receivedSince' }] });
    const reversed = await hub.app.inject({
      url: '/ops/messages/summary?receivedSince=2026-01-02T00:00:00Z&receivedUntil=2026-01-01T00:00:00Z',
      headers: auth(operator),
    });
    expect(reversed.statusCode).toBe(400);
    expect(reversed.json()).toMatchObject({ code: 'INVALID_PARAMETER' });
  });
});
