import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { V1_DEPRECATED_AT, V1_SUNSET_AT } from '../connectors/spt/v1/version.ts';
import { provision, startTestHub, type TestHub } from './helpers/hub.ts';
import {
  creationV1,
  demandeV1,
  enregistrement,
  type LotReply,
  lot,
  lotV1,
  outcomesOf,
  postLot,
  postLotV1,
} from './helpers/spt.ts';

/**
 * The legacy SPT v1 route through the real app: its messages are upcast to the same canonical
 * commands as v2 and applied into the registry; every reply says v1 is deprecated.
 */
let hub: TestHub;
let bailleur: string;
let guichet62: string;

beforeAll(async () => {
  hub = await startTestHub();
  bailleur = await provision(hub.app, {
    id: 'lille-habitat',
    role: 'bailleur',
    organisme: '123456789',
    codeGuichet: 'LH59A',
  });
  guichet62 = await provision(hub.app, {
    id: 'arras',
    role: 'guichet',
    organisme: '216200410',
    codeGuichet: 'AR62A',
    departements: ['62'],
  });
  await hub.pool.query(
    `INSERT INTO logements (identifiant_rpls, siren_bailleur, code_commune, departement)
     VALUES ('5900004321', '123456789', '59350', '59')`,
  );
});

afterAll(async () => {
  await hub?.close();
});

/** Posts a v1 lot (text as UTF-8, or bytes as they are) and waits for every accepted message's outcome. */
async function sendV1(token: string, body: string | Buffer) {
  const reply = await postLotV1(hub.app, token, body);
  expect(reply.statusCode, reply.body).toBe(202);
  const receipt = reply.json<LotReply>();
  return { receipt, outcomes: await outcomesOf(hub.app, token, receipt) };
}

async function demandeView(numero: string): Promise<Record<string, unknown>> {
  const reply = await hub.app.inject({
    method: 'GET',
    url: `/sne/demandes/${numero}`,
    headers: { authorization: `Bearer ${bailleur}` },
  });
  expect(reply.statusCode).toBe(200);
  return reply.json();
}

async function storedMessage(messageId: string) {
  const { rows } = await hub.pool.query(
    'SELECT status, version, type, raw, error FROM messages m JOIN message_payloads p ON p.message_id = m.id WHERE id = $1',
    [messageId],
  );
  return rows[0] as {
    status: string;
    version: string;
    type: string;
    raw: string;
    error: { code: string } | null;
  };
}

const DEPRECATION_HEADERS = {
  deprecation: `@${V1_DEPRECATED_AT.getTime() / 1000}`,
  sunset: V1_SUNSET_AT.toUTCString(),
  link: '</connectors/spt/v2/lots>; rel="successor-version"',
};

