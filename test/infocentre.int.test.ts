import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgRegistryStore } from '../services/core/store/store-pg.ts';
import { emptyWrites } from '../services/core/store.ts';
import { Infocentre } from '../services/infocentre/infocentre.ts';
import type { InfocentreQueries } from '../services/infocentre/queries.ts';
import { PgInfocentreQueries } from '../services/infocentre/queries-pg.ts';
import { consoleSession } from './helpers/console-session.ts';
import { ADMIN_TOKEN, provision, startTestHub, type TestHub, waitForMessagesDone } from './helpers/hub.ts';
import { planOf } from './helpers/plan.ts';
import {
  attribution,
  type EnregistrementSpec,
  enregistrement,
  modification,
  radiation,
  renouvellement,
  sendLot,
} from './helpers/spt.ts';
import { waitFor } from './helpers/wait.ts';

/**
 * The infocentre's definitions (domain.md "Dates and statistics") at their edges, from messages
 * sent through the public SPT route only, for a period [2014-01-01, 2014-06-30]. Every message
 * arrives years after its business date: figures must follow business dates only.
 */
const DU = '2014-01-01';
const AU = '2014-06-30';
const LILLE = '59350';
const ROUBAIX = '59512'; // Métropole Européenne de Lille, like Lille
const DUNKERQUE = '59183'; // not in the MEL
const ARRAS = '62041';
const MEL = '200093201';

let hub: TestHub;
let bailleur: string;
let bailleur62: string;
let operator: string;
let infocentre: string;
let infocentre62: string;
let guichet: string;
let counter = 0;
const uid = (prefix: string) => `${prefix}-${++counter}`;
const numeros: Record<string, string> = {};

async function registered(
  name: string,
  spec: Partial<EnregistrementSpec>,
  token = bailleur,
): Promise<string> {
  const id = uid('E');
  const out = await sendLot(hub.app, token, enregistrement({ nom: `Personne${name}`, ...spec, id }));
  expect(out[id]?.status, JSON.stringify(out[id])).toBe('applied');
  const numero = out[id]?.result?.numeroUnique as string;
  numeros[name] = numero;
  return numero;
}

async function applied(token: string, message: (id: string) => string): Promise<void> {
  const id = uid('M');
  const out = await sendLot(hub.app, token, message(id));
  expect(out[id]?.status, JSON.stringify(out[id])).toBe('applied');
}

