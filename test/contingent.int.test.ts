import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provision, startTestHub, type TestHub } from './helpers/hub.ts';
import { type EnregistrementSpec, enregistrement, radiation, sendLot } from './helpers/spt.ts';
import { UUID_V7 } from './helpers/uuid-v7.ts';
import { waitForMessagesDone } from './helpers/wait.ts';

/**
 * The contingent connector (interfaces.md §7) through the real app: the priority list, labellisations,
 * désignations, scopes. The list is tested in département 80, which no other test of this file uses.
 */
let hub: TestHub;
let bailleur: string;
let bailleur80: string;
let contingent: string;
let contingent62: string;
let contingent80: string;
let dalo80: string;
let counter = 0;
const uid = (prefix: string) => `${prefix}-${++counter}`;

beforeAll(async () => {
  hub = await startTestHub();
  bailleur = await provision(hub.app, {
    id: 'lille-habitat',
    role: 'bailleur',
    organisme: '123456789',
    codeGuichet: 'LH59A',
  });
  bailleur80 = await provision(hub.app, {
    id: 'amiens-habitat',
    role: 'bailleur',
    organisme: '280000001',
    codeGuichet: 'AH80A',
    departements: ['80'],
  });
  contingent = await provision(hub.app, { id: 'syplo-59', role: 'contingent', organisme: '130005004' });
  contingent62 = await provision(hub.app, {
    id: 'syplo-62',
    role: 'contingent',
    organisme: '130005005',
    departements: ['62'],
  });
  contingent80 = await provision(hub.app, {
    id: 'syplo-80',
    role: 'contingent',
    organisme: '130005006',
    departements: ['80'],
  });
  dalo80 = await provision(hub.app, {
    id: 'comdalo-80',
    role: 'dalo',
    organisme: '130005007',
    departements: ['80'],
  });
  await hub.pool.query(
    `INSERT INTO logements (identifiant_rpls, siren_bailleur, code_commune, departement, statut) VALUES
       ('5900001234', '123456789', '59350', '59', 'en-parc'), ('6200001234', '987654321', '62041', '62', 'en-parc'),
       ('5900005555', '123456789', '59350', '59', 'sorti')`,
  );
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

function get(url: string, token = contingent) {
  return hub.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
}

function post(path: string, body: unknown, token = contingent) {
  return hub.app.inject({
    method: 'POST',
    url: `/connectors/${path}`,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
}

/** Posts one message, expects 202, and returns it once applied or failed, as its sender reads it. */
async function applied(path: string, body: unknown, token = contingent) {
  const reply = await post(path, body, token);
  expect(reply.statusCode, reply.body).toBe(202);
  const { messageId } = reply.json();
  await waitForMessagesDone(hub.pool, [messageId]);
  return (await get(`/messages/${messageId}`, token)).json();
}

const labellisation = (numeroUnique: string, fields: Record<string, string> = {}) => ({
  id: uid('L'),
  numeroUnique,
  categorie: 'violences',
  dateLabellisation: '2014-05-01',
  ...fields,
});

const designation = (numeroUnique: string, fields: Record<string, string> = {}) => ({
  id: uid('G'),
  numeroUnique,
  logement: '5900001234',
  dateDesignation: '2014-06-01',
  ...fields,
});

const numeros = (page: { items: { numeroUnique: string }[] }) => page.items.map((d) => d.numeroUnique);

describe('POST /connectors/contingent/v1/labellisations', () => {
  it('makes the demande prioritaire', async () => {
    const n = await registered({ dateDepot: '2014-02-01' });
    const body = labellisation(n);
    expect(await applied('contingent/v1/labellisations', body)).toMatchObject({
      id: body.id,
      client: 'syplo-59',
      system: 'contingent',
      version: 'v1',
      type: 'labellisation',
      status: 'applied',
    });
    const { rows } = await hub.pool.query('SELECT prioritaire FROM demandes WHERE numero_unique = $1', [n]);
    expect(rows[0].prioritaire).toEqual({ categorie: 'violences', dateLabellisation: '2014-05-01' });
    const events = await hub.pool.query(
      'SELECT type, prioritaire FROM events WHERE subject = $1 ORDER BY sequence',
      [n],
    );
    expect(events.rows.at(-1)).toEqual({ type: 'fr.sne.demande.labellisee.v1', prioritaire: true });
  });

  it('fails for a radiée demande, an unknown one and a date before the dépôt', async () => {
    const n = await registered({ dateDepot: '2014-02-01' });
    const x = uid('X');
    await sendLot(hub.app, bailleur, radiation(x, n, 'abandon', '2014-03-01'));
    const other = await registered({ dateDepot: '2014-02-01' });
    const cases = [
      [labellisation(n), 'DEMANDE_RADIEE'],
      [labellisation('0591013999999LH59A'), 'DEMANDE_INCONNUE'],
      [labellisation(other, { dateLabellisation: '2014-01-31' }), 'DATE_INVALIDE'],
    ] as const;
    for (const [body, code] of cases) {
      expect(await applied('contingent/v1/labellisations', body)).toMatchObject({
        status: 'failed',
        error: { code },
      });
    }
  });

  it('rejects a contract-invalid message (400, kept) and is idempotent (same messageId, or 409)', async () => {
    const n = await registered();
    const invalid = await post('contingent/v1/labellisations', labellisation(n, { categorie: 'urgence' }));
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toMatchObject({
      code: 'CONTRACT_INVALID',
      errors: [{ path: '/categorie' }],
      messageId: expect.any(String),
    });
    const stored = await hub.pool.query('SELECT status FROM messages WHERE id = $1', [
      invalid.json().messageId,
    ]);
    expect(stored.rows[0].status).toBe('rejected');

    const body = labellisation(n);
    const first = await post('contingent/v1/labellisations', body);
    const again = await post('contingent/v1/labellisations', body);
    expect(again.statusCode).toBe(202);
    expect(again.json().messageId).toBe(first.json().messageId);
    const conflict = await post('contingent/v1/labellisations', { ...body, categorie: 'handicap' });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().code).toBe('IDEMPOTENCY_CONFLICT');
  });
});

describe('POST /connectors/contingent/v1/designations', () => {
  it('records the désignation and emits designation.creee for the bailleur owning the logement', async () => {
    const n = await registered({ dateDepot: '2014-02-01' });
    const body = designation(n);
    const message = await applied('contingent/v1/designations', body);
    expect(message).toMatchObject({ status: 'applied', type: 'designation' });
    const rows = await hub.pool.query(
      'SELECT logement, siren_bailleur, date_designation, client_id, message_id, id::text FROM designations WHERE numero_unique = $1',
      [n],
    );
    expect(rows.rows).toEqual([
      {
        logement: '5900001234',
        siren_bailleur: '123456789',
        date_designation: '2014-06-01',
        client_id: 'syplo-59',
        message_id: message.messageId,
        // Made by PostgreSQL (sne_uuid_v7): time-ordered, written at the key's right edge.
        id: expect.stringMatching(UUID_V7),
      },
    ]);
    const events = await hub.pool.query(
      `SELECT type, bailleur, data FROM events WHERE subject = $1 AND type = 'fr.sne.designation.creee.v1'`,
      [n],
    );
    expect(events.rows).toHaveLength(1);
    expect(events.rows[0]).toMatchObject({
      bailleur: '123456789',
      data: { numeroUnique: n, logement: '5900001234', sirenBailleur: '123456789' },
    });
  });

  it('fails for a logement not in the parc, out of it, or in another département', async () => {
    const n = await registered();
    const cases = [
      [designation(n, { logement: '5900000000' }), 'LOGEMENT_INCONNU'],
      [designation(n, { logement: '5900005555' }), 'LOGEMENT_INCONNU'],
      [designation(n, { logement: '6200001234' }), 'HORS_TERRITOIRE'],
    ] as const;
    for (const [body, code] of cases) {
      expect(await applied('contingent/v1/designations', body)).toMatchObject({
        status: 'failed',
        error: { code },
      });
    }
    const { rows } = await hub.pool.query(
      'SELECT count(*)::int AS n FROM designations WHERE numero_unique = $1',
      [n],
    );
    expect(rows[0].n).toBe(0);
  });

  it('rejects a contract-invalid message with the faulty fields', async () => {
    const reply = await post('contingent/v1/designations', {
      id: uid('G'),
      numeroUnique: 'x',
      logement: 'abc',
    });
    expect(reply.statusCode).toBe(400);
    expect(
      reply
        .json()
        .errors.map((e: { path: string }) => e.path)
        .sort(),
    ).toEqual(['/dateDesignation', '/logement', '/numeroUnique']);
  });
});

describe('GET /connectors/contingent/v1/demandes', () => {
  const list: Record<string, string> = {};

  beforeAll(async () => {
    const spec = (nom: string) => ({ nom, departement: '80', communes: ['80021'], dateDepot: '2014-02-01' });
    list.labellisee = await registered({ ...spec('Labellisee'), email: 'l@example.org' }, bailleur80);
    list.dalo = await registered(spec('Dalo'), bailleur80);
    list.rejet = await registered(spec('Rejet'), bailleur80);
    list.both = await registered(spec('LesDeux'), bailleur80);
    list.plain = await registered(spec('Ordinaire'), bailleur80);
    list.radiee = await registered(spec('Radiee'), bailleur80);
    const decide = (n: string, decision: string) => ({
      id: uid('D'),
      numeroUnique: n,
      decision,
      dateDecision: '2014-04-01',
      departementCommission: '80',
    });
    for (const [n, d] of [
      [list.dalo, 'prioritaire-urgent'],
      [list.rejet, 'rejet'],
      [list.both, 'prioritaire-urgent'],
    ] as const) {
      expect((await applied('dalo/v1/decisions', decide(n, d), dalo80)).status).toBe('applied');
    }
    for (const n of [list.labellisee, list.both, list.radiee]) {
      expect((await applied('contingent/v1/labellisations', labellisation(n), contingent80)).status).toBe(
        'applied',
      );
    }
    const x = uid('X');
    await sendLot(hub.app, bailleur80, radiation(x, list.radiee as string, 'abandon', '2014-06-01'));
  });

  it('lists the active demandes labellisées or DALO prioritaire-urgent, by filtre', async () => {
    const sorted = (...keys: string[]) => keys.map((k) => list[k]).sort();
    const all = await get('/connectors/contingent/v1/demandes?departement=80', contingent80);
    expect(all.statusCode).toBe(200);
    expect(numeros(all.json())).toEqual(sorted('labellisee', 'dalo', 'both'));
    expect(all.json().next).toBeUndefined();
    const prioritaire = await get(
      '/connectors/contingent/v1/demandes?departement=80&filtre=prioritaire',
      contingent80,
    );
    expect(numeros(prioritaire.json())).toEqual(sorted('labellisee', 'both'));
    const dalo = await get('/connectors/contingent/v1/demandes?departement=80&filtre=dalo', contingent80);
    expect(numeros(dalo.json())).toEqual(sorted('dalo', 'both'));
    // Without a département: all of the client's.
    expect(numeros((await get('/connectors/contingent/v1/demandes', contingent80)).json())).toEqual(
      numeros(all.json()),
    );
  });

  it('gives what is needed to propose a logement and reach the household', async () => {
    const page = (await get('/connectors/contingent/v1/demandes?filtre=prioritaire', contingent80)).json();
    expect(
      page.items.find((d: { numeroUnique: string }) => d.numeroUnique === list.labellisee),
    ).toStrictEqual({
      numeroUnique: list.labellisee,
      departement: '80',
      dateDepot: '2014-02-01',
      typologie: 'T3',
      communesSouhaitees: ['80021'],
      nombrePersonnes: 3,
      demandeur: { nom: 'Labellisee', prenom: 'Amélie', email: 'l@example.org' },
      prioritaire: { categorie: 'violences', dateLabellisation: '2014-05-01' },
    });
    expect(page.items.find((d: { numeroUnique: string }) => d.numeroUnique === list.both)).toMatchObject({
      dalo: { decision: 'prioritaire-urgent', dateDecision: '2014-04-01', departementCommission: '80' },
      prioritaire: { categorie: 'violences' },
    });
  });

  it('paginates with limit and cursor; next is absent on the last page', async () => {
    const expected = [list.labellisee, list.dalo, list.both].sort();
    const seen: string[] = [];
    let url = '/connectors/contingent/v1/demandes?departement=80&limit=2';
    const first = (await get(url, contingent80)).json();
    expect(first.items).toHaveLength(2);
    expect(first.next).toBe(first.items[1].numeroUnique);
    seen.push(...numeros(first));
    url = `${url}&cursor=${first.next}`;
    const second = (await get(url, contingent80)).json();
    expect(second.next).toBeUndefined();
    seen.push(...numeros(second));
    expect(seen).toEqual(expected);
    const exact = (
      await get('/connectors/contingent/v1/demandes?departement=80&limit=3', contingent80)
    ).json();
    expect(exact.items).toHaveLength(3);
    expect(exact.next).toBeUndefined();
  });

  it('answers 400 for a bad limit, cursor, filtre or département', async () => {
    for (const query of ['limit=0', 'limit=1001', 'cursor=abc', 'filtre=tous', 'departement=5']) {
      const reply = await get(`/connectors/contingent/v1/demandes?${query}`, contingent80);
      expect(reply.statusCode, query).toBe(400);
      expect(reply.json().code).toBe('INVALID_PARAMETER');
    }
  });

  it('keeps each contingent to its départements', async () => {
    expect(
      (await get('/connectors/contingent/v1/demandes?departement=80', contingent62)).json(),
    ).toMatchObject({
      status: 403,
      code: 'FORBIDDEN',
    });
    expect((await get('/connectors/contingent/v1/demandes', contingent62)).json()).toEqual({ items: [] });
  });
});

describe('scopes and roles', () => {
  it('refuses a labellisation or désignation of another département’s demande at once (403, nothing stored)', async () => {
    const n = await registered();
    const count = async () =>
      (await hub.pool.query(`SELECT count(*)::int AS n FROM messages WHERE client_id = 'syplo-62'`)).rows[0]
        .n;
    const before = await count();
    for (const [path, body] of [
      ['contingent/v1/labellisations', labellisation(n)],
      ['contingent/v1/designations', designation(n)],
    ] as const) {
      const reply = await post(path, body, contingent62);
      expect(reply.statusCode).toBe(403);
      expect(reply.json().code).toBe('FORBIDDEN');
    }
    expect(await count()).toBe(before);
  });

  it('keeps the routes to the contingent role', async () => {
    const n = await registered();
    for (const token of [bailleur, dalo80]) {
      expect((await get('/connectors/contingent/v1/demandes', token)).statusCode).toBe(403);
      expect((await post('contingent/v1/labellisations', labellisation(n), token)).statusCode).toBe(403);
      expect((await post('contingent/v1/designations', designation(n), token)).statusCode).toBe(403);
    }
  });
});

describe('OpenAPI', () => {
  it('documents the contingent routes', async () => {
    const doc = (await hub.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const path of [
      '/connectors/contingent/v1/labellisations',
      '/connectors/contingent/v1/designations',
    ]) {
      expect(doc.paths[path].post).toMatchObject({ tags: ['contingent'], summary: expect.any(String) });
    }
    const list = doc.paths['/connectors/contingent/v1/demandes'].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['departement', 'filtre', 'limit', 'cursor']),
    );
  });
});
