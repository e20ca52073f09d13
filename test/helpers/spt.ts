import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

/** Escapes text for an XML element. */
function x(value: string | number): string {
  return String(value).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

export interface EnregistrementSpec {
  id: string;
  ref?: string;
  departement?: string;
  dateDepot?: string;
  nom?: string;
  prenom?: string;
  dateNaissance?: string;
  typologie?: string;
  communes?: string[];
  email?: string;
}

/** An SPT v2 `<enregistrement>` with plausible defaults. */
export function enregistrement(spec: EnregistrementSpec): string {
  const communes = (spec.communes ?? ['59350'])
    .map((c, i) => `<commune rang="${i + 1}">${c}</commune>`)
    .join('');
  return `<enregistrement id="${spec.id}">${spec.ref ? `<referenceGuichet>${x(spec.ref)}</referenceGuichet>` : ''}
    <departement>${spec.departement ?? '59'}</departement><dateDepot>${spec.dateDepot ?? '2014-03-01'}</dateDepot>
    <demandeur><nom>${x(spec.nom ?? 'Dupont')}</nom><prenom>${x(spec.prenom ?? 'Amélie')}</prenom><dateNaissance>${spec.dateNaissance ?? '1985-04-12'}</dateNaissance><nationalite>FR</nationalite>${spec.email ? `<email>${x(spec.email)}</email>` : ''}</demandeur>
    <menage nombrePersonnes="3"/><ressourcesMensuelles>1450.00</ressourcesMensuelles><typologie>${spec.typologie ?? 'T3'}</typologie>
    <communesSouhaitees>${communes}</communesSouhaitees><motif>logement-trop-petit</motif></enregistrement>`;
}

/** `<demande numeroUnique=…/>` or `<demande referenceGuichet=…/>`. */
export function demande(ref: string): string {
  return /^[0-9]{2}[0-9AB][0-9]{4}[0-9]{6}[0-9A-Z]{5}$/.test(ref)
    ? `<demande numeroUnique="${ref}"/>`
    : `<demande referenceGuichet="${x(ref)}"/>`;
}

export function modification(id: string, ref: string, body: string): string {
  return `<modification id="${id}">${demande(ref)}${body}</modification>`;
}

export function renouvellement(id: string, ref: string, date: string): string {
  return `<renouvellement id="${id}">${demande(ref)}<dateRenouvellement>${date}</dateRenouvellement></renouvellement>`;
}

export function radiation(id: string, ref: string, motif: string, date: string, sousMotif?: string): string {
  return `<radiation id="${id}">${demande(ref)}<motif>${motif}</motif>${sousMotif ? `<sousMotif>${sousMotif}</sousMotif>` : ''}<dateRadiation>${date}</dateRadiation></radiation>`;
}

export function attribution(
  id: string,
  ref: string,
  logement: string,
  date: string,
  contingent = 'prefet',
): string {
  return `<attribution id="${id}">${demande(ref)}<logement>${logement}</logement><dateSignatureBail>${date}</dateSignatureBail><contingent>${contingent}</contingent><accordCollectif>false</accordCollectif></attribution>`;
}

export function lot(...messages: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<lot xmlns="urn:sne:spt:2">\n${messages.join('\n')}\n</lot>`;
}

export interface LotReply {
  lotId: string;
  received: number;
  accepted: number;
  rejected: number;
  messages: {
    id: string;
    messageId: string;
    status: string;
    errors?: { code: string; path?: string; message: string }[];
  }[];
}

export function postLot(
  app: FastifyInstance,
  token: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/connectors/spt/v2/lots',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml', ...headers },
    payload: body,
  });
}

export interface MessageOutcome {
  messageId: string;
  status: string;
  result?: { numeroUnique: string };
  error?: { code: string; message: string; details?: Record<string, string> };
}

/**
 * Posts one lot, waits until each accepted message is applied or failed, and returns every
 * message's outcome by its sender id (GET /messages/{id}, as the sender would read it).
 */
export async function sendLot(
  app: FastifyInstance,
  token: string,
  ...messages: string[]
): Promise<Record<string, MessageOutcome>> {
  const reply = await postLot(app, token, lot(...messages));
  if (reply.statusCode !== 202) throw new Error(`lot refused: ${reply.statusCode} ${reply.body}`);
  return outcomesOf(app, token, reply.json<LotReply>());
}

/** Waits until each message of a receipt is done (neither accepted nor processing) and returns its outcome by sender id. */
export async function outcomesOf(
  app: FastifyInstance,
  token: string,
  receipt: LotReply,
): Promise<Record<string, MessageOutcome>> {
  const outcomes: Record<string, MessageOutcome> = {};
  const deadline = Date.now() + 20_000;
  for (const entry of receipt.messages) {
    for (;;) {
      const status = await app.inject({
        method: 'GET',
        url: `/messages/${entry.messageId}`,
        headers: { authorization: `Bearer ${token}` },
      });
      const view = status.json<MessageOutcome>();
      if (!['accepted', 'processing'].includes(view.status)) {
        outcomes[entry.id] = view;
        break;
      }
      if (Date.now() > deadline) throw new Error(`message ${entry.id} still ${view.status}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  return outcomes;
}

// SPT v1, the legacy contract: flat elements, DD/MM/YYYY dates, decimal commas, numeric codes.

export interface CreationV1Spec {
  id: string;
  ref?: string;
  dept?: string;
  dateDepot?: string;
  nom?: string;
  prenom?: string;
  dateNaissance?: string;
  nbPieces?: string;
  communes?: string[];
}

/** An SPT v1 `<Creation>` with plausible defaults (those of `enregistrement`, in v1 form). */
export function creationV1(spec: CreationV1Spec): string {
  const communes = (spec.communes ?? ['59350'])
    .map((c, i) => `<Commune${i + 1}>${c}</Commune${i + 1}>`)
    .join('');
  return `<Creation idMessage="${spec.id}">${spec.ref ? `<RefInterne>${x(spec.ref)}</RefInterne>` : ''}
    <Dept>${spec.dept ?? '59'}</Dept><DateDepot>${spec.dateDepot ?? '01/03/2014'}</DateDepot>
    <Nom>${x(spec.nom ?? 'Dupont')}</Nom><Prenom>${x(spec.prenom ?? 'Amélie')}</Prenom><DateNaissance>${spec.dateNaissance ?? '12/04/1985'}</DateNaissance>
    <Nationalite>1</Nationalite><NbPersonnes>3</NbPersonnes><Ressources>1450,00</Ressources><NbPieces>${spec.nbPieces ?? '3'}</NbPieces>
    ${communes}<Motif>04</Motif></Creation>`;
}

/** `<NumUnique>…</NumUnique>` or `<RefInterne>…</RefInterne>`. */
export function demandeV1(ref: string): string {
  return /^[0-9]{2}[0-9AB][0-9]{4}[0-9]{6}[0-9A-Z]{5}$/.test(ref)
    ? `<NumUnique>${ref}</NumUnique>`
    : `<RefInterne>${x(ref)}</RefInterne>`;
}

/** A v1 lot; `encoding` only writes the declaration (encode the bytes accordingly). */
export function lotV1(messages: string[], encoding = 'UTF-8'): string {
  return `<?xml version="1.0" encoding="${encoding}"?>\n<LotDemandes version="1">\n${messages.join('\n')}\n</LotDemandes>`;
}

export function postLotV1(
  app: FastifyInstance,
  token: string | undefined,
  body: string | Buffer,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/connectors/spt/v1/lots',
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      'content-type': 'application/xml',
      ...headers,
    },
    payload: body,
  });
}