function get(url: string, token = operator, headers: Record<string, string> = {}) {
  return hub.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}`, ...headers } });
}

interface Ligne {
  territoire: string;
  enCoursDebut: number;
  nouvelles: number;
  radiees: Record<string, number>;
  enCoursFin: number;
  part?: Record<string, number>;
}

async function flux(territoires: string[], token = operator) {
  const qs = territoires.map((t) => `territoire=${encodeURIComponent(t)}`).join('&');
  const reply = await get(`/infocentre/flux?${qs}&du=${DU}&au=${AU}`, token);
  expect(reply.statusCode, reply.body).toBe(200);
  return reply.json<{ du: string; au: string; lignes: Ligne[]; total: Omit<Ligne, 'territoire'> }>();
}

beforeAll(async () => {
  hub = await startTestHub();
  bailleur = await provision(hub.app, {
    id: 'lille-habitat',
    role: 'bailleur',
    organisme: '123456789',
    codeGuichet: 'LH59A',
  });
  bailleur62 = await provision(hub.app, {
    id: 'pdc-habitat',
    role: 'bailleur',
    organisme: '987654321',
    codeGuichet: 'PC62A',
    departements: ['62'],
  });
  guichet = await provision(hub.app, {
    id: 'mairie-lille',
    role: 'guichet',
    organisme: '215903501',
    codeGuichet: 'ML59A',
  });
  operator = await provision(hub.app, { id: 'ops', role: 'operator', departements: ['*'] });
  infocentre = await provision(hub.app, { id: 'dreal', role: 'infocentre', departements: ['*'] });
  infocentre62 = await provision(hub.app, { id: 'ddt62', role: 'infocentre', departements: ['62'] });
  await hub.pool.query(
    `INSERT INTO logements (identifiant_rpls, siren_bailleur, code_commune, departement) VALUES ('5900001234', '123456789', '59350', '59')`,
  );

  // Dépôts around the period's edges (all in Lille unless said).
  await registered('A', { dateDepot: '2013-06-01' }); // before du, stays active: début and fin
  await registered('B', { dateDepot: DU }); // on du: nouvelle
  await registered('C', { dateDepot: AU }); // on au: nouvelle
  await registered('D', { dateDepot: '2014-07-01' }); // after au: nothing
  const e = await registered('E', { dateDepot: '2013-05-01' });
  const f = await registered('F', { dateDepot: '2013-05-01' });
  const g = await registered('G', { dateDepot: '2013-05-01' });
  const h = await registered('H', { dateDepot: '2014-02-01' });
  await registered('R', { dateDepot: '2013-01-10' }); // radiée by the sweep, then reactivated
  await registered('CU', { dateDepot: '2013-01-15' }); // radiée by the sweep, then caught up (abandon)
  await registered('N', { dateDepot: '2013-01-20' }); // radiée by the sweep, stays so
  const t = await registered('T', { dateDepot: '2014-03-01', typologie: 'T2' }); // typologie changed after the period
  const at = await registered('AT', { dateDepot: '2013-09-01' }); // attribution in the period
  await registered('X1', { dateDepot: '2014-03-10', communes: [ROUBAIX, LILLE] }); // counts in Roubaix (rank 1)
  await registered('X2', { dateDepot: '2014-04-10', communes: [DUNKERQUE] });
  await registered('Y', { dateDepot: '2014-03-01', departement: '62', communes: [ARRAS] }, bailleur62);

  await applied(bailleur, (id) => radiation(id, e, 'abandon', DU)); // radiation on du
  await applied(bailleur, (id) => radiation(id, f, 'non-reponse', AU)); // radiation on au
  await applied(bailleur, (id) => radiation(id, g, 'abandon', '2013-12-31')); // before du
  await applied(bailleur, (id) => radiation(id, h, 'abandon', '2014-07-01')); // after au
  await applied(bailleur, (id) => attribution(id, at, '5900001234', '2014-04-15'));
  // The sweep as of 28 February 2014 radiates R (10/02), CU (15/02) and N (20/02) for non-renouvellement.
  const swept = await hub.app.inject({
    method: 'POST',
    url: '/ops/sweeps/renouvellement',
    headers: { authorization: `Bearer ${operator}` },
    payload: { asOf: '2014-02-28', reason: 'rattrapage' },
  });
  expect(swept.json()).toMatchObject({ radiees: 3 });
  await applied(bailleur, (id) => renouvellement(id, numeros.R as string, '2014-05-01')); // reactivation
  await applied(guichet, (id) => radiation(id, numeros.CU as string, 'abandon', '2014-02-01')); // catch-up
  await applied(bailleur, (id) => modification(id, t, '<typologie>T4</typologie>')); // today, after the period
});

afterAll(async () => {
  await hub?.close();
});

describe('GET /infocentre/flux', () => {
  it('counts each definition at its edges (département 59)', async () => {
    const { lignes } = await flux(['departement:59']);
    expect(lignes).toEqual([
      {
        territoire: 'departement:59',
        // A, E (radiée on du), F, R (its radiation cancelled), CU and N (radiées in the period), AT; not G.
        enCoursDebut: 7,
        // B (on du), C (on au), H, T, X1, X2; not D (after au).
        nouvelles: 6,
        // E and CU (the catch-up replaced its non-renouvellement), F (on au), N, AT.
        radiees: {
          total: 5,
          abandon: 2,
          attribution: 1,
          irrecevabilite: 0,
          'non-renouvellement': 1,
          'non-reponse': 1,
        },
        enCoursFin: 8,
      },
    ]);
  });

  it('holds fin = début + nouvelles − radiées at every territory level, with part and a union total', async () => {
    const territoires = [`commune:${LILLE}`, `epci:${MEL}`, 'departement:59', 'departement:62', 'region:32'];
    const reponse = await flux(territoires);
    const by = Object.fromEntries(reponse.lignes.map((l) => [l.territoire, l]));
    for (const l of [...reponse.lignes, reponse.total]) {
      expect(l.enCoursFin).toBe(l.enCoursDebut + l.nouvelles - (l.radiees.total as number));
      const motifs = Object.entries(l.radiees).filter(([k]) => k !== 'total');
      expect(motifs.reduce((s, [, n]) => s + n, 0)).toBe(l.radiees.total);
    }
    expect(by[`commune:${LILLE}`]).toMatchObject({ enCoursDebut: 7, nouvelles: 4, enCoursFin: 6 });
    expect(by[`epci:${MEL}`]).toMatchObject({ enCoursDebut: 7, nouvelles: 5, enCoursFin: 7 });
    expect(by['departement:62']).toMatchObject({ enCoursDebut: 0, nouvelles: 1, enCoursFin: 1 });
    expect(by['region:32']).toMatchObject({ enCoursDebut: 7, nouvelles: 7, enCoursFin: 9 });
    // The union counts each demande once: the région holds all the others.
    expect(reponse.total).toMatchObject({ enCoursDebut: 7, nouvelles: 7, enCoursFin: 9 });
    expect(by['departement:62']?.part).toMatchObject({
      nouvelles: 14.29,
      enCoursDebut: 0,
      enCoursFin: 11.11,
    });
    expect(by['region:32']?.part).toMatchObject({ nouvelles: 100, radiees: 100 });
  });

  it('gives no part for a single territoire', async () => {
    const { lignes } = await flux(['departement:62']);
    expect(lignes[0]?.part).toBeUndefined();
  });

  it('keeps every figure when the retention purge erases personal data', async () => {
    const before = await flux(['departement:59', `commune:${LILLE}`]);
    // What the retention purge leaves: dates, territory, typologie, motifs, ménage size, resources.
    await hub.pool.query(
      `UPDATE demandes SET demandeur = '{}'::jsonb, menage = jsonb_build_object('nombrePersonnes', nombre_personnes),
              identite_hash = NULL WHERE numero_unique = $1`,
      [numeros.G],
    );
    expect(await flux(['departement:59', `commune:${LILLE}`])).toEqual(before);
  });

  it('reads its deltas before they are folded, and its folded counts equal a full recount of the demandes', async () => {
    // The apply worker folds at most once a second: what the last messages added may still be deltas.
    const before = await flux(['departement:59', `commune:${LILLE}`]);
    await hub.pool.query('SELECT infocentre_replier()');
    const left = await hub.pool.query('SELECT * FROM infocentre_deltas');
    expect(left.rows).toEqual([]);
    expect(await flux(['departement:59', `commune:${LILLE}`])).toEqual(before);
    // A delta counts as soon as it is committed, folded or not.
    const delta = (n: number) =>
      hub.pool.query(
        `SELECT infocentre_ajouter(ARRAY['59'], ARRAY[$1], ARRAY['T2'], ARRAY['depot'], ARRAY['2014-03-10'::date], ARRAY[$2::int])`,
        [LILLE, n],
      );
    await delta(1);
    const withDelta = await flux(['departement:59', `commune:${LILLE}`]);
    expect(withDelta).not.toEqual(before);
    await hub.pool.query('SELECT infocentre_replier()');
    expect(await flux(['departement:59', `commune:${LILLE}`])).toEqual(withDelta);
    await delta(-1);
    expect(await flux(['departement:59', `commune:${LILLE}`])).toEqual(before);
    await hub.pool.query('SELECT infocentre_replier()');
    const { rows } = await hub.pool.query<{ diff: string }>(`
      WITH recount AS (
        SELECT commune_rang1 AS commune, date_depot AS jour, typologie, 'depot' AS mouvement, count(*)::int AS n FROM demandes GROUP BY 1, 2, 3
        UNION ALL
        SELECT commune_rang1, date_radiation, typologie, motif_radiation, count(*)::int FROM demandes
         WHERE date_radiation IS NOT NULL GROUP BY 1, 2, 3, 4)
      SELECT count(*) AS diff FROM recount r FULL JOIN (SELECT * FROM infocentre_jour WHERE n <> 0) j
        USING (commune, jour, typologie, mouvement)
       WHERE r.n IS DISTINCT FROM j.n`);
    expect(Number(rows[0]?.diff)).toBe(0);
  });

  it('has its deltas folded by the workers with no apply job to follow them (a sweep’s, an operator’s)', async () => {
    const before = await flux(['departement:59', `commune:${LILLE}`]);
    const delta = (n: number) =>
      hub.pool.query(
        `SELECT infocentre_ajouter(ARRAY['59'], ARRAY[$1], ARRAY['T3'], ARRAY['depot'], ARRAY['2014-03-11'::date], ARRAY[$2::int])`,
        [LILLE, n],
      );
    for (const n of [1, -1]) {
      await delta(n);
      // No message is sent: only the workers' timer folds it (INFOCENTRE_FOLD_IDLE_MS).
      await waitFor(
        async () => {
          const { rows } = await hub.pool.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM infocentre_deltas',
          );
          return rows[0]?.n === 0 ? true : undefined;
        },
        15_000,
        'the deltas folded',
      );
    }
    expect(await flux(['departement:59', `commune:${LILLE}`])).toEqual(before);
  });

  it('answers the same table as CSV: ";", French headers, UTF-8 with a BOM', async () => {
    const reply = await get(
      `/infocentre/flux?territoire=departement:59&territoire=departement:62&du=${DU}&au=${AU}`,
      operator,
      { accept: 'text/csv' },
    );
    expect(reply.statusCode).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
    const raw = reply.rawPayload;
    expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = reply.body
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(
      lines[0]?.startsWith(
        'Territoire;Libellé;Demandes en cours au début;Nouvelles demandes;Radiées (total)',
      ),
    ).toBe(true);
    expect(lines[1]?.split(';').slice(0, 11)).toEqual([
      'departement:59',
      'Nord',
      '7',
      '6',
      '5',
      '2',
      '1',
      '0',
      '1',
      '1',
      '8',
    ]);
    expect(lines[2]?.split(';').slice(0, 4)).toEqual(['departement:62', 'Pas-de-Calais', '0', '1']);
    expect(lines[3]?.split(';').slice(0, 4)).toEqual(['total', 'Total', '7', '7']);
    expect(lines[1]?.split(';')[12]).toBe('85,71'); // part of the nouvelles, decimal comma
  });

  it('masks counts from 1 to 10 for the infocentre role, keeps zero, and shows operators the truth', async () => {
    const { lignes, total } = await flux(['departement:59', 'departement:62'], infocentre);
    expect(lignes[0]).toMatchObject({
      enCoursDebut: null,
      nouvelles: null,
      enCoursFin: null,
      secret: true,
      radiees: { total: null, irrecevabilite: 0, abandon: null, secret: true },
    });
    expect(lignes[1]).toMatchObject({ enCoursDebut: 0, nouvelles: null, secret: true });
    expect(lignes[0]?.part).toMatchObject({ nouvelles: null, irrecevabilite: 0 });
    expect(total).toMatchObject({ enCoursDebut: null, secret: true });
    const csv = await get(`/infocentre/flux?territoire=departement:59&du=${DU}&au=${AU}`, infocentre, {
      accept: 'text/csv',
    });
    expect(csv.body.split('\r\n')[1]?.split(';').slice(2, 8)).toEqual(['-', '-', '-', '-', '-', '0']);
  });

  it('refuses other roles (403), territoires outside the client scope (403), and bad questions (400)', async () => {
    expect(
      (await get(`/infocentre/flux?territoire=departement:59&du=${DU}&au=${AU}`, bailleur)).statusCode,
    ).toBe(403);
    expect(
      (await get(`/infocentre/flux?territoire=departement:59&du=${DU}&au=${AU}`, 'nope')).statusCode,
    ).toBe(401);
    const scope = await get(`/infocentre/flux?territoire=region:32&du=${DU}&au=${AU}`, infocentre62);
    expect(scope.statusCode).toBe(403);
    expect(
      (await get(`/infocentre/flux?territoire=departement:62&du=${DU}&au=${AU}`, infocentre62)).statusCode,
    ).toBe(200);
    const cases: [string, string][] = [
      [`territoire=pays:FR&du=${DU}&au=${AU}`, 'TERRITOIRE_INVALIDE'],
      [`territoire=departement:00&du=${DU}&au=${AU}`, 'TERRITOIRE_INCONNU'],
      [`territoire=commune:99999&du=${DU}&au=${AU}`, 'TERRITOIRE_INCONNU'],
      [`territoire=departement:59&du=${AU}&au=${DU}`, 'PERIODE_INVALIDE'],
      [`territoire=departement:59&du=2014-02-30&au=${AU}`, 'PERIODE_INVALIDE'],
      // Year 9999's next day was year 10000, which PostgreSQL refused: a 500 (found by test/properties).
      [`territoire=departement:59&du=${DU}&au=9999-12-31`, 'PERIODE_INVALIDE'],
      [`territoire=departement:59&du=01/01/2014&au=${AU}`, 'INVALID_PARAMETER'],
      [`du=${DU}&au=${AU}`, 'INVALID_PARAMETER'],
    ];
    for (const [qs, code] of cases) {
      const reply = await get(`/infocentre/flux?${qs}`);
      expect(reply.statusCode, qs).toBe(400);
      expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(reply.json(), qs).toMatchObject({ status: 400, code });
    }
    for (const url of [
      `/infocentre/rapports/flux?territoire=departement:59&du=${DU}&au=9999-12-31`,
      `/infocentre/typologie?territoire=departement:59&date=9999-12-31`,
    ]) {
      const reply = await get(url);
      expect(reply.statusCode, url).toBe(400);
      expect(reply.json(), url).toMatchObject({ code: 'PERIODE_INVALIDE' });
    }
  });
});

describe('a flux table read while messages apply', () => {
  it('is one snapshot: its lines add up to its total even when a demande commits between its queries', async () => {
    const pg = new PgInfocentreQueries(hub.pool);
    let committed = false;
    // The lines' and the total's queries, with an enregistrement committed after the first of them.
    const between = (queries: InfocentreQueries): InfocentreQueries =>
      Object.assign(Object.create(queries) as InfocentreQueries, {
        cumuls: async (...args: Parameters<InfocentreQueries['cumuls']>) => {
          const cumuls = await queries.cumuls(...args);
          if (!committed) {
            committed = true;
            await registered('Entre-deux', { dateDepot: '2015-03-03' });
          }
          return cumuls;
        },
      });
    const infocentre = new Infocentre(
      Object.assign(Object.create(pg) as InfocentreQueries, {
        snapshot: <T>(work: (queries: InfocentreQueries) => Promise<T>) =>
          pg.snapshot((queries) => work(between(queries))),
      }),
      { delaiAnormalMois: { defaut: 24, parDepartement: {} } },
    );
    const territoires = await infocentre.territoires(['departement:59', 'departement:62']);
    // 2015: no other test of this file counts it.
    const flux = await infocentre.flux(territoires, '2015-01-01', '2015-12-31');
    expect(committed).toBe(true);
    const sum = flux.lignes.reduce((n, l) => n + (l.nouvelles ?? 0), 0);
    expect(flux.total.nouvelles).toBe(sum);
    // Read again, the new demande is there, in its line and in the total.
    const after = await infocentre.flux(territoires, '2015-01-01', '2015-12-31');
    expect(after.total.nouvelles).toBe((flux.total.nouvelles ?? 0) + 1);
  });
});

describe('GET /infocentre/typologie and /infocentre/anciennete', () => {
  it('counts the demandes en cours at the end of the date by current typologie', async () => {
    const reply = await get(`/infocentre/typologie?territoire=departement:59&date=${AU}`);
    expect(reply.statusCode, reply.body).toBe(200);
    const body = reply.json();
    // A, R, B, C, H, X1, X2 are T3; T was registered T2 and changed to T4 after the period: current value.
    expect(body.total).toBe(8);
    expect(body.typologie.T3).toEqual({ nombre: 7, pourcent: 87.5 });
    expect(body.typologie.T4).toEqual({ nombre: 1, pourcent: 12.5 });
    expect(body.typologie.T2).toEqual({ nombre: 0, pourcent: 0 });
    const masked = (
      await get(`/infocentre/typologie?territoire=departement:59&date=${AU}`, infocentre)
    ).json();
    expect(masked.typologie.T4).toEqual({ nombre: null, pourcent: null, secret: true });
    expect(masked.typologie.T2).toEqual({ nombre: 0, pourcent: 0 });
  });

  it('classes the demandes en cours by ancienneté since dépôt, with the median in months', async () => {
    const reply = await get(`/infocentre/anciennete?territoire=departement:59&date=${AU}`);
    expect(reply.statusCode, reply.body).toBe(200);
    const body = reply.json();
    expect(body.total).toBe(8);
    // A (2013-06-01) and R (2013-01-10) passed their first anniversary; the six of 2014 did not.
    expect(body.anciennete['1-2-ans']).toEqual({ nombre: 2, pourcent: 25 });
    expect(body.anciennete['moins-1-an']).toEqual({ nombre: 6, pourcent: 75 });
    expect(body.anciennete['5-ans-et-plus']).toEqual({ nombre: 0, pourcent: 0 });
    // Oldest first: R, A, B, H (2014-02-01), T (2014-03-01)…: the 4th and 5th of 8 are 4 and 3 whole
    // months old at 2014-06-30, the median their mean.
    expect(body.medianeMois).toBe(3.5);
  });
});

describe('GET /infocentre/attributions/*', () => {
  it('gives the monthly rhythm against the expected line, with DALO and prioritaires by contingent', async () => {
    const reply = await get(
      `/infocentre/attributions/mensuel?territoire=departement:59&du=${DU}&au=${AU}&rythmeAnnuel=12000`,
    );
    expect(reply.statusCode, reply.body).toBe(200);
    const body = reply.json();
    expect(body.mois.map((m: { mois: string }) => m.mois)).toEqual([
      '2014-01',
      '2014-02',
      '2014-03',
      '2014-04',
      '2014-05',
      '2014-06',
    ]);
    expect(body.mois[3]).toMatchObject({ mois: '2014-04', attributions: 1, cumul: 1, attenduCumul: 4000 });
    expect(body.mois[5]).toMatchObject({ attributions: 0, cumul: 1, attenduCumul: 6000 });
    expect(body.total).toMatchObject({ attributions: 1, dalo: { total: 0 }, prioritaires: { total: 0 } });
    const defaut = (
      await get(`/infocentre/attributions/mensuel?territoire=departement:59&du=${DU}&au=${AU}`)
    ).json();
    expect(defaut.rythmeAnnuel).toBe(42000);
    expect(defaut.mois[0].attenduCumul).toBe(3500);
  });

  it('gives the délais from dépôt to bail and the share past the délai anormalement long', async () => {
    const reply = await get(`/infocentre/attributions/delais?territoire=departement:59&du=${DU}&au=${AU}`);
    expect(reply.statusCode, reply.body).toBe(200);
    const body = reply.json();
    // AT: dépôt 2013-09-01, bail 2014-04-15: 226 days.
    expect(body.total).toMatchObject({ attributions: 1, delaiAnormal: 0, delaiAnormalPourcent: 0 });
    expect(body.total.medianeMois).toBeCloseTo(226 / (365.25 / 12), 2);
    expect(body.typologie.T3.attributions).toBe(1);
    expect(body.typologie.T1).toMatchObject({ attributions: 0, medianeMois: null });
  });
});

describe('DALO and prioritaire households in the attribution rhythm', () => {
  it('counts them by contingent as their status stood on the bail date', async () => {
    // In the Somme, so that the figures above stay as they are.
    const bailleur80 = await provision(hub.app, {
      id: 'somme-habitat',
      role: 'bailleur',
      organisme: '555555555',
      codeGuichet: 'SO80A',
      departements: ['80'],
    });
    const comdalo = await provision(hub.app, { id: 'comdalo-80', role: 'dalo', departements: ['80'] });
    const contingent = await provision(hub.app, { id: 'syplo-80', role: 'contingent', departements: ['80'] });
    await hub.pool.query(
      `INSERT INTO logements (identifiant_rpls, siren_bailleur, code_commune, departement)
       VALUES ('8000000001', '555555555', '80021', '80'), ('8000000002', '555555555', '80021', '80'),
              ('8000000003', '555555555', '80021', '80')`,
    );
    const amiens = { departement: '80', communes: ['80021'], dateDepot: '2013-09-01' };
    const avant = await registered('DALO-avant', amiens, bailleur80);
    const apres = await registered('DALO-apres', amiens, bailleur80);
    const label = await registered('PRIO', amiens, bailleur80);
    const post = async (url: string, token: string, body: Record<string, string>) => {
      const reply = await hub.app.inject({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: { id: uid('X'), ...body },
      });
      expect(reply.statusCode, reply.body).toBe(202);
      await waitForMessagesDone(hub.pool, [reply.json().messageId]);
      const view = await get(`/messages/${reply.json().messageId}`, token);
      expect(view.json().status, view.body).toBe('applied');
    };
    const dalo = (numeroUnique: string, dateDecision: string) =>
      post('/connectors/dalo/v1/decisions', comdalo, {
        numeroUnique,
        decision: 'prioritaire-urgent',
        dateDecision,
        departementCommission: '80',
      });
    await dalo(avant, '2014-03-01'); // before its bail: DALO at the bail date
    await dalo(apres, '2014-06-20'); // after its bail (2014-05-20): not DALO at the bail date
    await post('/connectors/contingent/v1/labellisations', contingent, {
      numeroUnique: label,
      categorie: 'sortie-hebergement',
      dateLabellisation: '2014-02-01',
    });
    await applied(bailleur80, (id) => attribution(id, avant, '8000000001', '2014-05-10', 'prefet'));
    await applied(bailleur80, (id) => attribution(id, apres, '8000000002', '2014-05-20', 'prefet'));
    await applied(bailleur80, (id) => attribution(id, label, '8000000003', '2014-06-05', 'action-logement'));

    const body = (
      await get(`/infocentre/attributions/mensuel?territoire=departement:80&du=${DU}&au=${AU}`)
    ).json();
    expect(body.mois[4]).toMatchObject({
      mois: '2014-05',
      attributions: 2,
      dalo: { total: 1, prefet: 1, 'action-logement': 0 },
      prioritaires: { total: 0 },
    });
    expect(body.mois[5]).toMatchObject({
      mois: '2014-06',
      attributions: 1,
      cumul: 3,
      dalo: { total: 0 },
      prioritaires: { total: 1, 'action-logement': 1, prefet: 0 },
    });
    expect(body.total).toMatchObject({ attributions: 3, dalo: { total: 1 }, prioritaires: { total: 1 } });
    const masked = (
      await get(`/infocentre/attributions/mensuel?territoire=departement:80&du=${DU}&au=${AU}`, infocentre)
    ).json();
    expect(masked.total).toMatchObject({ attributions: null, secret: true });
    expect(masked.mois[0]).toMatchObject({ attributions: 0, cumul: 0 });

    // A decision dated before the bail that arrives after the attribution counts too (business
    // dates, not arrival order). July, outside the period above.
    const tard = await registered('DALO-tard', amiens, bailleur80);
    await hub.pool.query(
      `INSERT INTO logements (identifiant_rpls, siren_bailleur, code_commune, departement)
       VALUES ('8000000004', '555555555', '80021', '80')`,
    );
    await applied(bailleur80, (id) => attribution(id, tard, '8000000004', '2014-07-15', 'prefet'));
    const juillet = `/infocentre/attributions/mensuel?territoire=departement:80&du=2014-07-01&au=2014-07-31`;
    expect((await get(juillet)).json().total).toMatchObject({ attributions: 1, dalo: { total: 0 } });
    await dalo(tard, '2014-07-01');
    expect((await get(juillet)).json().total).toMatchObject({
      attributions: 1,
      dalo: { total: 1, prefet: 1 },
    });
    // Two more decisions in one lot, so in one apply: the attribution keeps the last status computed.
    const decision = (id: string, decisionDalo: string, dateDecision: string) => {
      const command = {
        type: 'dalo-decision' as const,
        demande: { numeroUnique: tard },
        decision: decisionDalo as 'rejet',
        dateDecision,
        departementCommission: '80',
      };
      return { id, type: command.type, raw: JSON.stringify(command), command };
    };
    const receipt = await hub.app.intake.acceptLot({
      actor: { clientId: 'comdalo-80', role: 'dalo', organisme: '130005002', departements: ['80'] },
      system: 'dalo',
      version: 'v1',
      messages: [
        decision(uid('D'), 'prioritaire-urgent', '2014-07-05'),
        decision(uid('D'), 'rejet', '2014-07-08'),
      ],
    });
    await waitForMessagesDone(
      hub.pool,
      receipt.messages.map((m) => m.messageId),
    );
    expect((await get(juillet)).json().total).toMatchObject({ attributions: 1, dalo: { total: 0 } });
    // Saved as the store does with two statuses of one attribution: the last stands. Of two source rows
    // for one target, UPDATE … FROM takes either: a hash join the last, a nested loop (the plan on a
    // national table) the first, which this connection forces.
    const db = await hub.pool.connect();
    try {
      await db.query('SET enable_hashjoin = off; SET enable_mergejoin = off');
      for (const last of [true, false]) {
        await new PgRegistryStore(db).save({
          ...emptyWrites(),
          attributionStatuts: [
            { numeroUnique: tard, dalo: !last, prioritaire: false },
            { numeroUnique: tard, dalo: last, prioritaire: false },
          ],
        });
        const { rows } = await db.query('SELECT dalo FROM attributions WHERE numero_unique = $1', [tard]);
        expect(rows).toEqual([{ dalo: last }]);
      }
    } finally {
      await db.query('RESET ALL');
      db.release();
    }
  });
});

describe('GET /infocentre/guichets/qualite', () => {
  it('gives each guichet its indicators, including the catch-up of late radiations and attributions', async () => {
    const reply = await get(`/infocentre/guichets/qualite?departement=59&du=${DU}&au=${AU}`);
    expect(reply.statusCode, reply.body).toBe(200);
    const guichets = reply.json().guichets as Record<string, unknown>[];
    const lh = guichets.find((g) => g.codeGuichet === 'LH59A');
    const ml = guichets.find((g) => g.codeGuichet === 'ML59A');
    // Registered in the period by dépôt date: B, C, H, T, X1, X2 — all received years later.
    expect(lh).toMatchObject({
      demandesEnregistrees: 6,
      enregistrementsPlusUnMois: 6,
      enregistrementsPlusUnMoisPourcent: 100,
      avecContact: 0,
      avecContactPourcent: 0,
      avecRessources: 6,
      avecRessourcesPourcent: 100,
      modifications: 0,
      renouvellements: 1,
      attributions: 1,
      attributionsPlusUnMoisPourcent: 100,
      radiations: { abandon: 1, 'non-reponse': 1, attribution: 1 },
      // E (on du), F (on au) and AT's attribution, all sent years after their date.
      rattrapage: { nombre: 3, pourcent: 100 },
    });
    expect(ml).toMatchObject({
      demandesEnregistrees: 0,
      radiations: { abandon: 1 },
      rattrapage: { nombre: 1 },
    });
    expect(guichets.some((g) => g.codeGuichet === 'PC62A')).toBe(false);
    expect(
      (await get(`/infocentre/guichets/qualite?departement=59&du=${DU}&au=${AU}`, infocentre62)).statusCode,
    ).toBe(403);
  });

  it("reads a guichet's history lines of the département only, not of every département it acts in", async () => {
    const plan = await planOf(hub.pool, (db) =>
      new PgInfocentreQueries(hub.pool, db).qualiteGuichets('59', DU, AU),
    );
    expect(plan).toMatch(
      /infocentre_historique_client[^\n]*\n\s*Index Cond: \(\(client_id = [^\n]*\("left"\(numero_unique, 3\) = '059'::text\) AND \(date_effet >= /,
    );
  });
});

describe('public routes', () => {
  it("gives a commune's chiffres-clés under statistical secrecy, cached with an ETag (304)", async () => {
    // Eleven logements in Lille (not secret), one attribution (secret), six demandes en cours at 31/12/2014:
    // A, R, B, C, T and D (dépôt 2014-07-01); H was radiée on 2014-07-01.
    await hub.pool.query(
      `INSERT INTO logements (identifiant_rpls, siren_bailleur, code_commune, departement)
       SELECT lpad(i::text, 10, '7'), '123456789', '59350', '59' FROM generate_series(1, 10) AS i`,
    );
    const reply = await hub.app.inject({
      method: 'GET',
      url: `/public/communes/${LILLE}/chiffres-cles?annee=2014`,
    });
    expect(reply.statusCode, reply.body).toBe(200);
    expect(reply.json()).toEqual({
      commune: LILLE,
      annee: 2014,
      logementsSociaux: 11,
      demandesEnAttente: null,
      attributions: null,
      secret: true,
    });
    expect(reply.headers['cache-control']).toBe('public, max-age=300');
    const etag = reply.headers.etag as string;
    expect(etag).toMatch(/^".+"$/);
    const again = await hub.app.inject({
      method: 'GET',
      url: `/public/communes/${LILLE}/chiffres-cles?annee=2014`,
      headers: { 'if-none-match': etag },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    // Zero stays zero; another year is another ETag.
    const empty = await hub.app.inject({
      method: 'GET',
      url: `/public/communes/${LILLE}/chiffres-cles?annee=2010`,
    });
    expect(empty.json()).toMatchObject({ demandesEnAttente: 0, attributions: 0, logementsSociaux: 11 });
    expect(empty.json().secret).toBeUndefined();
    expect(empty.headers.etag).not.toBe(etag);
    const stale = await hub.app.inject({
      method: 'GET',
      url: `/public/communes/${LILLE}/chiffres-cles?annee=2010`,
      headers: { 'if-none-match': etag },
    });
    expect(stale.statusCode).toBe(200);
    // A year to come has no 31 December yet: no figure to give.
    const nextYear = Number(new Date().toISOString().slice(0, 4)) + 2;
    const future = await hub.app.inject({
      method: 'GET',
      url: `/public/communes/${LILLE}/chiffres-cles?annee=${nextYear}`,
    });
    expect(future.json()).toMatchObject({ status: 400, code: 'PERIODE_INVALIDE' });
    const unknown = await hub.app.inject({
      method: 'GET',
      url: '/public/communes/99999/chiffres-cles?annee=2014',
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'COMMUNE_INCONNUE' });
    const bad = await hub.app.inject({ method: 'GET', url: '/public/communes/lille/chiffres-cles' });
    expect(bad.statusCode).toBe(400);
  });

  it('lists the guichets enregistreurs with their adresse and communes, without a token', async () => {
    const created = await hub.app.inject({
      method: 'POST',
      url: '/admin/clients',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: {
        id: 'ccas-roubaix',
        role: 'guichet',
        organisme: '265900001',
        nom: 'CCAS de Roubaix',
        departements: ['59'],
        codeGuichet: 'CR59A',
        adresse: '1 place de la Mairie, 59100 Roubaix',
        communes: [ROUBAIX],
      },
    });
    expect(created.statusCode).toBe(201);
    const reply = await hub.app.inject({
      method: 'GET',
      url: `/public/annuaire/guichets?departement=59&commune=${ROUBAIX}`,
    });
    expect(reply.statusCode).toBe(200);
    const items = reply.json().items as { codeGuichet: string }[];
    expect(items.find((g) => g.codeGuichet === 'CR59A')).toEqual({
      nom: 'CCAS de Roubaix',
      codeGuichet: 'CR59A',
      type: 'guichet',
      adresse: '1 place de la Mairie, 59100 Roubaix',
      departements: ['59'],
      communes: [ROUBAIX],
    });
    // Lille Habitat lists no commune: it serves its whole département; Pas-de-Calais Habitat does not.
    expect(items.map((g) => g.codeGuichet)).toContain('LH59A');
    expect(items.map((g) => g.codeGuichet)).not.toContain('PC62A');
    const lille = (
      await hub.app.inject({ method: 'GET', url: `/public/annuaire/guichets?commune=${LILLE}` })
    ).json();
    expect(lille.items.map((g: { codeGuichet: string }) => g.codeGuichet)).not.toContain('CR59A');
    expect(reply.headers.etag).toBeDefined();

    // Cursor-paginated like every list: one at a time, the same guichets in the same order.
    const walked: string[] = [];
    let url = '/public/annuaire/guichets?departement=59&limit=1';
    for (let page = 0; page < 50; page++) {
      const body = (await hub.app.inject({ method: 'GET', url })).json();
      expect(body.items.length).toBeLessThanOrEqual(1);
      walked.push(...body.items.map((g: { codeGuichet: string }) => g.codeGuichet));
      if (!body.next) break;
      url = `/public/annuaire/guichets?departement=59&limit=1&cursor=${body.next}`;
    }
    const all = (
      await hub.app.inject({ method: 'GET', url: '/public/annuaire/guichets?departement=59' })
    ).json();
    expect(walked.length).toBeGreaterThan(1);
    expect(walked).toEqual(all.items.map((g: { codeGuichet: string }) => g.codeGuichet));
  });
});

describe('printable reports', () => {
  const flux = `/infocentre/rapports/flux?territoire=departement:59&territoire=departement:62&du=${DU}&au=${AU}`;
  const rythme = `/infocentre/rapports/attributions?territoire=departement:59&du=${DU}&au=${AU}&rythmeAnnuel=12000`;

  it('renders the flux table and its chart as HTML, signed in by the console session cookie', async () => {
    const reply = await hub.app.inject({
      method: 'GET',
      url: flux,
      headers: { cookie: `theme=dark; sne_session=${await consoleSession(hub.app, operator)}` },
    });
    expect(reply.statusCode, reply.body).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
    const html = reply.body;
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain(
      '<th scope="row">Nord</th><td>7</td><td>6</td><td>5</td><td>2</td><td>1</td><td>0</td><td>1</td><td>1</td><td>8</td>',
    );
    expect(html).toContain('<th scope="row">Pas-de-Calais</th><td>0</td><td>1</td>');
    expect(html).toContain('<svg');
    expect(html.match(/<title>Nouvelles: [0-9]+<\/title>/g)).toEqual([
      '<title>Nouvelles: 6</title>',
      '<title>Nouvelles: 1</title>',
    ]);
    expect(html).toContain('@media print');
  });

  it('renders the attribution rhythm against the expected line', async () => {
    const reply = await get(rythme);
    expect(reply.statusCode, reply.body).toBe(200);
    expect(reply.body).toContain('<th scope="row">2014-04</th><td>1</td><td>1</td><td>4\u202f000</td>');
    expect(reply.body.match(/<polyline /g)?.length).toBe(2);
    expect(reply.body).toContain('stroke-dasharray');
  });

  it('masks for the infocentre role, and refuses without a token, with another role, or a cookie elsewhere', async () => {
    const masked = await get(flux, infocentre);
    expect(masked.body).toContain('<th scope="row">Nord</th><td>-</td><td>-</td>');
    expect(masked.body).toContain('Secret statistique');
    expect((await hub.app.inject({ method: 'GET', url: flux })).statusCode).toBe(401);
    expect((await get(flux, bailleur)).statusCode).toBe(403);
    // A token in the cookie is no session (only an operator opens one, at the console).
    expect(
      (await hub.app.inject({ method: 'GET', url: flux, headers: { cookie: `sne_session=${bailleur}` } }))
        .statusCode,
    ).toBe(401);
    // The console's cookie serves every GET of its holder's role (services/api/plugins/credentials.ts).
    const json = await hub.app.inject({
      method: 'GET',
      url: `/infocentre/flux?territoire=departement:59&du=${DU}&au=${AU}`,
      headers: { cookie: `sne_session=${await consoleSession(hub.app, operator)}` },
    });
    expect(json.statusCode).toBe(200);
    const bad = await get(`/infocentre/rapports/flux?territoire=nowhere&du=${DU}&au=${AU}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'TERRITOIRE_INVALIDE' });
  });
});

