import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provision, startTestHub, type TestHub, waitForMessagesDone } from './helpers/hub.ts';
import {
  attribution,
  type EnregistrementSpec,
  enregistrement,
  type LotReply,
  lot,
  outcomesOf,
  postLot,
  radiation,
  renouvellement,
  sendLot,
} from './helpers/spt.ts';

/**
 * The lifecycle rules of domain.md that no other test drives through the public routes: the
 * sweep past one chunk, a second préavis after a renewal, the rattrapage of an automatic
 * radiation, numéros uniques overseas, doublons typed differently, and the DALO and prioritaire
 * status an attribution keeps.
 */
let hub: TestHub;
let bailleur: string;
let guichet: string;
let outreMer: string;
let dalo: string;
let contingent: string;
let operator: string;
let counter = 0;
const uid = (prefix: string) => `${prefix}-${++counter}`;
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  hub = await startTestHub();
  bailleur = await provision(hub.app, {
    id: 'lille-habitat',
    role: 'bailleur',
    organisme: '123456789',
    codeGuichet: 'LH59A',
  });
  guichet = await provision(hub.app, {
    id: 'mairie-lille',
    role: 'guichet',
    organisme: '215903501',
    codeGuichet: 'ML59A',
  });
  outreMer = await provision(hub.app, {
    id: 'drom',
    role: 'guichet',
    organisme: '130007669',
    codeGuichet: 'OM97A',
    departements: ['972', '973', '974', '975', '976'],
  });
  dalo = await provision(hub.app, { id: 'comdalo-59', role: 'dalo', organisme: '130005002' });
  contingent = await provision(hub.app, { id: 'syplo-59', role: 'contingent', organisme: '130005004' });
  operator = await provision(hub.app, { id: 'ops', role: 'operator', departements: ['*'] });
  await hub.pool.query(
    `INSERT INTO logements (identifiant_rpls, siren_bailleur, code_commune, departement)
     VALUES ('5900001234', '123456789', '59350', '59')`,
  );
});

afterAll(async () => {
  await hub?.close();
});

async function getDemande(numero: string) {
  const reply = await hub.app.inject({
    method: 'GET',
    url: `/sne/demandes/${numero}`,
    headers: auth(operator),
  });
  expect(reply.statusCode).toBe(200);
  return reply.json();
}

async function sweep(asOf: string): Promise<{ asOf: string; preavis: number; radiees: number }> {
  const reply = await hub.app.inject({
    method: 'POST',
    url: '/ops/sweeps/renouvellement',
    headers: auth(operator),
    payload: { asOf, reason: 'test' },
  });
  expect(reply.statusCode, reply.body).toBe(200);
  return reply.json();
}

/** Registers one demande for a new person (through SPT v2) and returns its numéro. */
async function registered(spec: Partial<EnregistrementSpec> = {}, token = bailleur): Promise<string> {
  const id = uid('E');
  const out = await sendLot(hub.app, token, enregistrement({ nom: `Personne${id}`, ...spec, id }));
  expect(out[id]?.status, JSON.stringify(out[id])).toBe('applied');
  return out[id]?.result?.numeroUnique as string;
}

/** The échéances of the préavis events of a demande, in order. */
async function preavisOf(numero: string): Promise<string[]> {
  const { rows } = await hub.pool.query<{ data: { dateEcheance: string } }>(
    `SELECT data FROM events WHERE subject = $1 AND type = 'fr.sne.renouvellement.preavis.v1' ORDER BY sequence`,
    [numero],
  );
  return rows.map((r) => r.data.dateEcheance);
}

