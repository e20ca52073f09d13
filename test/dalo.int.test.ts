import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provision, startTestHub, type TestHub } from './helpers/hub.ts';
import { type EnregistrementSpec, enregistrement, radiation, sendLot } from './helpers/spt.ts';
import { waitForMessagesDone } from './helpers/wait.ts';

/** The DALO connector (interfaces.md §6) through the real app: reads, search, decisions, scopes. */
let hub: TestHub;
let bailleur: string;
let bailleur62: string;
let dalo: string;
let dalo62: string;
let contingent: string;
let guichet: string;
let counter = 0;
const uid = (prefix: string) => `${prefix}-${++counter}`;

beforeAll(async () => {
  hub = await startTestHub();
  bailleur = await provision(hub.app, { id: 'lille-habitat', role: 'bailleur', codeGuichet: 'LH59A' });
  bailleur62 = await provision(hub.app, {
    id: 'pas-de-calais-habitat',
    role: 'bailleur',
    organisme: '987654321',
    codeGuichet: 'PC62A',
    departements: ['62'],
  });
  dalo = await provision(hub.app, { id: 'comdalo-59', role: 'dalo', organisme: '130005002' });
  dalo62 = await provision(hub.app, {
    id: 'comdalo-62',
    role: 'dalo',
    organisme: '130005003',
    departements: ['62'],
  });
  contingent = await provision(hub.app, { id: 'syplo-59', role: 'contingent', organisme: '130005004' });
  guichet = await provision(hub.app, {
    id: 'mairie-lille',
    role: 'guichet',
    organisme: '215903501',
    codeGuichet: 'ML59A',
  });
});

afterAll(async () => {
  await hub?.close();
});

/** Registers one demande through SPT and returns its numéro. */
async function registered(spec: Partial<EnregistrementSpec> = {}, token = bailleur) {
  const id = uid('E');
  const out = await sendLot(hub.app, token, enregistrement({ nom: `Personne${id}`, ...spec, id }));
  expect(out[id]?.status).toBe('applied');
  return out[id]?.result?.numeroUnique as string;
}

function get(url: string, token = dalo) {
  return hub.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
}

