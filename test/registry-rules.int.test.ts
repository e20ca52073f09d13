import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers } from '../services/pipeline/workers.ts';
import { provision, startTestHub, type TestHub } from './helpers/hub.ts';
import {
  attribution,
  type EnregistrementSpec,
  enregistrement,
  type LotReply,
  lot,
  modification,
  outcomesOf,
  postLot,
  radiation,
  renouvellement,
  sendLot,
} from './helpers/spt.ts';

/** The rules of domain.md, driven through the SPT v2 route and read back through the API. */
let hub: TestHub;
let bailleur: string;
let guichet: string;
let bailleur62: string;
let operator: string;
let counter = 0;
const uid = (prefix: string) => `${prefix}-${++counter}`;

async function getDemande(numero: string, token = operator) {
  const reply = await hub.app.inject({
    method: 'GET',
    url: `/sne/demandes/${numero}`,
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: reply.statusCode, body: reply.json() };
}

async function sweep(asOf: string) {
  const reply = await hub.app.inject({
    method: 'POST',
    url: '/ops/sweeps/renouvellement',
    headers: { authorization: `Bearer ${operator}` },
    payload: { asOf, reason: 'test' },
  });
  expect(reply.statusCode).toBe(200);
  return reply.json<{ preavis: number; radiees: number }>();
}

/** Registers one demande for a new person and returns its numéro. */
async function registered(spec: Partial<EnregistrementSpec> = {}) {
  const id = uid('E');
  const out = await sendLot(hub.app, bailleur, enregistrement({ nom: `Personne${id}`, ...spec, id }));
  expect(out[id]?.status).toBe('applied');
  return out[id]?.result?.numeroUnique as string;
}

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
  bailleur62 = await provision(hub.app, {
    id: 'pas-de-calais-habitat',
    role: 'bailleur',
    organisme: '987654321',
    codeGuichet: 'PC62A',
    departements: ['62'],
  });
  operator = await provision(hub.app, { id: 'ops', role: 'operator', departements: ['*'] });
  await hub.pool.query(
    `INSERT INTO logements (identifiant_rpls, siren_bailleur, code_commune, departement) VALUES
       ('5900001234', '123456789', '59350', '59'), ('5900009999', '987654321', '59350', '59'),
       ('6200001234', '123456789', '62041', '62')`,
  );
});

afterAll(async () => {
  await hub?.close();
});