describe('a guichet catching up late', () => {
  it('changes the past figures at the business dates, as soon as its message is applied', async () => {
    const before = (await flux(['departement:59'])).lignes[0] as Ligne;
    const earlier = await get(`/infocentre/flux?territoire=departement:59&du=2013-01-01&au=2014-02-14`);
    // A paper demande of February 2014 registered today, and one radiated in March 2014 by a late message.
    const late = await registered('LATE', { dateDepot: '2014-02-15' }, guichet);
    const after = (await flux(['departement:59'])).lignes[0] as Ligne;
    expect(after).toMatchObject({
      enCoursDebut: before.enCoursDebut,
      nouvelles: before.nouvelles + 1,
      enCoursFin: before.enCoursFin + 1,
    });
    await applied(guichet, (id) => radiation(id, late, 'non-reponse', '2014-03-20'));
    const radiated = (await flux(['departement:59'])).lignes[0] as Ligne;
    expect(radiated).toMatchObject({
      nouvelles: before.nouvelles + 1,
      radiees: {
        total: (before.radiees.total as number) + 1,
        'non-reponse': (before.radiees['non-reponse'] as number) + 1,
      },
      enCoursFin: before.enCoursFin,
    });
    // A period that ends before the business dates does not move.
    expect(earlier.json().lignes[0].nouvelles).toBeGreaterThan(0);
    expect(
      (await get(`/infocentre/flux?territoire=departement:59&du=2013-01-01&au=2014-02-14`)).json(),
    ).toEqual(earlier.json());
  });
});