describe('a v1 lot', () => {
  it('is answered 202 with a receipt, and its messages are applied into the registry', async () => {
    const { receipt, outcomes } = await sendV1(
      bailleur,
      lotV1([
        creationV1({ id: 'V1-1', ref: 'LH-V1-1', nom: 'Martin', prenom: 'Léa' }),
        `<Modification idMessage="V1-2">${demandeV1('LH-V1-1')}<NbPieces>4</NbPieces><Commune1>59512</Commune1></Modification>`,
      ]),
    );
    expect(receipt).toMatchObject({ received: 2, accepted: 2, rejected: 0 });
    expect(outcomes['V1-1']).toMatchObject({
      status: 'applied',
      result: { numeroUnique: expect.stringMatching(/^0590314\d{6}LH59A$/) },
    });
    expect(outcomes['V1-2']?.status).toBe('applied');
    const numero = outcomes['V1-1']?.result?.numeroUnique as string;

    const status = await hub.app.inject({
      method: 'GET',
      url: `/messages/${outcomes['V1-1']?.messageId}`,
      headers: { authorization: `Bearer ${bailleur}` },
    });
    expect(status.json()).toMatchObject({ id: 'V1-1', system: 'spt', version: 'v1', type: 'enregistrement' });
    expect(await demandeView(numero)).toMatchObject({
      numeroUnique: numero,
      statut: 'active',
      dateDepot: '2014-03-01',
      typologie: 'T4',
      communesSouhaitees: ['59512'],
    });

    const later = await sendV1(
      bailleur,
      lotV1([
        `<Renouvellement idMessage="V1-3">${demandeV1(numero)}<DateRenouvellement>20/09/2014</DateRenouvellement></Renouvellement>`,
        `<Attribution idMessage="V1-4">${demandeV1('LH-V1-1')}<IdRpls>5900004321</IdRpls><DateBail>02/10/2014</DateBail></Attribution>`,
      ]),
    );
    expect(later.outcomes['V1-3']?.status).toBe('applied');
    expect(later.outcomes['V1-4']?.status).toBe('applied');
    expect(await demandeView(numero)).toMatchObject({ statut: 'radiee', dateRenouvellement: '2014-09-20' });
    const { rows } = await hub.pool.query(
      `SELECT data FROM events WHERE subject = $1 AND type = 'fr.sne.demande.radiee.v1'`,
      [numero],
    );
    expect(rows[0]?.data).toMatchObject({
      motif: 'attribution',
      contingent: 'bailleur',
      accordCollectif: false,
    });
  });

  it('gives the same demande as the same enregistrement in v2', async () => {
    // Two persons (one demande per person and département), otherwise the same demande.
    const v1 = await sendV1(
      bailleur,
      lotV1([creationV1({ id: 'SAME-1', ref: 'SAME-V1', prenom: 'Zoé', communes: ['59350', '59009'] })]),
    );
    const v2Reply = await postLot(
      hub.app,
      bailleur,
      lot(enregistrement({ id: 'SAME-2', ref: 'SAME-V2', prenom: 'Léon', communes: ['59350', '59009'] })),
    );
    const v2 = await outcomesOf(hub.app, bailleur, v2Reply.json<LotReply>());
    const fromV1 = await demandeView(v1.outcomes['SAME-1']?.result?.numeroUnique as string);
    const fromV2 = await demandeView(v2['SAME-2']?.result?.numeroUnique as string);
    expect(comparable(fromV1)).toEqual(comparable(fromV2));
    expect(fromV1).toMatchObject({ referenceGuichet: 'SAME-V1', demandeur: { prenom: 'Zoé' } });
  });
});

/** A demande's view without what tells the two apart: numéro, reference, prénom, message ids and times. */
function comparable(view: Record<string, unknown>) {
  const {
    numeroUnique: _n,
    referenceGuichet: _r,
    demandeur,
    historique,
    ...rest
  } = view as {
    demandeur: Record<string, unknown>;
    historique: Record<string, unknown>[];
  } & Record<string, unknown>;
  const { prenom: _p, ...identity } = demandeur;
  return {
    ...rest,
    demandeur: identity,
    historique: historique.map(({ messageId: _m, recordedAt: _t, ...entry }) => entry),
  };
}