describe('enregistrement', () => {
  it('gives a numéro unique of territory, month, year, sequence and guichet, and an échéance a year later', async () => {
    const a = await registered({ dateDepot: '2013-10-04' });
    const b = await registered({ dateDepot: '2013-10-20' });
    const c = await registered({ dateDepot: '2013-11-02' });
    expect(a).toBe('0591013000001LH59A');
    expect(b).toBe('0591013000002LH59A');
    expect(c).toBe('0591113000001LH59A');
    const { body } = await getDemande(a);
    expect(body).toMatchObject({
      statut: 'active',
      dateDepot: '2013-10-04',
      dateEcheance: '2014-10-04',
      departement: '59',
    });
    expect(body.historique).toHaveLength(1);
    expect(body.historique[0]).toMatchObject({
      kind: 'enregistrement',
      dateEffet: '2013-10-04',
      clientId: 'lille-habitat',
    });
  });

  it('refuses a doublon of the same person in the département, ignoring case, accents and spaces', async () => {
    const first = await registered({ nom: 'Lefèvre', prenom: 'Jean  Marc', dateNaissance: '1970-01-01' });
    const id = uid('E');
    const out = await sendLot(
      hub.app,
      guichet,
      enregistrement({ id, nom: ' LEFEVRE ', prenom: 'jean marc', dateNaissance: '1970-01-01' }),
    );
    expect(out[id]).toMatchObject({
      status: 'failed',
      error: { code: 'DOUBLON', details: { numeroUnique: first } },
    });
  });

  it('accepts the same person in another département', async () => {
    await registered({ nom: 'Multi', prenom: 'Dep', dateNaissance: '1960-06-06' });
    const id = uid('E');
    const out = await sendLot(
      hub.app,
      bailleur62,
      enregistrement({
        id,
        nom: 'Multi',
        prenom: 'Dep',
        dateNaissance: '1960-06-06',
        departement: '62',
        communes: ['62041'],
      }),
    );
    expect(out[id]?.status).toBe('applied');
    expect(out[id]?.result?.numeroUnique).toMatch(/^062\d{4}\d{6}PC62A$/);
  });

  it('refuses a dépôt in the future, communes outside the département, unknown communes and foreign territory', async () => {
    const [f, h, u, t] = [uid('E'), uid('E'), uid('E'), uid('E')];
    const out = await sendLot(
      hub.app,
      bailleur,
      enregistrement({ id: f, nom: 'Futur', dateDepot: '2099-01-01' }),
      enregistrement({ id: h, nom: 'Ailleurs', communes: ['59350', '62041'] }),
      enregistrement({ id: u, nom: 'Inconnue', communes: ['59999'] }),
      enregistrement({ id: t, nom: 'Corse', departement: '62', communes: ['62041'] }),
    );
    expect(out[f]?.error?.code).toBe('DATE_INVALIDE');
    expect(out[h]?.error?.code).toBe('HORS_TERRITOIRE');
    expect(out[u]?.error?.code).toBe('COMMUNE_INCONNUE');
    expect(out[t]?.error?.code).toBe('HORS_TERRITOIRE');
  });
});

describe('messages of one demande in one lot take effect in order', () => {
  it('modifies and renews by referenceGuichet the demande registered just before', async () => {
    const [e, m, r] = [uid('E'), uid('M'), uid('R')];
    const ref = `REF-${e}`;
    const out = await sendLot(
      hub.app,
      bailleur,
      enregistrement({ id: e, ref, nom: 'Ordre', dateDepot: '2014-01-10' }),
      modification(m, ref, '<typologie>T5</typologie>'),
      renouvellement(r, ref, '2014-12-20'),
    );
    expect(out[e]?.status).toBe('applied');
    expect(out[m]?.status).toBe('applied');
    expect(out[r]?.status).toBe('applied');
    const { body } = await getDemande(out[e]?.result?.numeroUnique as string);
    expect(body).toMatchObject({
      typologie: 'T5',
      dateRenouvellement: '2014-12-20',
      dateEcheance: '2015-12-20',
    });
    expect(body.historique.map((h: { kind: string }) => h.kind)).toEqual([
      'enregistrement',
      'modification',
      'renouvellement',
    ]);
  });

  it('makes a message by reference wait for an enregistrement accepted but not yet applied', async () => {
    // A hub of its own with no worker, so that the enregistrement is surely still pending when
    // the modification is accepted (interfaces.md §1: it waits, it does not fail).
    const idle = await startTestHub({ workers: false });
    try {
      const token = await provision(idle.app, {
        id: 'lille-habitat',
        role: 'bailleur',
        organisme: '123456789',
        codeGuichet: 'LH59A',
      });
      const [e, m] = [uid('E'), uid('M')];
      const ref = `REF-${e}`;
      const first = await postLot(idle.app, token, lot(enregistrement({ id: e, ref, nom: 'Attente' })));
      const second = await postLot(idle.app, token, lot(modification(m, ref, '<typologie>T2</typologie>')));
      expect([first.statusCode, second.statusCode]).toEqual([202, 202]);
      const ids = [first, second].map((r) => r.json<LotReply>().messages[0]?.messageId);
      const pending = await idle.pool.query<{ status: string }>(
        'SELECT status FROM messages WHERE id = ANY($1::uuid[])',
        [ids],
      );
      expect(pending.rows.map((r) => r.status)).toEqual(['accepted', 'accepted']);

      const workers = startWorkers(idle.config, idle.infrastructure, pino({ level: 'silent' }));
      try {
        const created = await outcomesOf(idle.app, token, first.json<LotReply>());
        const modified = await outcomesOf(idle.app, token, second.json<LotReply>());
        expect(created[e]?.status).toBe('applied');
        expect(modified[m]).toMatchObject({
          status: 'applied',
          result: { numeroUnique: created[e]?.result?.numeroUnique },
        });
      } finally {
        await workers.close();
      }
    } finally {
      await idle.close();
    }
  });

  it('says DEMANDE_INCONNUE for a numéro that does not exist', async () => {
    const m = uid('M');
    const out = await sendLot(
      hub.app,
      bailleur,
      modification(m, '0591013999999LH59A', '<typologie>T2</typologie>'),
    );
    expect(out[m]?.error?.code).toBe('DEMANDE_INCONNUE');
  });
});