/** Posts one JSON message to a connector, expects 202, waits, and returns its status as its sender reads it. */
async function appliedJson(path: string, body: unknown, token: string): Promise<{ status: string }> {
  const reply = await hub.app.inject({
    method: 'POST',
    url: `/connectors/${path}`,
    headers: { ...auth(token), 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
  expect(reply.statusCode, reply.body).toBe(202);
  const { messageId } = reply.json<{ messageId: string }>();
  await waitForMessagesDone(hub.pool, [messageId]);
  return (
    await hub.app.inject({ method: 'GET', url: `/messages/${messageId}`, headers: auth(token) })
  ).json();
}

// First: the exact totals below count every demande of this hub's registry.
describe('the renewal sweep past one chunk of 1,000 demandes', () => {
  it('sends every préavis and radiates every demande of a registry larger than one chunk', async () => {
    // 1,201 demandes deposited on 2011-05-10: échéance 2012-05-10, préavis from 2012-04-10,
    // radiation on 2012-06-10. The sweep reads 1,000 candidates at a time (services/core/sweep.ts).
    const TOTAL = 1201;
    const receipts: LotReply[] = [];
    for (let start = 0; start < TOTAL; start += 600) {
      const messages = [];
      for (let i = start; i < Math.min(start + 600, TOTAL); i++) {
        messages.push(enregistrement({ id: `C-${i}`, nom: `Chunk${i}`, dateDepot: '2011-05-10' }));
      }
      const reply = await postLot(hub.app, guichet, lot(...messages));
      expect(reply.statusCode).toBe(202);
      receipts.push(reply.json<LotReply>());
    }
    const ids = receipts.flatMap((r) => r.messages.map((m) => m.messageId));
    expect(ids).toHaveLength(TOTAL);
    await waitForMessagesDone(hub.pool, ids, 120_000);
    const numbered = await hub.pool.query<{ n: number; last: string }>(
      `SELECT count(*)::int AS n, max(numero_unique) AS last FROM demandes WHERE date_depot = '2011-05-10'`,
    );
    expect(numbered.rows[0]).toEqual({ n: TOTAL, last: '0590511001201ML59A' });

    expect(await sweep('2012-04-09')).toEqual({ asOf: '2012-04-09', preavis: 0, radiees: 0 });
    expect(await sweep('2012-04-10')).toEqual({ asOf: '2012-04-10', preavis: TOTAL, radiees: 0 });
    const preavis = await hub.pool.query<{ n: number; echeances: string[] }>(
      `SELECT count(DISTINCT numero_unique)::int AS n, array_agg(DISTINCT date_echeance::text) AS echeances FROM preavis`,
    );
    expect(preavis.rows[0]).toEqual({ n: TOTAL, echeances: ['2012-05-10'] });
    expect(await sweep('2012-04-10')).toEqual({ asOf: '2012-04-10', preavis: 0, radiees: 0 });

    expect(await sweep('2012-06-09')).toEqual({ asOf: '2012-06-09', preavis: 0, radiees: 0 });
    expect(await sweep('2012-06-10')).toEqual({ asOf: '2012-06-10', preavis: 0, radiees: TOTAL });
    const radiees = await hub.pool.query(
      `SELECT statut, date_radiation::text AS date, motif_radiation AS motif, count(*)::int AS n
         FROM demandes WHERE date_depot = '2011-05-10' GROUP BY 1, 2, 3`,
    );
    expect(radiees.rows).toEqual([
      { statut: 'radiee', date: '2012-06-10', motif: 'non-renouvellement', n: TOTAL },
    ]);
    expect(await sweep('2012-06-10')).toEqual({ asOf: '2012-06-10', preavis: 0, radiees: 0 });
  });
});

describe('préavis', () => {
  it('sends a second préavis for the échéance a renewal set, once', async () => {
    // Dépôt 2012-09-15: échéance 2013-09-15, préavis from 2013-08-15.
    const n = await registered({ dateDepot: '2012-09-15' });
    await sweep('2013-08-15');
    expect(await preavisOf(n)).toEqual(['2013-09-15']);
    // Renewed on 2013-09-01: échéance 2014-09-01, its préavis from 2014-08-01.
    const r = uid('R');
    expect((await sendLot(hub.app, guichet, renouvellement(r, n, '2013-09-01')))[r]?.status).toBe('applied');
    await sweep('2014-07-31');
    expect(await preavisOf(n)).toEqual(['2013-09-15']);
    await sweep('2014-08-01');
    expect(await preavisOf(n)).toEqual(['2013-09-15', '2014-09-01']);
    await sweep('2014-08-20');
    expect(await preavisOf(n)).toEqual(['2013-09-15', '2014-09-01']);
    expect(await getDemande(n)).toMatchObject({
      statut: 'active',
      dateRenouvellement: '2013-09-01',
      dateEcheance: '2014-09-01',
    });
  });
});

describe('rattrapage of the automatic radiation for non-renouvellement', () => {
  // Dépôt 2012-10-10: échéance 2013-10-10, radiée for non-renouvellement on 2013-11-10.
  const AUTO = { motif: 'non-renouvellement', dateRadiation: '2013-11-10' };
  let on: string;
  let before: string;
  let after: string;
  let attribueeApres: string;

  beforeAll(async () => {
    on = await registered({ dateDepot: '2012-10-10' });
    before = await registered({ dateDepot: '2012-10-10' });
    after = await registered({ dateDepot: '2012-10-10' });
    attribueeApres = await registered({ dateDepot: '2012-10-10' });
    await sweep('2013-11-10');
    for (const n of [on, before, after, attribueeApres]) {
      expect((await getDemande(n)).radiation).toEqual(AUTO);
    }
  });

  it('replaces it by a radiation dated on or before its date', async () => {
    const [a, b] = [uid('X'), uid('X')];
    const out = await sendLot(
      hub.app,
      guichet,
      radiation(a, on, 'abandon', '2013-11-10'),
      radiation(b, before, 'non-reponse', '2013-06-01'),
    );
    expect(out[a]?.status).toBe('applied');
    expect(out[b]?.status).toBe('applied');
    const replacedOn = await getDemande(on);
    expect(replacedOn).toMatchObject({
      statut: 'radiee',
      radiation: { motif: 'abandon', dateRadiation: '2013-11-10' },
    });
    expect(replacedOn.historique.at(-1)).toMatchObject({
      kind: 'radiation',
      dateEffet: '2013-11-10',
      details: { motif: 'abandon', remplace: AUTO },
    });
    expect(await getDemande(before)).toMatchObject({
      statut: 'radiee',
      radiation: { motif: 'non-reponse', dateRadiation: '2013-06-01' },
    });
    const events = await hub.pool.query(
      `SELECT data->>'motif' AS motif FROM events WHERE subject = $1 AND type = 'fr.sne.demande.radiee.v1' ORDER BY sequence`,
      [before],
    );
    expect(events.rows).toEqual([{ motif: 'non-renouvellement' }, { motif: 'non-reponse' }]);
  });

  it('refuses a radiation dated after it (DEMANDE_RADIEE)', async () => {
    const x = uid('X');
    const out = await sendLot(hub.app, guichet, radiation(x, after, 'abandon', '2013-11-11'));
    expect(out[x]?.error?.code).toBe('DEMANDE_RADIEE');
    expect((await getDemande(after)).radiation).toEqual(AUTO);
  });

  it('refuses an attribution with a bail signed after it (DEMANDE_RADIEE), and stores none', async () => {
    const a = uid('A');
    const out = await sendLot(hub.app, bailleur, attribution(a, attribueeApres, '5900001234', '2013-11-11'));
    expect(out[a]?.error?.code).toBe('DEMANDE_RADIEE');
    expect((await getDemande(attribueeApres)).radiation).toEqual(AUTO);
    const stored = await hub.pool.query('SELECT 1 FROM attributions WHERE numero_unique = $1', [
      attribueeApres,
    ]);
    expect(stored.rows).toEqual([]);
  });
});

describe('numéros uniques overseas', () => {
  it.each([
    ['972', '97209', '9720314000001OM97A'],
    ['973', '97302', '9730314000001OM97A'],
    ['974', '97411', '9740314000001OM97A'],
    ['975', '97502', '9750314000001OM97A'],
    ['976', '97611', '9760314000001OM97A'],
  ])('département %s (commune %s) → %s', async (departement, commune, numero) => {
    const n = await registered({ departement, communes: [commune], dateDepot: '2014-03-10' }, outreMer);
    expect(n).toBe(numero);
    expect(await getDemande(n)).toMatchObject({
      numeroUnique: numero,
      departement,
      communesSouhaitees: [commune],
    });
  });
});

describe('doublons typed differently', () => {
  it.each([
    ['a hyphen or a space', { nom: 'Durand', prenom: 'Jean-Marc' }, { nom: 'DURAND', prenom: 'Jean Marc' }],
    ['a ligature or two letters', { nom: 'Lœuillet', prenom: 'Anne' }, { nom: 'Loeuillet', prenom: 'anne' }],
    ['two apostrophes', { nom: "N'Diaye", prenom: 'Awa' }, { nom: 'N’Diaye', prenom: 'Awa' }],
  ])('%s: the same person, DOUBLON naming the first demande', async (_label, first, second) => {
    const dateNaissance = '1981-04-11';
    const existing = await registered({ ...first, dateNaissance });
    const id = uid('E');
    const out = await sendLot(hub.app, guichet, enregistrement({ id, ...second, dateNaissance }));
    expect(out[id]).toMatchObject({
      status: 'failed',
      error: { code: 'DOUBLON', details: { numeroUnique: existing } },
    });
  });
});

describe('attribution: the DALO and prioritaire status on the day of the bail (2014-06-02)', () => {
  type Decision = { dalo: string; date: string } | { label: string };

  it.each<[string, Decision[], { dalo: boolean; prioritaire: boolean }]>([
    ['neither', [], { dalo: false, prioritaire: false }],
    [
      'DALO prioritaire-urgent before, and a rejet recorded after the bail',
      [
        { dalo: 'prioritaire-urgent', date: '2014-05-01' },
        { dalo: 'rejet', date: '2014-07-01' },
      ],
      { dalo: true, prioritaire: false },
    ],
    ['labellisée before', [{ label: '2014-05-01' }], { dalo: false, prioritaire: true }],
    [
      'both before',
      [{ dalo: 'prioritaire-urgent', date: '2014-04-01' }, { label: '2014-05-01' }],
      { dalo: true, prioritaire: true },
    ],
    [
      'both only after the bail',
      [{ dalo: 'prioritaire-urgent', date: '2014-06-03' }, { label: '2014-06-03' }],
      { dalo: false, prioritaire: false },
    ],
  ])('%s → %o', async (_label, decisions, expected) => {
    const n = await registered({ dateDepot: '2014-01-10' });
    for (const decision of decisions) {
      const outcome =
        'dalo' in decision
          ? await appliedJson(
              'dalo/v1/decisions',
              {
                id: uid('D'),
                numeroUnique: n,
                decision: decision.dalo,
                dateDecision: decision.date,
                departementCommission: '59',
              },
              dalo,
            )
          : await appliedJson(
              'contingent/v1/labellisations',
              { id: uid('L'), numeroUnique: n, categorie: 'violences', dateLabellisation: decision.label },
              contingent,
            );
      expect(outcome.status).toBe('applied');
    }
    const a = uid('A');
    const out = await sendLot(hub.app, bailleur, attribution(a, n, '5900001234', '2014-06-02'));
    expect(out[a]?.status).toBe('applied');
    const stored = await hub.pool.query(
      'SELECT dalo, prioritaire FROM attributions WHERE numero_unique = $1',
      [n],
    );
    expect(stored.rows).toEqual([expected]);
  });

  it('counts a labellisation accepted just before the attribution', async () => {
    // Queued together: the attribution waits for the labellisation of its demande, then sees it.
    const n = await registered({ dateDepot: '2014-01-10' });
    const label = await hub.app.inject({
      method: 'POST',
      url: '/connectors/contingent/v1/labellisations',
      headers: { ...auth(contingent), 'content-type': 'application/json' },
      payload: JSON.stringify({
        id: uid('L'),
        numeroUnique: n,
        categorie: 'violences',
        dateLabellisation: '2014-05-01',
      }),
    });
    expect(label.statusCode).toBe(202);
    const a = uid('A');
    const reply = await postLot(hub.app, bailleur, lot(attribution(a, n, '5900001234', '2014-06-02')));
    await waitForMessagesDone(hub.pool, [label.json<{ messageId: string }>().messageId]);
    expect((await outcomesOf(hub.app, bailleur, reply.json<LotReply>()))[a]?.status).toBe('applied');
    const stored = await hub.pool.query(
      'SELECT dalo, prioritaire FROM attributions WHERE numero_unique = $1',
      [n],
    );
    expect(stored.rows).toEqual([{ dalo: false, prioritaire: true }]);
  });
});