// Last: the messages it sends would change the figures of the tests above.
describe('the quality report at its edges', () => {
  it("counts each guichet's messages and contacts as a plain count of its rows does", async () => {
    // A demande with a contact, its doublon, and a message its contract refuses (far from the
    // figures of the other tests: Dunkerque, 2010).
    const out = await sendLot(
      hub.app,
      bailleur,
      enregistrement({
        id: 'QC-1',
        nom: 'Contact',
        dateDepot: '2010-03-01',
        communes: [DUNKERQUE],
        email: 'q@example.org',
      }),
      enregistrement({ id: 'QC-2', nom: 'Contact', dateDepot: '2010-03-02', communes: [DUNKERQUE] }),
      enregistrement({ id: 'QC-3', nom: 'Contact', dateDepot: '2010-02-30', communes: [DUNKERQUE] }),
    );
    expect(Object.values(out).map((o) => o.status)).toEqual(['applied', 'failed', 'rejected']);
    // Every message so far, whatever its arrival date: the report's reads per guichet (an index range
    // of its messages, a lookup of each demande's contact flag) against plain counts of the tables.
    const rows = await new PgInfocentreQueries(hub.pool).qualiteGuichets('59', '2000-01-01', '2099-12-31');
    const { rows: oracle } = await hub.pool.query<Record<string, number | string>>(
      `SELECT c.id,
              (SELECT count(*) FROM messages m WHERE m.client_id = c.id)::int AS recus,
              (SELECT count(*) FROM messages m WHERE m.client_id = c.id AND m.status = 'rejected')::int AS rejetes,
              (SELECT count(*) FROM messages m WHERE m.client_id = c.id AND m.status = 'failed')::int AS echoues,
              (SELECT count(*) FROM messages m WHERE m.client_id = c.id AND m.error->>'code' = 'DOUBLON')::int
                AS doublons,
              (SELECT count(*) FROM demandes d JOIN infocentre_saisies s USING (numero_unique)
                WHERE d.code_guichet = c.code_guichet AND d.departement = '59' AND s.avec_contact)::int
                AS avec_contact
         FROM clients c
        WHERE c.code_guichet IS NOT NULL AND c.revoked_at IS NULL
          AND (c.departements @> ARRAY['59'] OR c.departements @> ARRAY['*'])
        ORDER BY c.code_guichet`,
    );
    expect(
      rows.map((r) => ({
        id: r.clientId,
        recus: r.messagesRecus,
        rejetes: r.messagesRejetes,
        echoues: r.messagesEchoues,
        doublons: r.doublonsRefuses,
        avec_contact: r.avecContact,
      })),
    ).toEqual(oracle);
    // Not vacuous: each count is one at least.
    for (const count of ['recus', 'rejetes', 'echoues', 'doublons', 'avec_contact'])
      expect(
        oracle.reduce((n, r) => n + Number(r[count]), 0),
        count,
      ).toBeGreaterThan(0);
  });
});