describe('renouvellement', () => {
  it('moves the échéance a year after the renewal and refuses a date before the dépôt or in the future', async () => {
    const n = await registered({ dateDepot: '2014-02-10' });
    const [ok, before, future] = [uid('R'), uid('R'), uid('R')];
    const out = await sendLot(
      hub.app,
      guichet,
      renouvellement(before, n, '2014-01-01'),
      renouvellement(future, n, '2099-01-01'),
      renouvellement(ok, n, '2015-01-31'),
    );
    expect(out[before]?.error?.code).toBe('DATE_INVALIDE');
    expect(out[future]?.error?.code).toBe('DATE_INVALIDE');
    expect(out[ok]?.status).toBe('applied');
    expect((await getDemande(n)).body).toMatchObject({ dateDepot: '2014-02-10', dateEcheance: '2016-01-31' });
  });
});

describe('radiation', () => {
  it('radiates with a motif and refuses a second radiation', async () => {
    const n = await registered({});
    const [a, b] = [uid('X'), uid('X')];
    const out = await sendLot(
      hub.app,
      guichet,
      radiation(a, n, 'abandon', '2014-05-02'),
      radiation(b, n, 'non-reponse', '2014-05-03'),
    );
    expect(out[a]?.status).toBe('applied');
    expect(out[b]?.error?.code).toBe('DEMANDE_RADIEE');
    const { body } = await getDemande(n);
    expect(body).toMatchObject({
      statut: 'radiee',
      radiation: { motif: 'abandon', dateRadiation: '2014-05-02' },
    });
  });

  it('keeps irrecevabilite to bailleurs, with a sous-motif, and non-renouvellement to the hub', async () => {
    const n = await registered({});
    const [g, s, nr, ok] = [uid('X'), uid('X'), uid('X'), uid('X')];
    const byGuichet = await sendLot(
      hub.app,
      guichet,
      radiation(g, n, 'irrecevabilite', '2014-05-02', 'plafond-ressources'),
    );
    expect(byGuichet[g]?.error?.code).toBe('MOTIF_INTERDIT');
    const out = await sendLot(
      hub.app,
      bailleur,
      radiation(s, n, 'irrecevabilite', '2014-05-02'),
      radiation(nr, n, 'non-renouvellement', '2014-05-02'),
      radiation(ok, n, 'irrecevabilite', '2014-05-02', 'irregularite-sejour'),
    );
    expect(out[s]?.error?.code).toBe('SOUS_MOTIF_REQUIS');
    expect(out[nr]?.error?.code).toBe('MOTIF_INTERDIT');
    expect(out[ok]?.status).toBe('applied');
    expect((await getDemande(n)).body.radiation).toEqual({
      motif: 'irrecevabilite',
      sousMotif: 'irregularite-sejour',
      dateRadiation: '2014-05-02',
    });
  });

  it('refuses a radiation dated before the dépôt', async () => {
    const n = await registered({ dateDepot: '2014-03-01' });
    const x = uid('X');
    const out = await sendLot(hub.app, guichet, radiation(x, n, 'abandon', '2014-02-28'));
    expect(out[x]?.error?.code).toBe('DATE_INVALIDE');
  });

  it('does not let a client of another département touch the demande', async () => {
    const n = await registered({});
    const x = uid('X');
    const out = await sendLot(hub.app, bailleur62, radiation(x, n, 'abandon', '2014-05-02'));
    expect(out[x]?.error?.code).toBe('HORS_TERRITOIRE');
    expect((await getDemande(n, bailleur62)).status).toBe(403);
  });
});

