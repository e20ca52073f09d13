import { LIMIT_QUERY_SCHEMA } from '../../../services/http/pagination.ts';
import {
  DALO_SCHEMA,
  NUMERO_UNIQUE_PATTERN,
  PRIORITAIRE_SCHEMA,
  RADIATION_SCHEMA,
} from '../../shared/demande-schemas.ts';

/** A demande as the DALO commission reads it: `DaloDemandeV1` (view.ts). */
export const DALO_DEMANDE_SCHEMA = {
  type: 'object',
  required: [
    'numeroUnique',
    'statut',
    'departement',
    'dateDepot',
    'ancienneteJours',
    'typologie',
    'communesSouhaitees',
    'menage',
  ],
  properties: {
    numeroUnique: { type: 'string' },
    statut: { type: 'string', enum: ['active', 'radiee'] },
    departement: { type: 'string' },
    dateDepot: { type: 'string', format: 'date' },
    ancienneteJours: { type: 'integer', description: 'Days from the dépôt to today (Europe/Paris).' },
    typologie: { type: 'string' },
    communesSouhaitees: {
      type: 'array',
      items: { type: 'string' },
      description: 'INSEE codes, rank 1 first.',
    },
    menage: {
      type: 'object',
      required: ['nombrePersonnes'],
      properties: { nombrePersonnes: { type: 'integer' } },
    },
    donneesPurgees: {
      type: 'boolean',
      enum: [true],
      description:
        'Present (true) once the retention purge has erased the personal data, a year after the radiation: ' +
        'the demandeur is then absent.',
    },
    demandeur: {
      type: 'object',
      description: 'Absent once the personal data were erased (donneesPurgees).',
      required: ['nom', 'prenom', 'dateNaissance'],
      properties: {
        nom: { type: 'string' },
        prenom: { type: 'string' },
        dateNaissance: { type: 'string', format: 'date' },
      },
    },
    dalo: DALO_SCHEMA,
    prioritaire: PRIORITAIRE_SCHEMA,
    radiation: RADIATION_SCHEMA,
  },
} as const;

export const NUMERO_PARAMS_SCHEMA = {
  type: 'object',
  required: ['numeroUnique'],
  properties: { numeroUnique: { type: 'string', pattern: NUMERO_UNIQUE_PATTERN } },
} as const;

/** A name as a person writes it: at least one character other than a space. */
const nom = { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S' } as const;

export const IDENTITE_QUERY_SCHEMA = {
  type: 'object',
  required: ['nom', 'prenom', 'dateNaissance'],
  additionalProperties: false,
  properties: {
    nom: {
      ...nom,
      description: 'Nom de naissance or d’usage as on the demande; case, accents and extra spaces ignored.',
    },
    prenom: { ...nom, description: 'Prénom; case, accents and extra spaces ignored.' },
    dateNaissance: { type: 'string', format: 'date' },
    limit: LIMIT_QUERY_SCHEMA,
    cursor: {
      type: 'string',
      pattern: NUMERO_UNIQUE_PATTERN,
      description: 'The `next` of the previous page.',
    },
  },
} as const;

export const DALO_DEMANDES_SCHEMA = {
  type: 'object',
  required: ['items'],
  properties: {
    items: { type: 'array', items: DALO_DEMANDE_SCHEMA },
    next: { type: 'string', description: 'Cursor of the next page; absent on the last page.' },
  },
} as const;