describe('deprecation', () => {
  it('is announced on every v1 reply, errors included, and never on v2', async () => {
    const accepted = await postLotV1(hub.app, bailleur, lotV1([creationV1({ id: 'H-1', nom: 'Entete' })]));
    expect(accepted.statusCode).toBe(202);
    expect(accepted.headers).toMatchObject(DEPRECATION_HEADERS);
    const unauthenticated = await postLotV1(hub.app, undefined, lotV1([]));
    expect(unauthenticated.statusCode).toBe(401);
    expect(unauthenticated.headers).toMatchObject(DEPRECATION_HEADERS);
    const v2 = await postLot(hub.app, bailleur, lot(enregistrement({ id: 'H-2', nom: 'Entete Deux' })));
    expect(v2.statusCode).toBe(202);
    expect(v2.headers).not.toHaveProperty('deprecation');
    expect(v2.headers).not.toHaveProperty('sunset');
  });

  it('marks the v1 route deprecated in the OpenAPI document', async () => {
    const openapi = (await hub.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(openapi.paths['/connectors/spt/v1/lots'].post.deprecated).toBe(true);
    expect(openapi.paths['/connectors/spt/v2/lots'].post.deprecated).toBeUndefined();
  });
});

describe('encodings', () => {
  it('reads an ISO-8859-1 lot as declared and stores its accents as sent', async () => {
    const text = lotV1([creationV1({ id: 'L-1', nom: 'LEFÈVRE', prenom: 'Hélène-Françoise' })], 'ISO-8859-1');
    const { receipt, outcomes } = await sendV1(bailleur, Buffer.from(text, 'latin1'));
    expect(outcomes['L-1']?.status).toBe('applied');
    const stored = await storedMessage(receipt.messages[0]?.messageId as string);
    expect(stored.raw).toContain('<Nom>LEFÈVRE</Nom><Prenom>Hélène-Françoise</Prenom>');
    expect(await demandeView(outcomes['L-1']?.result?.numeroUnique as string)).toMatchObject({
      demandeur: { nom: 'LEFÈVRE', prenom: 'Hélène-Françoise' },
    });
  });
});

describe('bad input', () => {
  it.each([
    ['a wrong root', '<?xml version="1.0"?><Lot version="1"/>', /<LotDemandes> without namespace, not <Lot>/],
    ['a v2 document', lot(enregistrement({ id: 'W-1' })), /not <lot xmlns="urn:sne:spt:2">/],
    ['another version', '<LotDemandes version="2"/>', /must carry version="1"/],
  ])('refuses %s whole with 400 XML_ROOT_INVALID', async (_what, body, detail) => {
    const reply = await postLotV1(hub.app, bailleur, body);
    expect(reply.statusCode).toBe(400);
    expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(reply.json()).toMatchObject({ code: 'XML_ROOT_INVALID', detail: expect.stringMatching(detail) });
    expect(reply.headers).toMatchObject(DEPRECATION_HEADERS);
  });

  it('rejects invalid dates and unknown codes with v1 paths, and stores the raw element', async () => {
    const badDate = creationV1({ id: 'B-1', nom: 'Fevrier', dateDepot: '31/02/2014' });
    const badCode = creationV1({ id: 'B-2', nom: 'Pieces', nbPieces: 'T3' });
    const reply = await postLotV1(hub.app, bailleur, lotV1([badDate, badCode]));
    expect(reply.statusCode).toBe(202);
    const receipt = reply.json<LotReply>();
    expect(receipt).toMatchObject({ received: 2, accepted: 0, rejected: 2 });
    expect(receipt.messages[0]?.errors).toEqual([
      { code: 'CONTRACT_INVALID', path: '/DateDepot', message: 'must be a real calendar date DD/MM/YYYY' },
    ]);
    expect(receipt.messages[1]?.errors).toEqual([
      {
        code: 'CONTRACT_INVALID',
        path: '/NbPieces',
        message: expect.stringMatching(/^must be a NbPieces code/),
      },
    ]);
    const stored = await storedMessage(receipt.messages[0]?.messageId as string);
    expect(stored).toMatchObject({ status: 'rejected', version: 'v1', type: 'enregistrement', raw: badDate });
  });
});

describe('scopes', () => {
  it('fails a 62 guichet registering in 59 with HORS_TERRITOIRE', async () => {
    const { outcomes } = await sendV1(
      guichet62,
      lotV1([creationV1({ id: 'T-1', nom: 'Ailleurs', dept: '59' })]),
    );
    expect(outcomes['T-1']).toMatchObject({ status: 'failed', error: { code: 'HORS_TERRITOIRE' } });
  });

  it("rejects a guichet's Attribution as FORBIDDEN", async () => {
    const attribution = `<Attribution idMessage="T-2">${demandeV1('X')}<IdRpls>5900004321</IdRpls><DateBail>02/05/2014</DateBail></Attribution>`;
    const reply = await postLotV1(hub.app, guichet62, lotV1([attribution]));
    expect(reply.json<LotReply>().messages[0]).toMatchObject({
      status: 'rejected',
      errors: [{ code: 'FORBIDDEN' }],
    });
  });
});