describe('attribution', () => {
  it('radiates the demande for attribution at the bail date, with the logement and contingent', async () => {
    const n = await registered({ dateDepot: '2014-01-05' });
    const a = uid('A');
    const out = await sendLot(
      hub.app,
      bailleur,
      attribution(a, n, '5900001234', '2014-06-30', 'action-logement'),
    );
    expect(out[a]?.status).toBe('applied');
    const { body } = await getDemande(n);
    expect(body.radiation).toMatchObject({
      motif: 'attribution',
      dateRadiation: '2014-06-30',
      logement: '5900001234',
      contingent: 'action-logement',
      accordCollectif: false,
    });
    const stored = await hub.pool.query(
      'SELECT dalo, prioritaire, client_id FROM attributions WHERE numero_unique = $1',
      [n],
    );
    expect(stored.rows[0]).toEqual({ dalo: false, prioritaire: false, client_id: 'lille-habitat' });
  });

  it('checks the logement: in the parc, of the bailleur, in the département', async () => {
    const n = await registered({});
    const [unknown, other, far] = [uid('A'), uid('A'), uid('A')];
    const out = await sendLot(
      hub.app,
      bailleur,
      attribution(unknown, n, '5900000000', '2014-06-30'),
      attribution(other, n, '5900009999', '2014-06-30'),
      attribution(far, n, '6200001234', '2014-06-30'),
    );
    expect(out[unknown]?.error?.code).toBe('LOGEMENT_INCONNU');
    expect(out[other]?.error?.code).toBe('LOGEMENT_AUTRE_BAILLEUR');
    expect(out[far]?.error?.code).toBe('HORS_TERRITOIRE');
  });

  it('is a bailleur’s: a guichet’s attribution is rejected at reception', async () => {
    const n = await registered({});
    const a = uid('A');
    const out = await sendLot(hub.app, guichet, attribution(a, n, '5900001234', '2014-06-30'));
    expect(out[a]).toMatchObject({ status: 'rejected', error: { code: 'FORBIDDEN' } });
  });
});

