import { randomUUID } from 'node:crypto';
import { ROLES, type Role } from '../../services/core/actor.ts';
import { multipart, png } from '../pgp-fixtures.ts';
import { ADMIN_TOKEN, provision, type TestHub, waitFor } from './hub.ts';
import { enregistrement, type LotReply, lot, postLot } from './spt.ts';

/**
 * What every route of the hub needs to be called for real, in and out of a client's territory:
 * one client per role in département 59, and for each kind of resource one in 59 (in territory,
 * or the caller's own) and one in 62 (out of territory, or another client's). Built through the
 * public routes, with workers on, so the demandes are applied; the caller then stops the workers
 * so that the requests under test change nothing that later ones read.
 */
export interface RouteFixtures {
  /** The bearer token of the client of each role, all in département 59. */
  tokens: Record<Role, string>;
  adminToken: string;
  /** The token of a client revoked by the administrator. */
  revokedToken: string;
  /** A token the hub never issued. */
  badToken: string;
  /** Per territory: `in` is département 59 (the callers' own), `out` is 62. */
  numero: Side;
  messageId: Side;
  lotId: Side;
  importId: Side;
  pieceId: Side;
  logement: Side;
  /** A fresh unique suffix, for message and client ids that must not repeat. */
  unique(): string;
  /** A new pièce on the demande of a side (for routes that consume one). */
  newPiece(where: Where): Promise<string>;
  /** A new live client nobody uses (for routes that revoke or rotate one). */
  newVictim(): Promise<string>;
}

export type Where = 'in' | 'out';
export type Side = Record<Where, string>;

/** SIREN of the bailleur client (in 59) and of the bailleur owning the logement in 62. */
export const SIREN_IN = '222222222';
const SIREN_OUT = '444444444';

