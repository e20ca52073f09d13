import { CONTINGENTS, TYPOLOGIES } from '../core/commands.ts';
import { CLASSES_ANCIENNETE } from '../infocentre/anciennete.ts';
import { CELLULES_PART, MOTIFS_FLUX } from '../infocentre/flux.ts';

/**
 * Reply schemas of the infocentre and public routes (OpenAPI is generated from them). A count is
 * `null` under statistical secrecy (1 to 10 demandes) and the object holding it has `secret: true`.
 */
const COMPTE = {
  type: ['integer', 'null'],
  description: 'null under statistical secrecy (1 to 10).',
} as const;
const NOMBRE = { type: ['number', 'null'] } as const;
const SECRET = {
  type: 'boolean',
  description: 'true when a count of this object is masked (1 to 10).',
} as const;

const RADIEES = {
  type: 'object',
  required: ['total', ...MOTIFS_FLUX],
  properties: { total: COMPTE, ...Object.fromEntries(MOTIFS_FLUX.map((m) => [m, COMPTE])), secret: SECRET },
} as const;

const CELLULES = {
  enCoursDebut: { ...COMPTE, description: 'dateDepot < du and not radiée before du.' },
  nouvelles: { ...COMPTE, description: 'du ≤ dateDepot ≤ au.' },
  radiees: RADIEES,
  enCoursFin: { ...COMPTE, description: 'dateDepot ≤ au and not radiée on or before au.' },
  secret: SECRET,
} as const;

export const FLUX_SCHEMA = {
  type: 'object',
  required: ['du', 'au', 'lignes', 'total'],
  properties: {
    du: { type: 'string', format: 'date' },
    au: { type: 'string', format: 'date' },
    lignes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['territoire', 'enCoursDebut', 'nouvelles', 'radiees', 'enCoursFin'],
        properties: {
          territoire: { type: 'string' },
          ...CELLULES,
          part: {
            type: 'object',
            description: 'Percent of the total, two decimals; when several territoires are asked.',
            properties: Object.fromEntries(CELLULES_PART.map((c) => [c, NOMBRE])),
          },
        },
      },
    },
    total: {
      type: 'object',
      description: 'Over the union of the territoires (a demande in two of them counts once).',
      required: ['enCoursDebut', 'nouvelles', 'radiees', 'enCoursFin'],
      properties: CELLULES,
    },
  },
} as const;

const CELLULE = {
  type: 'object',
  required: ['nombre', 'pourcent'],
  properties: { nombre: COMPTE, pourcent: NOMBRE, secret: SECRET },
} as const;

export const TYPOLOGIE_SCHEMA = {
  type: 'object',
  required: ['date', 'total', 'typologie'],
  properties: {
    date: { type: 'string', format: 'date' },
    territoires: { type: 'array', items: { type: 'string' } },
    total: COMPTE,
    secret: SECRET,
    typologie: {
      type: 'object',
      required: [...TYPOLOGIES],
      properties: Object.fromEntries(TYPOLOGIES.map((t) => [t, CELLULE])),
    },
  },
} as const;

export const ANCIENNETE_SCHEMA = {
  type: 'object',
  required: ['date', 'total', 'medianeMois', 'anciennete'],
  properties: {
    date: { type: 'string', format: 'date' },
    territoires: { type: 'array', items: { type: 'string' } },
    total: COMPTE,
    medianeMois: {
      type: ['number', 'null'],
      description:
        'Median ancienneté since dépôt, in whole months each (of an even number, the mean of the two middle ones).',
    },
    secret: SECRET,
    anciennete: {
      type: 'object',
      required: CLASSES_ANCIENNETE.map(([c]) => c),
      properties: Object.fromEntries(CLASSES_ANCIENNETE.map(([c]) => [c, CELLULE])),
    },
  },
} as const;

const PAR_CONTINGENT = {
  type: 'object',
  required: ['total', ...CONTINGENTS],
  properties: { total: COMPTE, ...Object.fromEntries(CONTINGENTS.map((c) => [c, COMPTE])), secret: SECRET },
} as const;

export const ATTRIBUTIONS_MENSUEL_SCHEMA = {
  type: 'object',
  required: ['du', 'au', 'rythmeAnnuel', 'mois', 'total'],
  properties: {
    du: { type: 'string', format: 'date' },
    au: { type: 'string', format: 'date' },
    territoires: { type: 'array', items: { type: 'string' } },
    rythmeAnnuel: { type: 'integer' },
    mois: {
      type: 'array',
      items: {
        type: 'object',
        required: ['mois', 'attributions', 'cumul', 'attenduCumul', 'dalo', 'prioritaires'],
        properties: {
          mois: { type: 'string', description: 'YYYY-MM' },
          attributions: { ...COMPTE, description: 'Radiations for attribution, by bail date.' },
          cumul: COMPTE,
          attenduCumul: { type: 'integer', description: 'rythmeAnnuel × (months so far) / 12, rounded.' },
          dalo: { ...PAR_CONTINGENT, description: 'DALO prioritaire-urgent on the bail date.' },
          prioritaires: { ...PAR_CONTINGENT, description: 'Labellisées prioritaires on the bail date.' },
          secret: SECRET,
        },
      },
    },
    total: {
      type: 'object',
      properties: {
        attributions: COMPTE,
        dalo: PAR_CONTINGENT,
        prioritaires: PAR_CONTINGENT,
        secret: SECRET,
      },
    },
  },
} as const;