describe('the renewal sweep, rattrapage and reactivation', () => {
  it('sends a préavis once per échéance and radiates at échéance + 1 month, idempotently', async () => {
    const n = await registered({ dateDepot: '2012-01-31', nom: 'Sweep' });
    const preavisOf = async () =>
      (
        await hub.pool.query<{ data: { dateEcheance: string } }>(
          `SELECT data FROM events WHERE subject = $1 AND type = 'fr.sne.renouvellement.preavis.v1'`,
          [n],
        )
      ).rows.map((r) => r.data.dateEcheance);
    // Échéance 2013-01-31: préavis from 2012-12-31, radiation on 2013-02-28.
    await sweep('2012-12-30');
    expect(await preavisOf()).toEqual([]);
    await sweep('2012-12-31');
    expect(await preavisOf()).toEqual(['2013-01-31']);
    const again = await sweep('2013-01-05');
    expect(await preavisOf()).toEqual(['2013-01-31']);
    expect(again).toEqual({ asOf: '2013-01-05', preavis: 0, radiees: 0 });
    await sweep('2013-02-27');
    expect((await getDemande(n)).body.statut).toBe('active');
    await sweep('2014-09-30');
    const { body } = await getDemande(n);
    expect(body).toMatchObject({
      statut: 'radiee',
      radiation: { motif: 'non-renouvellement', dateRadiation: '2013-02-28' },
    });
    expect((await sweep('2014-09-30')).radiees).toBe(0);
    const events = await hub.pool.query(`SELECT type FROM events WHERE subject = $1 ORDER BY sequence`, [n]);
    expect(events.rows.map((r) => r.type)).toEqual([
      'fr.sne.demande.enregistree.v1',
      'fr.sne.renouvellement.preavis.v1',
      'fr.sne.demande.radiee.v1',
    ]);
  });

  it('lets an attribution dated before the automatic radiation replace it (rattrapage), not one after', async () => {
    const housed = await registered({ dateDepot: '2012-03-10', nom: 'Loge' });
    const late = await registered({ dateDepot: '2012-03-10', nom: 'Tard' });
    await sweep('2014-09-30');
    // Both radiated for non-renouvellement on 2013-04-10.
    const [a, b] = [uid('A'), uid('X')];
    const out = await sendLot(
      hub.app,
      bailleur,
      attribution(a, housed, '5900001234', '2013-04-10'),
      radiation(b, late, 'abandon', '2013-04-11'),
    );
    expect(out[a]?.status).toBe('applied');
    expect(out[b]?.error?.code).toBe('DEMANDE_RADIEE');
    const { body } = await getDemande(housed);
    expect(body.radiation).toMatchObject({ motif: 'attribution', dateRadiation: '2013-04-10' });
    expect(body.historique.at(-1).details.remplace).toMatchObject({ motif: 'non-renouvellement' });
  });

  it('reactivates within six months of the échéance, with its numéro and dépôt; not after', async () => {
    const back = await registered({ dateDepot: '2012-05-15', nom: 'Retour' });
    const gone = await registered({ dateDepot: '2012-05-15', nom: 'Parti' });
    await sweep('2014-09-30');
    // Échéance 2013-05-15: reactivation possible until 2013-11-15.
    const [r1, r2] = [uid('R'), uid('R')];
    const out = await sendLot(
      hub.app,
      guichet,
      renouvellement(r1, back, '2013-11-15'),
      renouvellement(r2, gone, '2013-11-16'),
    );
    expect(out[r1]?.status).toBe('applied');
    expect(out[r2]?.error?.code).toBe('REACTIVATION_EXPIREE');
    const { body } = await getDemande(back);
    expect(body).toMatchObject({
      numeroUnique: back,
      statut: 'active',
      dateDepot: '2012-05-15',
      dateEcheance: '2014-11-15',
    });
    expect(body.radiation).toBeUndefined();
  });

  it('refuses to renew a demande radiée for another motif', async () => {
    const n = await registered({});
    const [x, r] = [uid('X'), uid('R')];
    const out = await sendLot(
      hub.app,
      guichet,
      radiation(x, n, 'abandon', '2014-05-02'),
      renouvellement(r, n, '2014-06-01'),
    );
    expect(out[r]?.error?.code).toBe('DEMANDE_RADIEE');
  });
});

describe('modification', () => {
  it('changes any field but identity and dépôt; only on an active demande', async () => {
    const n = await registered({ communes: ['59350'] });
    const m = uid('M');
    const out = await sendLot(
      hub.app,
      guichet,
      modification(
        m,
        n,
        '<ressourcesMensuelles>900.50</ressourcesMensuelles><communesSouhaitees><commune rang="1">59512</commune><commune rang="2">59350</commune></communesSouhaitees>',
      ),
    );
    expect(out[m]?.status).toBe('applied');
    const { body } = await getDemande(n);
    expect(body).toMatchObject({ ressourcesMensuelles: 900.5, communesSouhaitees: ['59512', '59350'] });
    const [x, m2] = [uid('X'), uid('M')];
    const closed = await sendLot(
      hub.app,
      guichet,
      radiation(x, n, 'abandon', '2014-05-02'),
      modification(m2, n, '<typologie>T1</typologie>'),
    );
    expect(closed[m2]?.error?.code).toBe('DEMANDE_RADIEE');
  });
});