function postDecision(body: unknown, token = dalo, contentType = 'application/json') {
  return hub.app.inject({
    method: 'POST',
    url: '/connectors/dalo/v1/decisions',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The message once applied or failed, as its sender reads it. */
async function outcome(messageId: string, token = dalo) {
  await waitForMessagesDone(hub.pool, [messageId]);
  return (await get(`/messages/${messageId}`, token)).json();
}

/** Days from a dépôt to today's date in Paris, read from the clock with Intl, not the hub's helpers. */
function anciennete(dateDepot: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: 'Europe/Paris',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
  }).formatToParts(new Date());
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const [y, m, d] = dateDepot.split('-').map(Number) as [number, number, number];
  return (Date.UTC(part('year'), part('month') - 1, part('day')) - Date.UTC(y, m - 1, d)) / 86_400_000;
}

function decision(numeroUnique: string, fields: Record<string, string> = {}) {
  return {
    id: uid('D'),
    numeroUnique,
    decision: 'prioritaire-urgent',
    dateDecision: '2014-06-10',
    departementCommission: '59',
    ...fields,
  };
}

describe('GET /connectors/dalo/v1/demandes/{numeroUnique}', () => {
  it('shows the demande with its ancienneté and the demandeur’s identity, nothing more personal', async () => {
    const n = await registered({
      nom: 'Martin',
      prenom: 'Léa',
      dateNaissance: '1990-05-06',
      dateDepot: '2014-03-01',
      email: 'lea@example.org',
    });
    // Ancienneté: calendar days from the dépôt to today in Paris (fixed dates in view.test.ts).
    // Read from the clock on each side of the request, independently of the hub's helper, so
    // that midnight falling during the request cannot fail the test.
    const before = anciennete('2014-03-01');
    const reply = await get(`/connectors/dalo/v1/demandes/${n}`);
    const after = anciennete('2014-03-01');
    expect(reply.statusCode).toBe(200);
    const days = reply.json<{ ancienneteJours: number }>().ancienneteJours;
    expect([before, after]).toContain(days);
    expect(reply.json()).toStrictEqual({
      numeroUnique: n,
      statut: 'active',
      departement: '59',
      dateDepot: '2014-03-01',
      ancienneteJours: days,
      typologie: 'T3',
      communesSouhaitees: ['59350'],
      menage: { nombrePersonnes: 3 },
      demandeur: { nom: 'Martin', prenom: 'Léa', dateNaissance: '1990-05-06' },
    });
  });

  it('answers 404 for an unknown demande, 403 for one of another département, 400 for a bad numéro', async () => {
    const n = await registered();
    expect((await get('/connectors/dalo/v1/demandes/0591013999999LH59A')).json()).toMatchObject({
      status: 404,
      code: 'DEMANDE_INCONNUE',
    });
    const foreign = await get(`/connectors/dalo/v1/demandes/${n}`, dalo62);
    expect(foreign.statusCode).toBe(403);
    expect(foreign.headers['content-type']).toContain('application/problem+json');
    expect((await get('/connectors/dalo/v1/demandes/059')).statusCode).toBe(400);
  });

  it('is the DALO commission’s only', async () => {
    const n = await registered();
    expect((await get(`/connectors/dalo/v1/demandes/${n}`, guichet)).statusCode).toBe(403);
    expect((await get(`/connectors/dalo/v1/demandes/${n}`, contingent)).statusCode).toBe(403);
    const anonymous = await hub.app.inject({ method: 'GET', url: `/connectors/dalo/v1/demandes/${n}` });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('GET /connectors/dalo/v1/demandes?nom=&prenom=&dateNaissance=', () => {
  /** The person's demande of 2013, radiée on 2013-06-01 (abandon), then a new one of 2014: their numéros. */
  async function radieeThenActive(person: Pick<EnregistrementSpec, 'nom' | 'prenom' | 'dateNaissance'>) {
    const old = await registered({ ...person, dateDepot: '2013-01-15' });
    const x = uid('X');
    expect((await sendLot(hub.app, bailleur, radiation(x, old, 'abandon', '2013-06-01')))[x]?.status).toBe(
      'applied',
    );
    return [old, await registered({ ...person, dateDepot: '2014-02-01' })] as const;
  }

  it('finds the person’s demandes, active and radiée, in the client’s départements only, ignoring case, accents and spaces', async () => {
    const person = { nom: 'Lefèvre', prenom: 'Jean  Marc', dateNaissance: '1970-01-01' };
    const [old, current] = await radieeThenActive(person);
    const in62 = await registered({ ...person, departement: '62', communes: ['62041'] }, bailleur62);
    await registered({ ...person, dateNaissance: '1970-01-02' });

    const query =
      '/connectors/dalo/v1/demandes?nom=%20LEFEVRE%20&prenom=jean%20marc&dateNaissance=1970-01-01';
    const reply = await get(query);
    expect(reply.statusCode).toBe(200);
    const { items } = reply.json();
    expect(items.map((d: { numeroUnique: string }) => d.numeroUnique)).toEqual([old, current].sort());
    expect(items.find((d: { numeroUnique: string }) => d.numeroUnique === old)).toMatchObject({
      statut: 'radiee',
      radiation: { motif: 'abandon', dateRadiation: '2013-06-01' },
      demandeur: { nom: 'Lefèvre', prenom: 'Jean  Marc' },
    });
    expect(
      (await get(query, dalo62)).json().items.map((d: { numeroUnique: string }) => d.numeroUnique),
    ).toEqual([in62]);
    expect(
      (await get('/connectors/dalo/v1/demandes?nom=Nobody&prenom=X&dateNaissance=1970-01-01')).json(),
    ).toEqual({ items: [] });
  });

  it('is cursor-paginated as every list (interfaces.md §1): limit, cursor, next', async () => {
    const [first, second] = await radieeThenActive({
      nom: 'Pagination',
      prenom: 'Lise',
      dateNaissance: '1975-03-03',
    });
    const query = '/connectors/dalo/v1/demandes?nom=Pagination&prenom=Lise&dateNaissance=1975-03-03';

    const page1 = await get(`${query}&limit=1`);
    expect(page1.statusCode).toBe(200);
    const { items, next } = page1.json();
    expect(items.map((d: { numeroUnique: string }) => d.numeroUnique)).toEqual([first]);
    expect(next).toBe(first);
    const page2 = (await get(`${query}&limit=1&cursor=${next}`)).json();
    expect(page2.items.map((d: { numeroUnique: string }) => d.numeroUnique)).toEqual([second]);
    expect(page2).not.toHaveProperty('next');
    expect((await get(query)).json()).not.toHaveProperty('next');
    for (const bad of ['limit=0', 'limit=1001', 'cursor=not-a-numero']) {
      const reply = await get(`${query}&${bad}`);
      expect(reply.statusCode, bad).toBe(400);
      expect(reply.json()).toMatchObject({ code: 'INVALID_PARAMETER' });
    }
  });

  it('answers 400 for a missing or invalid parameter', async () => {
    for (const query of [
      'nom=Dupont&prenom=Amelie',
      'nom=Dupont&dateNaissance=1985-04-12',
      'nom=Dupont&prenom=Amelie&dateNaissance=1985-02-30',
      'nom=%20%20&prenom=Amelie&dateNaissance=1985-04-12',
    ]) {
      const reply = await get(`/connectors/dalo/v1/demandes?${query}`);
      expect(reply.statusCode, query).toBe(400);
      expect(reply.json()).toMatchObject({ status: 400, code: 'INVALID_PARAMETER' });
    }
  });
});

describe('POST /connectors/dalo/v1/decisions', () => {
  it('attaches the decision to the demande, visible on GET and as an event', async () => {
    const n = await registered({ dateDepot: '2014-01-10' });
    const body = decision(n);
    const reply = await postDecision(body);
    expect(reply.statusCode).toBe(202);
    const receipt = reply.json();
    expect(receipt).toEqual({ messageId: expect.any(String), status: 'accepted' });
    expect(await outcome(receipt.messageId)).toMatchObject({
      id: body.id,
      client: 'comdalo-59',
      system: 'dalo',
      version: 'v1',
      type: 'decision',
      status: 'applied',
    });
    expect((await get(`/connectors/dalo/v1/demandes/${n}`)).json().dalo).toEqual({
      decision: 'prioritaire-urgent',
      dateDecision: '2014-06-10',
      departementCommission: '59',
    });
    const events = await hub.pool.query(
      'SELECT type, dalo_decision FROM events WHERE subject = $1 ORDER BY sequence',
      [n],
    );
    expect(events.rows.at(-1)).toEqual({
      type: 'fr.sne.demande.dalo-decision.v1',
      dalo_decision: 'prioritaire-urgent',
    });
    const stored = await hub.pool.query('SELECT raw FROM message_payloads WHERE message_id = $1', [
      receipt.messageId,
    ]);
    expect(JSON.parse(stored.rows[0].raw)).toEqual(body);
  });

  it('keeps the latest decision by date when they arrive out of order', async () => {
    const n = await registered({ dateDepot: '2014-01-10' });
    const later = await postDecision(decision(n, { decision: 'sans-objet', dateDecision: '2014-09-01' }));
    const earlier = await postDecision(
      decision(n, { decision: 'prioritaire-urgent', dateDecision: '2014-05-01' }),
    );
    await outcome(later.json().messageId);
    expect((await outcome(earlier.json().messageId)).status).toBe('applied');
    expect((await get(`/connectors/dalo/v1/demandes/${n}`)).json().dalo).toMatchObject({
      decision: 'sans-objet',
      dateDecision: '2014-09-01',
    });
  });

  it('fails on business rules: unknown demande, date in the future or before the dépôt', async () => {
    const n = await registered({ dateDepot: '2014-01-10' });
    const cases = [
      [decision('0591013999999LH59A'), 'DEMANDE_INCONNUE'],
      [decision(n, { dateDecision: '2099-01-01' }), 'DATE_INVALIDE'],
      [decision(n, { dateDecision: '2014-01-09' }), 'DATE_INVALIDE'],
    ] as const;
    for (const [body, code] of cases) {
      const reply = await postDecision(body);
      expect(reply.statusCode).toBe(202);
      expect(await outcome(reply.json().messageId)).toMatchObject({ status: 'failed', error: { code } });
    }
  });

  it('rejects a contract-invalid message with its errors, and keeps it for operators', async () => {
    const body = { ...decision('0591013000042LH59A'), decision: 'favorable', dateDecision: '2014-02-30' };
    const reply = await postDecision(body);
    expect(reply.statusCode).toBe(400);
    expect(reply.headers['content-type']).toContain('application/problem+json');
    const problem = reply.json();
    expect(problem).toMatchObject({ status: 400, code: 'CONTRACT_INVALID', messageId: expect.any(String) });
    expect(problem.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      '/dateDecision',
      '/decision',
    ]);
    const stored = await hub.pool.query(
      'SELECT status, raw, sender_id FROM messages m JOIN message_payloads p ON p.message_id = m.id WHERE id = $1',
      [problem.messageId],
    );
    expect(stored.rows[0]).toEqual({ status: 'rejected', raw: JSON.stringify(body), sender_id: body.id });
    expect(await outcome(problem.messageId)).toMatchObject({
      status: 'rejected',
      error: { code: 'CONTRACT_INVALID' },
    });
  });

  it('refuses a body that is not JSON (400) or not sent as JSON (415)', async () => {
    const malformed = await postDecision('{"id": ');
    expect(malformed.json()).toMatchObject({ status: 400, code: 'MALFORMED_BODY' });
    const xml = await postDecision('<decision/>', dalo, 'application/xml');
    expect(xml.json()).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('is idempotent: same id and content → same messageId; same id, other content → 409', async () => {
    const n = await registered({ dateDepot: '2014-01-10' });
    const body = decision(n);
    const first = (await postDecision(body)).json();
    const again = await postDecision(body);
    expect(again.statusCode).toBe(202);
    expect(again.json().messageId).toBe(first.messageId);
    const conflict = await postDecision({ ...body, decision: 'rejet' });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json()).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', messageId: expect.any(String) });
    expect(conflict.json().messageId).not.toBe(first.messageId);
    await outcome(first.messageId);
    const history = await hub.pool.query(
      `SELECT count(*)::int AS n FROM demande_historique WHERE numero_unique = $1 AND kind = 'dalo-decision'`,
      [n],
    );
    expect(history.rows[0].n).toBe(1);
  });

  it('refuses other roles (403) and another département’s demande or commission (403, nothing stored)', async () => {
    const n = await registered();
    for (const token of [contingent, guichet, bailleur]) {
      const reply = await postDecision(decision(n), token);
      expect(reply.statusCode).toBe(403);
      expect(reply.json().code).toBe('FORBIDDEN');
    }
    const before = await hub.pool.query(
      `SELECT count(*)::int AS n FROM messages WHERE client_id = 'comdalo-62'`,
    );
    const foreign = await postDecision(decision(n, { departementCommission: '62' }), dalo62);
    expect(foreign.json()).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    const commission = await postDecision(decision(n, { departementCommission: '62' }));
    expect(commission.json()).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    const after = await hub.pool.query(
      `SELECT count(*)::int AS n FROM messages WHERE client_id = 'comdalo-62'`,
    );
    expect(after.rows[0].n).toBe(before.rows[0].n);
    expect((await get(`/connectors/dalo/v1/demandes/${n}`)).json().dalo).toBeUndefined();
  });
});

describe('OpenAPI', () => {
  it('documents the DALO routes with their contract, replies and problems', async () => {
    const doc = (await hub.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const post = doc.paths['/connectors/dalo/v1/decisions'].post;
    expect(post.tags).toEqual(['DALO']);
    expect(post.requestBody.content['application/json'].schema).toMatchObject({
      required: ['id', 'numeroUnique', 'decision', 'dateDecision', 'departementCommission'],
      properties: { decision: { enum: ['prioritaire-urgent', 'rejet', 'sans-objet'] } },
    });
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['202', '400', '403', '409']));
    expect(
      doc.paths['/connectors/dalo/v1/demandes'].get.parameters.map((p: { name: string }) => p.name),
    ).toEqual(expect.arrayContaining(['nom', 'prenom', 'dateNaissance']));
    expect(doc.paths['/connectors/dalo/v1/demandes/{numeroUnique}'].get.summary).toBe('Read a demande');
  });
});
