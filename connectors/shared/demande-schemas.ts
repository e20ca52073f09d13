/**
 * Schemas of the canonical demande's parts that the JSON connectors show as they are (DALO decision,
 * labellisation, radiation). Fastify serialises replies with them: a field they do not list is dropped.
 */

export const NUMERO_UNIQUE_PATTERN = '^[0-9]{2}[0-9AB][0-9]{4}[0-9]{6}[0-9A-Z]{5}$';
export const DEPARTEMENT_PATTERN = '^(0[1-9]|1[0-9]|2[1-9AB]|[3-8][0-9]|9[0-5]|97[1-6])$';

const date = { type: 'string', format: 'date' } as const;

export const DALO_SCHEMA = {
  type: 'object',
  description: 'The latest DALO decision (by date), if any.',
  required: ['decision', 'dateDecision', 'departementCommission'],
  properties: {
    decision: { type: 'string', enum: ['prioritaire-urgent', 'rejet', 'sans-objet'] },
    dateDecision: date,
    departementCommission: { type: 'string' },
  },
} as const;

export const PRIORITAIRE_SCHEMA = {
  type: 'object',
  description: 'The labellisation by the contingent préfectoral (public prioritaire), if any.',
  required: ['categorie', 'dateLabellisation'],
  properties: {
    categorie: {
      type: 'string',
      enum: ['dalo', 'sortie-hebergement', 'violences', 'handicap', 'insalubrite', 'autre'],
    },
    dateLabellisation: date,
  },
} as const;

export const RADIATION_SCHEMA = {
  type: 'object',
  description:
    'Present when the demande is radiée; for an attribution, the logement and the terms of the bail.',
  required: ['motif', 'dateRadiation'],
  properties: {
    motif: {
      type: 'string',
      enum: ['attribution', 'abandon', 'irrecevabilite', 'non-reponse', 'non-renouvellement'],
    },
    sousMotif: { type: 'string' },
    dateRadiation: date,
    logement: { type: 'string' },
    contingent: { type: 'string' },
    accordCollectif: { type: 'boolean' },
  },
} as const;
