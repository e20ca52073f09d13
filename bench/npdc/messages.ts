/**
 * The plan's messages written as each external system writes them: SPT v2 XML elements, SPT v1
 * elements (legacy codes, DD/MM/YYYY dates, decimal commas; the lot encoded in ISO-8859-1), the
 * portail's JSON requests, and the RPLS CSV file of the parc.
 */
import { frenchDate } from './calendar.ts';
import type { PlannedDemande, PlannedEvent, PlannedLogement, Typologie } from './plan.ts';

/** How a message names its demande: by the sender's reference, or by numéro unique. */
export type DemandeName = { referenceGuichet: string } | { numeroUnique: string };

function x(value: string | number): string {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

// SPT v2 (urn:sne:spt:2)

function demandeV2(name: DemandeName): string {
  return 'numeroUnique' in name
    ? `<demande numeroUnique="${name.numeroUnique}"/>`
    : `<demande referenceGuichet="${x(name.referenceGuichet)}"/>`;
}

/** One message of an SPT v2 lot. */
export function sptV2Message(d: PlannedDemande, e: PlannedEvent, name: DemandeName): string {
  switch (e.kind) {
    case 'enregistrement':
      return (
        `<enregistrement id="${e.id}">${d.ref ? `<referenceGuichet>${x(d.ref)}</referenceGuichet>` : ''}` +
        `<departement>${d.departement}</departement><dateDepot>${d.dateDepot}</dateDepot>` +
        `<demandeur><nom>${x(d.identite.nom)}</nom><prenom>${x(d.identite.prenom)}</prenom>` +
        `<dateNaissance>${d.identite.dateNaissance}</dateNaissance><nationalite>${d.nationalite}</nationalite></demandeur>` +
        `<menage nombrePersonnes="${d.nombrePersonnes}"/><ressourcesMensuelles>${d.ressources.toFixed(2)}</ressourcesMensuelles>` +
        `<typologie>${d.typologie}</typologie><communesSouhaitees>${d.communes
          .map((c, i) => `<commune rang="${i + 1}">${c}</commune>`)
          .join('')}</communesSouhaitees><motif>${d.motif}</motif></enregistrement>`
      );
    case 'modification':
      return `<modification id="${e.id}">${demandeV2(name)}<typologie>${e.typologie}</typologie></modification>`;
    case 'renouvellement':
      return `<renouvellement id="${e.id}">${demandeV2(name)}<dateRenouvellement>${e.date}</dateRenouvellement></renouvellement>`;
    case 'radiation':
      return (
        `<radiation id="${e.id}">${demandeV2(name)}<motif>${e.motif}</motif>` +
        `${e.sousMotif ? `<sousMotif>${e.sousMotif}</sousMotif>` : ''}<dateRadiation>${e.date}</dateRadiation></radiation>`
      );
    case 'attribution':
      return (
        `<attribution id="${e.id}">${demandeV2(name)}<logement>${e.logement}</logement>` +
        `<dateSignatureBail>${e.date}</dateSignatureBail><contingent>${e.contingent}</contingent>` +
        `<accordCollectif>${e.accordCollectif ? 'true' : 'false'}</accordCollectif></attribution>`
      );
  }
}

export function sptV2Lot(messages: string[]): Buffer {
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<lot xmlns="urn:sne:spt:2">\n${messages.join('\n')}\n</lot>\n`,
    'utf8',
  );
}

// SPT v1 (legacy LotDemandes)

const NB_PIECES: Record<Typologie, number> = { chambre: 0, T1: 1, T2: 2, T3: 3, T4: 4, T5: 5, 'T6+': 6 };
const NATIONALITE_V1 = { FR: '1', UE: '2', HORS_UE: '3' } as const;
const MOTIF_DEMANDE_V1: Record<string, string> = {
  'sans-logement': '01',
  hebergement: '02',
  'logement-insalubre': '03',
  'logement-trop-petit': '04',
  'logement-trop-cher': '05',
  violences: '06',
  handicap: '07',
  mutation: '08',
  'rapprochement-travail': '09',
  'divorce-separation': '10',
  autre: '99',
};
const MOTIF_RADIATION_V1 = {
  abandon: 'ABANDON',
  irrecevabilite: 'IRRECEVABILITE',
  'non-reponse': 'NON_REPONSE',
};
const SOUS_MOTIF_V1 = { 'plafond-ressources': '1', 'irregularite-sejour': '2' };

function demandeV1(name: DemandeName): string {
  return 'numeroUnique' in name
    ? `<NumUnique>${name.numeroUnique}</NumUnique>`
    : `<RefInterne>${x(name.referenceGuichet)}</RefInterne>`;
}

/** One message of an SPT v1 lot (v1 has no contingent: attributions are recorded as `bailleur`). */
export function sptV1Message(d: PlannedDemande, e: PlannedEvent, name: DemandeName): string {
  switch (e.kind) {
    case 'enregistrement':
      return (
        `<Creation idMessage="${e.id}">${d.ref ? `<RefInterne>${x(d.ref)}</RefInterne>` : ''}` +
        `<Dept>${d.departement}</Dept><DateDepot>${frenchDate(d.dateDepot)}</DateDepot>` +
        `<Nom>${x(d.identite.nom.toUpperCase())}</Nom><Prenom>${x(d.identite.prenom)}</Prenom>` +
        `<DateNaissance>${frenchDate(d.identite.dateNaissance)}</DateNaissance>` +
        `<Nationalite>${NATIONALITE_V1[d.nationalite]}</Nationalite><NbPersonnes>${d.nombrePersonnes}</NbPersonnes>` +
        `<Ressources>${d.ressources.toFixed(2).replace('.', ',')}</Ressources><NbPieces>${NB_PIECES[d.typologie]}</NbPieces>` +
        d.communes.map((c, i) => `<Commune${i + 1}>${c}</Commune${i + 1}>`).join('') +
        `<Motif>${MOTIF_DEMANDE_V1[d.motif]}</Motif></Creation>`
      );
    case 'modification':
      return `<Modification idMessage="${e.id}">${demandeV1(name)}<NbPieces>${NB_PIECES[e.typologie ?? 'T3']}</NbPieces></Modification>`;
    case 'renouvellement':
      return `<Renouvellement idMessage="${e.id}">${demandeV1(name)}<DateRenouvellement>${frenchDate(e.date)}</DateRenouvellement></Renouvellement>`;
    case 'radiation': {
      if (!e.motif) throw new Error(`radiation ${e.id} without motif`);
      return (
        `<Radiation idMessage="${e.id}">${demandeV1(name)}<Motif>${MOTIF_RADIATION_V1[e.motif]}</Motif>` +
        `${e.sousMotif ? `<SousMotif>${SOUS_MOTIF_V1[e.sousMotif]}</SousMotif>` : ''}<DateRadiation>${frenchDate(e.date)}</DateRadiation></Radiation>`
      );
    }
    case 'attribution':
      return `<Attribution idMessage="${e.id}">${demandeV1(name)}<IdRpls>${e.logement}</IdRpls><DateBail>${frenchDate(e.date)}</DateBail></Attribution>`;
  }
}

/** A v1 lot in ISO-8859-1, as the older guichet software writes it (accents are single bytes). */
export function sptV1Lot(messages: string[]): Buffer {
  return Buffer.from(
    `<?xml version="1.0" encoding="ISO-8859-1"?>\n<LotDemandes version="1">\n${messages.join('\n')}\n</LotDemandes>\n`,
    'latin1',
  );
}

// The portail grand public (PGP JSON v1)

/** The portail's request for one message: path and JSON body. */
export function pgpRequest(
  d: PlannedDemande,
  e: PlannedEvent,
  numeroUnique?: string,
): { path: string; body: object } {
  const base = '/connectors/pgp/v1/demandes';
  if (e.kind === 'enregistrement') {
    return {
      path: base,
      body: {
        id: e.id,
        departement: d.departement,
        dateDepot: d.dateDepot,
        demandeur: { ...d.identite, nationalite: d.nationalite },
        menage: { nombrePersonnes: d.nombrePersonnes },
        ressourcesMensuelles: d.ressources,
        typologie: d.typologie,
        communesSouhaitees: d.communes,
        motif: d.motif,
      },
    };
  }
  if (!numeroUnique) throw new Error(`portail message ${e.id} before its demande's numéro is known`);
  switch (e.kind) {
    case 'modification':
      return { path: `${base}/${numeroUnique}/modifications`, body: { id: e.id, typologie: e.typologie } };
    case 'renouvellement':
      return {
        path: `${base}/${numeroUnique}/renouvellements`,
        body: { id: e.id, dateRenouvellement: e.date },
      };
    case 'radiation':
      if (e.motif !== 'abandon') throw new Error(`the portail only abandons (${e.id})`);
      return { path: `${base}/${numeroUnique}/abandon`, body: { id: e.id, dateRadiation: e.date } };
    case 'attribution':
      throw new Error(`the portail does not attribute (${e.id})`);
  }
}

// RPLS

const RPLS_COLUMNS =
  'identifiant_rpls;siren_bailleur;code_commune;nb_pieces;surface_habitable;type_construction;annee_achevement;financement;conventionne;qpv';

/** The parc as an RPLS CSV file (UTF-8, `;`). */
export function rplsCsv(logements: PlannedLogement[]): string {
  const lines = logements.map(
    (l, i) =>
      `${l.identifiant};${l.siren};${l.commune};${l.nbPieces};${(18 + l.nbPieces * 16).toFixed(1).replace('.', ',')};` +
      `${i % 4 === 0 ? 'INDIVIDUEL' : 'COLLECTIF'};${1960 + (i % 55)};${['PLUS', 'PLAI', 'PLS', 'HLMO'][i % 4]};1;${i % 3 === 0 ? 1 : 0}`,
  );
  return `${RPLS_COLUMNS}\n${lines.join('\n')}\n`;
}
