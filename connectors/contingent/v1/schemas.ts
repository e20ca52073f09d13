import { LIMIT_QUERY_SCHEMA } from '../../../services/http/pagination.ts';
import {
  DALO_SCHEMA,
  DEPARTEMENT_PATTERN,
  NUMERO_UNIQUE_PATTERN,
  PRIORITAIRE_SCHEMA,
} from '../../shared/demande-schemas.ts';

/** A demande of the priority list: `ContingentDemandeV1` (view.ts). */
const CONTINGENT_DEMANDE_SCHEMA = {
  type: 'object',
  required: [
    'numeroUnique',
    'departement',
    'dateDepot',
    'typologie',
    'communesSouhaitees',
    'nombrePersonnes',
    'demandeur',
  ],
  properties: {
    numeroUnique: { type: 'string' },
    departement: { type: 'string' },
    dateDepot: { type: 'string', format: 'date' },
    typologie: { type: 'string' },
    communesSouhaitees: {
      type: 'array',
      items: { type: 'string' },
      description: 'INSEE codes, rank 1 first.',
    },
    nombrePersonnes: { type: 'integer' },
    demandeur: {
      type: 'object',
      description: 'Who to reach when proposing a logement.',
      required: ['nom', 'prenom'],
      properties: {
        nom: { type: 'string' },
        prenom: { type: 'string' },
        adresse: { type: 'string' },
        email: { type: 'string' },
        telephone: { type: 'string' },
      },
    },
    dalo: DALO_SCHEMA,
    prioritaire: PRIORITAIRE_SCHEMA,
  },
} as const;

export const PRIORITAIRES_QUERY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    departement: {
      type: 'string',
      pattern: DEPARTEMENT_PATTERN,
      description: 'One of the client’s départements (403 otherwise); absent: all of them.',
    },
    filtre: {
      type: 'string',
      enum: ['prioritaire', 'dalo'],
      description: '`prioritaire`: labellisées; `dalo`: DALO prioritaire-urgent; absent: either.',
    },
    limit: LIMIT_QUERY_SCHEMA,
    cursor: {
      type: 'string',
      pattern: NUMERO_UNIQUE_PATTERN,
      description: 'The `next` of the previous page.',
    },
  },
} as const;

export const PRIORITAIRES_PAGE_SCHEMA = {
  type: 'object',
  required: ['items'],
  properties: {
    items: { type: 'array', items: CONTINGENT_DEMANDE_SCHEMA },
    next: { type: 'string', description: 'Cursor of the next page; absent on the last page.' },
  },
} as const;