const DELAI_STATS = {
  type: 'object',
  required: ['attributions', 'medianeMois', 'moyenneMois', 'delaiAnormal', 'delaiAnormalPourcent'],
  properties: {
    attributions: COMPTE,
    medianeMois: NOMBRE,
    moyenneMois: NOMBRE,
    delaiAnormal: {
      ...COMPTE,
      description: "Attributions to demandes older than their département's délai anormalement long.",
    },
    delaiAnormalPourcent: NOMBRE,
    secret: SECRET,
  },
} as const;

export const ATTRIBUTIONS_DELAIS_SCHEMA = {
  type: 'object',
  required: ['du', 'au', 'total', 'typologie'],
  properties: {
    du: { type: 'string', format: 'date' },
    au: { type: 'string', format: 'date' },
    territoires: { type: 'array', items: { type: 'string' } },
    total: DELAI_STATS,
    typologie: { type: 'object', properties: Object.fromEntries(TYPOLOGIES.map((t) => [t, DELAI_STATS])) },
  },
} as const;

export const QUALITE_SCHEMA = {
  type: 'object',
  required: ['departement', 'du', 'au', 'guichets'],
  properties: {
    departement: { type: 'string' },
    du: { type: 'string', format: 'date' },
    au: { type: 'string', format: 'date' },
    guichets: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          client: { type: 'string' },
          nom: { type: 'string' },
          codeGuichet: { type: 'string' },
          role: { type: 'string' },
          demandesEnregistrees: { ...COMPTE, description: 'By dépôt date in the period.' },
          delaiMoyenEnregistrementJours: NOMBRE,
          enregistrementsPlusUnMois: {
            ...COMPTE,
            description: 'Received more than one month after the dépôt.',
          },
          enregistrementsPlusUnMoisPourcent: NOMBRE,
          messagesRecus: { ...COMPTE, description: 'By arrival in the period.' },
          messagesRejetes: COMPTE,
          messagesRejetesPourcent: NOMBRE,
          messagesEchoues: COMPTE,
          messagesEchouesPourcent: NOMBRE,
          doublonsRefuses: COMPTE,
          modifications: COMPTE,
          renouvellements: { ...COMPTE, description: 'Reactivations included.' },
          radiations: {
            type: 'object',
            additionalProperties: COMPTE,
            description: 'By motif, by business date.',
          },
          attributions: COMPTE,
          delaiMoyenAttributionJours: { ...NOMBRE, description: 'Bail signature → reception.' },
          attributionsPlusUnMois: { ...COMPTE, description: 'Received more than one month after the bail.' },
          attributionsPlusUnMoisPourcent: NOMBRE,
          rattrapage: {
            type: 'object',
            description:
              'Radiations and attributions received more than one month after their business date.',
            properties: { nombre: COMPTE, pourcent: NOMBRE, secret: SECRET },
          },
          avecContact: { ...COMPTE, description: 'Demandes registered with an email or a téléphone.' },
          avecContactPourcent: NOMBRE,
          avecRessources: { ...COMPTE, description: 'Demandes registered with ressources > 0.' },
          avecRessourcesPourcent: NOMBRE,
          secret: SECRET,
        },
      },
    },
  },
} as const;

export const CHIFFRES_CLES_SCHEMA = {
  type: 'object',
  required: ['commune', 'annee', 'logementsSociaux', 'demandesEnAttente', 'attributions'],
  properties: {
    commune: { type: 'string' },
    annee: { type: 'integer' },
    logementsSociaux: {
      ...COMPTE,
      description: 'Logements of the parc in the commune (the parc as last imported).',
    },
    demandesEnAttente: {
      ...COMPTE,
      description: 'Demandes en cours at 31/12 whose rank-1 commune is this one.',
    },
    attributions: {
      ...COMPTE,
      description: 'Attributions of logements of the commune, bail signed that year.',
    },
    secret: SECRET,
  },
} as const;

export const ANNUAIRE_SCHEMA = {
  type: 'object',
  required: ['items'],
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['nom', 'codeGuichet', 'communes'],
        properties: {
          nom: { type: 'string' },
          codeGuichet: { type: 'string' },
          type: { type: 'string', description: 'guichet, bailleur or pgp (the portail).' },
          adresse: { type: 'string' },
          departements: { type: 'array', items: { type: 'string' } },
          communes: { type: 'array', items: { type: 'string' }, description: 'Communes served (INSEE).' },
        },
      },
    },
    next: { type: 'string', description: 'The cursor of the next page; absent on the last.' },
  },
} as const;
