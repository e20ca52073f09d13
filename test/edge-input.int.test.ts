import { connect } from 'node:net';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMonths, todayInParis } from '../services/core/dates.ts';
import { ADMIN_TOKEN, provision, startTestHub, type TestHub } from './helpers/hub.ts';
import { enregistrement, sendLot } from './helpers/spt.ts';

/**
 * Input at the edge of what the hub's types and PostgreSQL can hold: every one of these answered
 * 500 (or Fastify's own JSON) before; each must be a 400-family problem+json with a stable code,
 * and nothing of it stored.
 */
let hub: TestHub;
let operator: string;
let guichet: string;
let pgp: string;
let dalo: string;
let contingent: string;
const today = todayInParis();

beforeAll(async () => {
  hub = await startTestHub();
  operator = await provision(hub.app, { id: 'ops', role: 'operator', departements: ['*'] });
  guichet = await provision(hub.app, { id: 'mairie-lille', role: 'guichet', codeGuichet: 'ML59A' });
  pgp = await provision(hub.app, { id: 'portail', role: 'pgp', codeGuichet: 'GDPUB', departements: ['*'] });
  dalo = await provision(hub.app, { id: 'comdalo-59', role: 'dalo', organisme: '130005002' });
  contingent = await provision(hub.app, { id: 'syplo-59', role: 'contingent', organisme: '130005004' });
});

afterAll(async () => {
  await hub?.close();
});

