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
});