const CODES: Partial<Record<Role, string>> = { guichet: 'MXGUI', bailleur: 'MXBAI', pgp: 'GDPUB' };
const ORGANISMES: Partial<Record<Role, string>> = { bailleur: SIREN_IN };

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Provisions the clients and seeds one resource of each kind on each side. */
export async function seedRouteFixtures(hub: TestHub): Promise<RouteFixtures> {
  const { app } = hub;
  let counter = 0;
  const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;
  const tokens = {} as Record<Role, string>;
  for (const role of ROLES) {
    tokens[role] = await provision(app, {
      id: `mx-${role}`,
      role,
      organisme: ORGANISMES[role] ?? '111111111',
      // An operator works on every département (the admin route refuses a narrower one).
      departements: role === 'operator' ? ['*'] : ['59'],
      ...(CODES[role] ? { codeGuichet: CODES[role] } : {}),
    });
  }
  const guichet62 = await provision(app, {
    id: 'seed-guichet-62',
    role: 'guichet',
    organisme: '333333333',
    departements: ['62'],
    codeGuichet: 'SD62G',
  });
  const rpls62 = await provision(app, { id: 'seed-rpls-62', role: 'rpls', departements: ['62'] });
  const revokedToken = await provision(app, {
    id: 'mx-revoked',
    role: 'guichet',
    departements: ['59'],
    codeGuichet: 'MXREV',
  });
  await admin(hub, 'DELETE', '/admin/clients/mx-revoked', 204);

  // One demande on each side, applied.
  const file = async (token: string, departement: string, commune: string, nom: string) => {
    const reply = await postLot(
      app,
      token,
      lot(
        enregistrement({
          id: `seed-${departement}`,
          ref: `SEED-${departement}`,
          departement,
          communes: [commune],
          nom,
        }),
      ),
    );
    if (reply.statusCode !== 202) throw new Error(`seed lot: ${reply.statusCode} ${reply.body}`);
    const receipt = reply.json<LotReply>();
    const messageId = receipt.messages[0]?.messageId ?? '';
    const numero = await waitFor(
      async () => {
        const view = await app.inject({
          method: 'GET',
          url: `/messages/${messageId}`,
          headers: bearer(token),
        });
        const body = view.json<{ status: string; result?: { numeroUnique: string }; error?: unknown }>();
        if (body.status === 'failed') throw new Error(`seed demande failed: ${view.body}`);
        return body.result?.numeroUnique;
      },
      30_000,
      `the seed demande of ${departement}`,
    );
    return { numero, messageId, lotId: receipt.lotId };
  };
  const in59 = await file(tokens.guichet, '59', '59350', 'Dupont');
  const out62 = await file(guichet62, '62', '62041', 'Martin');

  // One logement on each side, owned by the bailleur client in 59 and by another one in 62.
  const importParc = async (token: string, row: string) => {
    const reply = await app.inject({
      method: 'POST',
      url: '/connectors/rpls/v1/imports',
      headers: { ...bearer(token), 'content-type': 'text/csv; charset=utf-8' },
      payload: `${RPLS_HEADER}\n${row}\n`,
    });
    if (reply.statusCode !== 202) throw new Error(`seed import: ${reply.statusCode} ${reply.body}`);
    const { importId } = reply.json<{ importId: string }>();
    await waitFor(
      async () => {
        const status = await app.inject({
          method: 'GET',
          url: `/connectors/rpls/v1/imports/${importId}`,
          headers: bearer(token),
        });
        const body = status.json<{ status: string }>();
        if (body.status === 'failed') throw new Error(`seed import failed: ${status.body}`);
        return body.status === 'completed' ? true : undefined;
      },
      30_000,
      'the seed import',
    );
    return importId;
  };
  const import59 = await importParc(tokens.rpls, rplsRow('59MX000001', SIREN_IN, '59350'));
  const import62 = await importParc(rpls62, rplsRow('62MX000001', SIREN_OUT, '62041'));

  const newPiece = async (where: Where): Promise<string> => {
    if (where === 'in') {
      const { payload, headers } = multipart([
        { name: 'type', value: 'identite' },
        { name: 'file', filename: 'piece.png', contentType: 'image/png', content: png() },
      ]);
      const reply = await app.inject({
        method: 'POST',
        url: `/connectors/pgp/v1/demandes/${in59.numero}/pieces`,
        headers: { ...bearer(tokens.pgp), ...headers },
        payload,
      });
      if (reply.statusCode !== 201) throw new Error(`seed pièce: ${reply.statusCode} ${reply.body}`);
      return reply.json<{ pieceId: string }>().pieceId;
    }
    // The portail client is unique (codeGuichet GDPUB) and acts in 59: the pièce of a demande of 62
    // is stored as a portail of 62 would store it.
    const piece = await app.pieces.add(
      { clientId: 'mx-pgp', role: 'pgp', organisme: '111111111', departements: ['62'], codeGuichet: 'GDPUB' },
      { numeroUnique: out62.numero, type: 'identite', mediaType: 'image/png', content: png() },
    );
    if (!piece || piece === 'purgee') throw new Error('seed pièce of 62 refused');
    return piece.pieceId;
  };

  return {
    tokens,
    adminToken: ADMIN_TOKEN,
    revokedToken,
    badToken: `not-a-token-${randomUUID()}`,
    numero: { in: in59.numero, out: out62.numero },
    messageId: { in: in59.messageId, out: out62.messageId },
    lotId: { in: in59.lotId, out: out62.lotId },
    importId: { in: import59, out: import62 },
    pieceId: { in: await newPiece('in'), out: await newPiece('out') },
    logement: { in: '59MX000001', out: '62MX000001' },
    unique,
    newPiece,
    async newVictim() {
      const id = `victim-${unique()}`;
      await provision(app, { id, role: 'infocentre', departements: ['59'] });
      return id;
    },
  };
}

export const RPLS_HEADER =
  'identifiant_rpls;siren_bailleur;code_commune;nb_pieces;surface_habitable;type_construction;annee_achevement;financement;conventionne;qpv';

/** A valid RPLS CSV row. */
export function rplsRow(identifiant: string, siren: string, commune: string): string {
  return `${identifiant};${siren};${commune};3;64.5;COLLECTIF;1972;PLUS;1;0`;
}

async function admin(hub: TestHub, method: 'DELETE', url: string, expected: number): Promise<void> {
  const reply = await hub.app.inject({ method, url, headers: bearer(ADMIN_TOKEN) });
  if (reply.statusCode !== expected) throw new Error(`${method} ${url}: ${reply.statusCode} ${reply.body}`);
}