/** Tokens by who holds them: `it.each` rows are built before `beforeAll` provisions the clients. */
function tokenOf(who: string): string {
  const tokens: Record<string, string> = { operator, guichet, pgp, dalo, contingent, admin: ADMIN_TOKEN };
  const token = tokens[who];
  if (!token) throw new Error(`no client ${who}`);
  return token;
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

function get(url: string, token: string): Promise<LightMyRequestResponse> {
  return hub.app.inject({ method: 'GET', url, headers: auth(token) });
}

function postJson(url: string, token: string, text: string): Promise<LightMyRequestResponse> {
  return hub.app.inject({
    method: 'POST',
    url,
    headers: { ...auth(token), 'content-type': 'application/json' },
    payload: text,
  });
}

/** The reply is RFC 9457 problem+json with this status and code. */
function expectProblem(reply: LightMyRequestResponse, status: number, code: string) {
  expect(reply.statusCode, reply.body).toBe(status);
  expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = reply.json<{ type: string; title: string; status: number; code: string; detail: string }>();
  expect(body).toMatchObject({ type: `urn:sne:problem:${code}`, status, code });
  expect(body.title).toEqual(expect.any(String));
  expect(body.detail).toEqual(expect.any(String));
  return body as typeof body & { errors?: { path: string; message: string }[] };
}

async function messageCount(): Promise<number> {
  const { rows } = await hub.pool.query<{ n: string }>('SELECT count(*) AS n FROM messages');
  return Number(rows[0]?.n);
}

const pgpDemande = (overrides: Record<string, unknown> = {}) => ({
  id: `pgp-${Math.random().toString(36).slice(2)}`,
  departement: '59',
  dateDepot: addMonths(today, -1),
  demandeur: { nom: 'Martin', prenom: 'Léa', dateNaissance: '1990-05-06', nationalite: 'FR' },
  menage: { nombrePersonnes: 1 },
  ressourcesMensuelles: 900,
  typologie: 'T1',
  communesSouhaitees: ['59350'],
  motif: 'sans-logement',
  ...overrides,
});

describe('text PostgreSQL cannot store (U+0000, lone surrogates)', () => {
  // JSON text as sent: the escapes stay escapes until JSON.parse.
  const NUL = '\\u0000';
  const LONE = '\\udfff';

  it.each([
    ['a PGP demande, in a value', '/connectors/pgp/v1/demandes', 'pgp', `{"id":"a${NUL}b"}`, '/id'],
    [
      'a PGP demande, in a nested value',
      '/connectors/pgp/v1/demandes',
      'pgp',
      JSON.stringify(pgpDemande()).replace('"Martin"', `"Mar${LONE}tin"`),
      '/demandeur/nom',
    ],
    ['a PGP demande, in a key', '/connectors/pgp/v1/demandes', 'pgp', `{"id":"x","k${NUL}":1}`, '/k\\u0000'],
    [
      'a DALO decision',
      '/connectors/dalo/v1/decisions',
      'dalo',
      `{"id":"D${LONE}1","numeroUnique":"0591013000042LH59A","decision":"rejet","dateDecision":"2014-06-02","departementCommission":"59"}`,
      '/id',
    ],
    [
      'a contingent labellisation',
      '/connectors/contingent/v1/labellisations',
      'contingent',
      `{"id":"L1","numeroUnique":"0591013000042LH59A","categorie":"viol${NUL}ences","dateLabellisation":"2014-02-11"}`,
      '/categorie',
    ],
    [
      'a contingent désignation',
      '/connectors/contingent/v1/designations',
      'contingent',
      `{"id":"D1","numeroUnique":"0591013000042LH59A","logement":"59${NUL}","dateDesignation":"2014-04-03"}`,
      '/logement',
    ],
    [
      'a client provisioning',
      '/admin/clients',
      'admin',
      `{"id":"x","role":"guichet","organisme":"123456789","nom":"N${NUL}","departements":["59"],"codeGuichet":"ZZ59A"}`,
      '/nom',
    ],
  ])('refuses %s with 400 UNSUPPORTED_CHARACTER and its path', async (_name, url, who, text, path) => {
    const before = await messageCount();
    const reply = await postJson(url, tokenOf(who), text);
    const problem = expectProblem(reply, 400, 'UNSUPPORTED_CHARACTER');
    expect(problem.errors).toEqual([{ path, message: expect.any(String) }]);
    expect(await messageCount()).toBe(before);
  });

  it.each([
    ['/ops/deliveries?client=%00', 'operator', '/client'],
    ['/admin/clients?cursor=%00', 'admin', '/cursor'],
    ['/sne/demandes?cursor=%00', 'operator', '/cursor'],
    ['/feeds/events?after=%00', 'operator', '/after'],
  ])('refuses %s in a query string', async (url, who, path) => {
    const problem = expectProblem(await get(url, tokenOf(who)), 400, 'UNSUPPORTED_CHARACTER');
    expect(problem.errors?.[0]?.path).toBe(path);
  });

  it('refuses it in a path parameter', async () => {
    const reply = await hub.app.inject({
      method: 'POST',
      url: '/admin/clients/%00/token',
      headers: auth(ADMIN_TOKEN),
    });
    expect(expectProblem(reply, 400, 'UNSUPPORTED_CHARACTER').errors?.[0]?.path).toBe('/id');
    expectProblem(await get('/messages/%00', operator), 400, 'UNSUPPORTED_CHARACTER');
  });

  it.each([
    ['a raw NUL byte', 'Du\u0000pont'],
    ['a reference to U+0000', 'Du&#0;pont'],
    ['a reference to a lone surrogate', 'Du&#xDFFF;pont'],
  ])('refuses an XML lot holding %s as not XML, nothing stored', async (_name, nom) => {
    const before = await messageCount();
    // Built by hand: the helper would escape the reference's `&`.
    const body = `<?xml version="1.0" encoding="UTF-8"?><lot xmlns="urn:sne:spt:2">${enregistrement({ id: 'N1' }).replace('Dupont', nom)}</lot>`;
    const reply = await hub.app.inject({
      method: 'POST',
      url: '/connectors/spt/v2/lots',
      headers: { ...auth(guichet), 'content-type': 'application/xml' },
      payload: body,
    });
    expectProblem(reply, 400, 'XML_MALFORMED');
    expect(await messageCount()).toBe(before);
  });
});

describe('JSON bodies that are not UTF-8', () => {
  /** Posts bytes as they are: a Latin-1 body must reach the hub undecoded. */
  function postBytes(url: string, token: string, body: Buffer, contentType = 'application/json') {
    return hub.app.inject({
      method: 'POST',
      url,
      headers: { ...auth(token), 'content-type': contentType },
      payload: body,
    });
  }

  async function storedNoms(nom: string): Promise<number> {
    const { rows } = await hub.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM message_payloads WHERE canonical->'demandeur'->>'nom' = $1`,
      [nom],
    );
    return Number(rows[0]?.n);
  }

  it('refuses a PGP demande written in Latin-1 with 400 ENCODING_INVALID at its first bad byte, nothing stored', async () => {
    const text = JSON.stringify(
      pgpDemande({
        demandeur: { nom: 'Hélène', prenom: 'Léa', dateNaissance: '1990-05-06', nationalite: 'FR' },
      }),
    );
    const before = await messageCount();
    const reply = await postBytes('/connectors/pgp/v1/demandes', pgp, Buffer.from(text, 'latin1'));
    const problem = expectProblem(reply, 400, 'ENCODING_INVALID');
    expect(problem.detail).toContain('UTF-8');
    // Everything before the é is ASCII: its character index is its byte offset.
    expect(problem.detail).toContain(`offset ${text.indexOf('é')}`);
    expect(await messageCount()).toBe(before);
    expect(await storedNoms('H\uFFFDl\uFFFDne')).toBe(0);
  });

  it.each([
    [
      'a DALO decision',
      '/connectors/dalo/v1/decisions',
      'dalo',
      '{"id":"DL-1","numeroUnique":"0591013000042LH59A","decision":"rejet","dateDecision":"2014-06-02","departementCommission":"59","x":"é"}',
    ],
    [
      'a contingent labellisation',
      '/connectors/contingent/v1/labellisations',
      'contingent',
      '{"id":"CL-é","numeroUnique":"0591013000042LH59A","categorie":"violences","dateLabellisation":"2014-02-11"}',
    ],
    [
      'a client provisioning',
      '/admin/clients',
      'admin',
      '{"id":"latin","role":"guichet","organisme":"123456789","nom":"Mairie de Lézennes","departements":["59"],"codeGuichet":"LZ59A"}',
    ],
    [
      'an operator replay',
      '/ops/messages/00000000-0000-7000-8000-000000000000/replay',
      'operator',
      '{"reason":"corrigé"}',
    ],
  ])('refuses %s in Latin-1 with 400 ENCODING_INVALID', async (_name, url, who, text) => {
    const before = await messageCount();
    expectProblem(await postBytes(url, tokenOf(who), Buffer.from(text, 'latin1')), 400, 'ENCODING_INVALID');
    expect(await messageCount()).toBe(before);
  });

  it.each([
    ['a PGP demande', 'application/json; charset=iso-8859-1', '/connectors/pgp/v1/demandes', 'pgp'],
    ['a PGP demande', 'application/json; charset="ISO-8859-1"', '/connectors/pgp/v1/demandes', 'pgp'],
    ['a DALO decision', 'application/json;charset=windows-1252', '/connectors/dalo/v1/decisions', 'dalo'],
    ['a client provisioning', 'application/json; charset=latin1', '/admin/clients', 'admin'],
  ])(
    'refuses %s sent as %s with 415 ENCODING_UNSUPPORTED, even in ASCII',
    async (_name, contentType, url, who) => {
      const before = await messageCount();
      // ASCII, the same bytes in every charset named: only the declaration is refused.
      const body = Buffer.from(
        JSON.stringify(
          pgpDemande({
            demandeur: { nom: 'Martin', prenom: 'Lea', dateNaissance: '1990-05-06', nationalite: 'FR' },
          }),
        ),
        'latin1',
      );
      expectProblem(await postBytes(url, tokenOf(who), body, contentType), 415, 'ENCODING_UNSUPPORTED');
      expect(await messageCount()).toBe(before);
    },
  );

  it.each(['application/json', 'application/json; charset=utf-8', 'application/json; charset="UTF-8"'])(
    'accepts a PGP demande with accents in UTF-8 sent as %s, its text unchanged',
    async (contentType) => {
      const nom = `Hélène-${Math.random().toString(36).slice(2)}`;
      const demandeur = { nom, prenom: 'Zoé', dateNaissance: '1990-05-06', nationalite: 'FR' };
      // Roubaix: out of the lists of Lille that other tests page through.
      const text = JSON.stringify(pgpDemande({ demandeur, communesSouhaitees: ['59512'] }));
      const reply = await postBytes(
        '/connectors/pgp/v1/demandes',
        pgp,
        Buffer.from(text, 'utf8'),
        contentType,
      );
      expect(reply.statusCode, reply.body).toBe(202);
      const { rows } = await hub.pool.query<{ raw: string }>(
        'SELECT raw FROM message_payloads WHERE message_id = $1',
        [reply.json<{ messageId: string }>().messageId],
      );
      expect(rows[0]?.raw).toBe(text);
      expect(await storedNoms(nom)).toBe(1);
    },
  );
});

describe('identifiers PostgreSQL would refuse or could not index', () => {
  it.each([
    ['/messages/urn:uuid:01900000-0000-7000-8000-000000000000', 'operator'],
    ['/lots/URN:UUID:01900000-0000-7000-8000-000000000000', 'operator'],
    ['/ops/messages/urn:uuid:01900000-0000-7000-8000-000000000000', 'operator'],
    ['/ops/deliveries?cursor=urn:uuid:01900000-0000-7000-8000-000000000000', 'operator'],
  ])('refuses the urn:uuid: form of a uuid, which ajv-formats takes, in %s: 400', async (url, who) => {
    expectProblem(await get(url, tokenOf(who)), 400, 'INVALID_PARAMETER');
  });

  it('stores a rejected message whose id is thousands of random characters, and the rest of its lot applies', async () => {
    // Random text does not compress: as a B-tree entry it is over PostgreSQL's 2.7 kB limit. In
    // Douai, a commune no list of this file reads.
    const longId = Array.from(
      { length: 5000 },
      () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(Math.random() * 36)],
    ).join('');
    const lot = [
      enregistrement({ id: 'LONG-OK-1', nom: 'Longid', communes: ['59178'] }),
      enregistrement({ id: longId, nom: 'Longid', communes: ['59178'] }),
      // An element no contract knows, named with thousands of characters: its type is its name.
      '<bizarre'.concat(longId.slice(0, 4000), ' id="X1"/>'),
      enregistrement({ id: 'LONG-OK-2', nom: 'Longidbis', communes: ['59178'] }),
    ].join('');
    const out = await sendLot(hub.app, guichet, lot);
    expect(out['LONG-OK-1']?.status).toBe('applied');
    expect(out['LONG-OK-2']?.status).toBe('applied');
    expect(out[longId]?.status).toBe('rejected');

    const reply = await postJson(
      '/connectors/pgp/v1/demandes',
      pgp,
      JSON.stringify(pgpDemande({ id: longId })),
    );
    const problem = expectProblem(reply, 400, 'CONTRACT_INVALID') as { messageId?: string };
    const { rows } = await hub.pool.query<{ status: string; n: number }>(
      'SELECT status, length(sender_id) AS n FROM messages WHERE id = $1',
      [problem.messageId],
    );
    expect(rows[0]).toEqual({ status: 'rejected', n: 200 });
  });

  it("refuses an operator's corrected payload whose escapes hold U+0000: 400, no revision stored", async () => {
    const rejected = await postJson(
      '/connectors/pgp/v1/demandes',
      pgp,
      JSON.stringify(pgpDemande({ typologie: 'T9' })),
    );
    const { messageId } = expectProblem(rejected, 400, 'CONTRACT_INVALID') as { messageId?: string };
    const { rows } = await hub.pool.query<{ sender_id: string }>(
      'SELECT sender_id FROM messages WHERE id = $1',
      [messageId],
    );
    const corrected = JSON.stringify(pgpDemande({ id: rows[0]?.sender_id })).replace(
      '"Martin"',
      '"Mar\\u0000tin"',
    );
    const reply = await hub.app.inject({
      method: 'POST',
      url: `/ops/messages/${messageId}/replay`,
      headers: auth(operator),
      payload: { reason: 'nom corrigé', payload: corrected },
    });
    const problem = expectProblem(reply, 400, 'UNSUPPORTED_CHARACTER');
    expect(problem.errors?.map((e) => e.path)).toEqual(['/demandeur/nom']);
    const revisions = await hub.pool.query('SELECT 1 FROM message_revisions WHERE message_id = $1', [
      messageId,
    ]);
    expect(revisions.rowCount).toBe(0);
  });
});

describe('numbers and dates at the edge of their types', () => {
  it.each([
    ['/sne/demandes?limit=1e309', 'operator'],
    ['/admin/clients?limit=1e309', 'admin'],
    ['/ops/deliveries?limit=1e309', 'operator'],
    ['/connectors/contingent/v1/demandes?limit=1e309', 'contingent'],
    ['/feeds/events?limit=1e309', 'operator'],
    ['/feeds/events?wait=1e309', 'operator'],
    ['/sne/demandes?limit=-1e309', 'operator'],
  ])('refuses %s with 400 INVALID_PARAMETER', async (url, who) => {
    expectProblem(await get(url, tokenOf(who)), 400, 'INVALID_PARAMETER');
  });

  it('bounds the feed cursor within bigint, and still takes a zero-padded one', async () => {
    expectProblem(await get('/feeds/events?after=9999999999999999999', operator), 400, 'INVALID_PARAMETER');
    const ok = await get('/feeds/events?after=0000000000000000005', operator);
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it.each(['0000-01-01', '9999-12-31', '2014-02-30'])(
    'refuses a renewal sweep as of %s with 400',
    async (asOf) => {
      const reply = await hub.app.inject({
        method: 'POST',
        url: '/ops/sweeps/renouvellement',
        headers: auth(operator),
        payload: { asOf },
      });
      expect(reply.statusCode, reply.body).toBe(400);
      expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
    },
  );

  it('refuses a delivery filter in year 0', async () => {
    const reply = await get('/ops/deliveries?from=0000-01-01T00:00:00Z', operator);
    expectProblem(reply, 400, 'INVALID_PARAMETER');
  });

  // RFC 3339 allows offsets up to ±23:59; PostgreSQL refuses beyond ±15:59 (it was a 500).
  it.each([
    '/ops/deliveries?from=2024-01-01T00:00:00-16:00',
    '/ops/deliveries?to=2024-01-01T00:00:00%2B23:59',
    '/ops/messages?from=2024-01-01T00:00:00-16:00',
    '/ops/audit?from=2024-01-01T00:00:00%2B16:00',
  ])('refuses %s (an offset PostgreSQL cannot store) with 400', async (url) => {
    expectProblem(await get(url, operator), 400, 'INVALID_PARAMETER');
  });

  it('says so when a deliveries cursor names a delivery that is gone, rather than ending the list', async () => {
    // As after the retention sweep deleted the last delivery of the page before: it was an empty page.
    const problem = expectProblem(
      await get('/ops/deliveries?cursor=01900000-0000-7000-8000-000000000000', operator),
      400,
      'INVALID_PARAMETER',
    );
    expect(problem.detail).toContain('no longer exists');
  });

  it('takes the offsets PostgreSQL stores, up to ±15:59, in a filter and in a bulk replay', async () => {
    const listed = await get(
      '/ops/deliveries?from=2024-01-01T00:00:00-15:59&to=2024-01-02T00:00:00%2B14:00',
      operator,
    );
    expect(listed.statusCode, listed.body).toBe(200);
    const replay = await hub.app.inject({
      method: 'POST',
      url: '/ops/deliveries/replay',
      headers: auth(operator),
      payload: { filter: { to: '2024-01-01T00:00:00-16:00' }, reason: 'décalage' },
    });
    expectProblem(replay, 400, 'CONTRACT_INVALID');
  });

  it.each([
    ['0000-01-01', 'must lie between 1900-01-01 and 2099-12-31'],
    ['9999-12-31', 'must lie between 1900-01-01 and 2099-12-31'],
    ['2014-02-30', 'must be a real calendar date YYYY-MM-DD'],
  ])('rejects a PGP demande born %s at reception, with its path', async (date, message) => {
    const reply = await postJson(
      '/connectors/pgp/v1/demandes',
      pgp,
      JSON.stringify(
        pgpDemande({ demandeur: { nom: 'Martin', prenom: 'Léa', dateNaissance: date, nationalite: 'FR' } }),
      ),
    );
    const problem = expectProblem(reply, 400, 'CONTRACT_INVALID');
    expect(problem.errors, reply.body).toEqual([
      { path: '/demandeur/dateNaissance', message, code: 'CONTRACT_INVALID' },
    ]);
  });

  it.each([
    [
      'a DALO decision',
      '/connectors/dalo/v1/decisions',
      () => dalo,
      {
        id: 'DD-1',
        numeroUnique: '0591013000042LH59A',
        decision: 'rejet',
        dateDecision: '0000-01-01',
        departementCommission: '59',
      },
      '/dateDecision',
    ],
    [
      'a contingent labellisation',
      '/connectors/contingent/v1/labellisations',
      () => contingent,
      {
        id: 'CL-1',
        numeroUnique: '0591013000042LH59A',
        categorie: 'violences',
        dateLabellisation: '9999-12-31',
      },
      '/dateLabellisation',
    ],
    [
      'a contingent désignation',
      '/connectors/contingent/v1/designations',
      () => contingent,
      {
        id: 'CD-1',
        numeroUnique: '0591013000042LH59A',
        logement: '5900001234',
        dateDesignation: '2014-02-30',
      },
      '/dateDesignation',
    ],
  ])('rejects %s with an impossible date at reception', async (_name, url, token, body, path) => {
    const problem = expectProblem(
      await postJson(url, token(), JSON.stringify(body)),
      400,
      'CONTRACT_INVALID',
    );
    expect(problem.errors?.map((e) => e.path)).toEqual([path]);
  });
});

describe('fields and parameters a route does not know', () => {
  // Stripped silently before: a misspelt filter widened a bulk replay, a misspelt webhook vanished.
  it.each<[string, 'GET' | 'POST', string, string, Record<string, unknown> | undefined, string]>([
    [
      'a misspelt filter of a bulk delivery replay',
      'POST',
      '/ops/deliveries/replay',
      'operator',
      { filter: { status: 'failed', clientt: 'syplo59' }, reason: 'test', dryRun: true },
      '/filter/clientt',
    ],
    [
      'a stray field of a bulk delivery replay',
      'POST',
      '/ops/deliveries/replay',
      'operator',
      { filter: {}, reason: 'test', typo: 1 },
      '/typo',
    ],
    [
      'a misspelt webhook of a new client',
      'POST',
      '/admin/clients',
      'admin',
      {
        id: 'x10',
        role: 'dalo',
        organisme: '130005002',
        nom: 'X',
        departements: ['59'],
        webhok: { url: 'https://example.org/x' },
      },
      '/webhok',
    ],
    [
      'a misspelt webhook filter of a new client',
      'POST',
      '/admin/clients',
      'admin',
      {
        id: 'x11',
        role: 'dalo',
        organisme: '130005002',
        nom: 'X',
        departements: ['59'],
        webhook: { url: 'https://example.org/x', type: ['fr.sne.demande.radiee.v1'] },
      },
      '/webhook/type',
    ],
    [
      'a stray field of a sweep',
      'POST',
      '/ops/sweeps/renouvellement',
      'operator',
      { asOf: '2014-01-01', zz: 1 },
      '/zz',
    ],
    [
      'a misspelt filter of the deliveries list',
      'GET',
      '/ops/deliveries?stauts=failed',
      'operator',
      undefined,
      '/stauts',
    ],
    [
      'a misspelt filter of the demandes list',
      'GET',
      '/sne/demandes?departement=59&statuts=radiee',
      'operator',
      undefined,
      '/statuts',
    ],
  ])('refuses %s with a 400 naming it', async (_label, method, url, who, body, path) => {
    const reply = await hub.app.inject({
      method,
      url,
      headers: { ...auth(tokenOf(who)), ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { payload: JSON.stringify(body) } : {}),
    });
    expect(reply.statusCode, reply.body).toBe(400);
    expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
    // Named: the pointer to the field the route does not know.
    expect(reply.json().errors, reply.body).toContainEqual(expect.objectContaining({ path }));
  });
});

describe('errors produced before any route: problem+json too', () => {
  it('answers a malformed percent-encoding in a path with 400 MALFORMED_URL', async () => {
    expectProblem(await get('/sne/demandes/%FF', operator), 400, 'MALFORMED_URL');
  });

  it('answers a path parameter over 100 characters with 414 PARAMETER_TOO_LONG', async () => {
    expectProblem(await get(`/sne/demandes/${'0'.repeat(101)}`, operator), 414, 'PARAMETER_TOO_LONG');
  });

  it('answers an unknown route with 404 NOT_FOUND', async () => {
    expectProblem(await get('/nowhere', operator), 404, 'NOT_FOUND');
  });

  it('answers what the HTTP parser refuses (request line over 16 KiB, garbage) on a real socket', async () => {
    const address = await hub.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = new URL(address);
    const rawExchange = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect({ port: Number(port), host: '127.0.0.1' });
        let received = '';
        socket.on('data', (chunk) => {
          received += chunk.toString();
        });
        socket.on('close', () => resolve(received));
        socket.on('error', reject);
        socket.write(request);
      });
    const parse = (raw: string) => {
      const [head = '', body = ''] = raw.split('\r\n\r\n');
      return { statusLine: head.split('\r\n')[0], head, body: JSON.parse(body) };
    };

    const tooLong = parse(
      await rawExchange(`GET /sne/demandes?x=${'a'.repeat(17 * 1024)} HTTP/1.1\r\nHost: hub\r\n\r\n`),
    );
    expect(tooLong.statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(tooLong.head).toMatch(/content-type: application\/problem\+json/i);
    expect(tooLong.body).toMatchObject({ status: 431, code: 'HEADERS_TOO_LARGE' });

    const garbage = parse(await rawExchange('NOT HTTP AT ALL\r\n\r\n'));
    expect(garbage.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(garbage.body).toMatchObject({ status: 400, code: 'MALFORMED_REQUEST' });
  });
});

describe('list routes', () => {
  it('refuse a commune of a département out of scope as they refuse the département: 403, not an empty list', async () => {
    for (const url of ['/sne/demandes?commune=62041', '/sne/demandes?departement=62']) {
      const reply = await get(url, guichet);
      expect(reply.json(), url).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    }
    expect((await get('/sne/demandes?commune=59350', guichet)).statusCode).toBe(200);
  });

  it('give next only when a further item exists: a full last page has none', async () => {
    const { rows } = await hub.pool.query<{ n: string }>('SELECT count(*) AS n FROM clients');
    const total = Number(rows[0]?.n);
    const whole = (await get(`/admin/clients?limit=${total}`, ADMIN_TOKEN)).json<{ next?: string }>();
    expect(whole.next).toBeUndefined();
    const first = (await get(`/admin/clients?limit=${total - 1}`, ADMIN_TOKEN)).json<{
      items: { id: string }[];
      next?: string;
    }>();
    expect(first.items).toHaveLength(total - 1);
    expect(first.next).toBe(first.items.at(-1)?.id);
    const rest = (await get(`/admin/clients?limit=${total}&cursor=${first.next}`, ADMIN_TOKEN)).json<{
      items: unknown[];
      next?: string;
    }>();
    expect(rest.items).toHaveLength(1);
    expect(rest.next).toBeUndefined();
  });

  it('list the demandes of a commune for an operator of every département, page by page', async () => {
    const dateDepot = addMonths(today, -1);
    const outcomes = await sendLot(
      hub.app,
      guichet,
      enregistrement({ id: 'C1', nom: 'Commune1', dateDepot, communes: ['59350'] }),
      enregistrement({ id: 'C2', nom: 'Commune2', dateDepot, communes: ['59009', '59350'] }),
      enregistrement({ id: 'C3', nom: 'Commune3', dateDepot, communes: ['59009'] }),
    );
    const lille = ['C1', 'C2'].map((id) => outcomes[id]?.result?.numeroUnique).sort();
    const page1 = (await get('/sne/demandes?commune=59350&limit=1', operator)).json<{
      items: { numeroUnique: string }[];
      next?: string;
    }>();
    expect(page1.items.map((d) => d.numeroUnique)).toEqual([lille[0]]);
    const page2 = (await get(`/sne/demandes?commune=59350&limit=1&cursor=${page1.next}`, operator)).json<{
      items: { numeroUnique: string }[];
      next?: string;
    }>();
    expect(page2.items.map((d) => d.numeroUnique)).toEqual([lille[1]]);
    expect(page2.next).toBeUndefined();
  });

  // A cursor no page of the list ever gave (malformed percent-encoding, another list's cursor, a
  // negative number) once fell back to the first page on /admin/clients: a client paging on would
  // loop for ever.
  it.each([
    ['/admin/clients', 'admin', 'cursor'],
    ['/sne/demandes', 'operator', 'cursor'],
    ['/ops/messages', 'operator', 'cursor'],
    ['/ops/deliveries', 'operator', 'cursor'],
    ['/ops/audit', 'operator', 'cursor'],
    ['/connectors/contingent/v1/demandes', 'contingent', 'cursor'],
    ['/feeds/events', 'operator', 'after'],
  ])('%s refuses a cursor it never gave with 400 INVALID_PARAMETER and its path', async (url, who, name) => {
    for (const cursor of ['%ZZ', 'NOT-A-CURSOR', '-1']) {
      const problem = expectProblem(
        await get(`${url}?${name}=${cursor}`, tokenOf(who)),
        400,
        'INVALID_PARAMETER',
      );
      expect(
        problem.errors?.map((e) => e.path),
        cursor,
      ).toEqual([`/${name}`]);
    }
  });
});

describe('bodies of another media type than the route reads', () => {
  const id = '0190a8f3-5b1e-7c2d-8e3f-123456789abc';

  // Fastify reads text/plain as a string by default: a JSON route answered 400 "must be object".
  it.each([
    [`/ops/messages/${id}/replay`, 'operator'],
    [`/ops/messages/${id}/discard`, 'operator'],
    ['/ops/messages/replay', 'operator'],
    [`/ops/deliveries/${id}/replay`, 'operator'],
    [`/ops/deliveries/${id}/discard`, 'operator'],
    ['/ops/deliveries/replay', 'operator'],
    ['/ops/sweeps/renouvellement', 'operator'],
    ['/ops/sweeps/retention', 'operator'],
    ['/admin/clients', 'admin'],
    ['/connectors/pgp/v1/demandes', 'pgp'],
    ['/connectors/dalo/v1/decisions', 'dalo'],
    ['/connectors/contingent/v1/labellisations', 'contingent'],
    ['/connectors/spt/v2/lots', 'guichet'],
  ])('POST %s answers a text/plain body with 415 UNSUPPORTED_MEDIA_TYPE', async (url, who) => {
    const before = await messageCount();
    for (const type of ['text/plain', 'text/plain; charset=utf-8']) {
      const reply = await hub.app.inject({
        method: 'POST',
        url,
        headers: { ...auth(tokenOf(who)), 'content-type': type },
        payload: '{"reason":"typo fixed"}',
      });
      expectProblem(reply, 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
    expect(await messageCount()).toBe(before);
  });
});
