/**
 * The reply of `GET /sne/demandes/{numeroUnique}`: the demande as the registry holds it, with its
 * history. Nested records stay open (`additionalProperties`) so that the serializer never drops a
 * field the core adds; the document still names the ones it has today.
 */
const open = (description: string, properties: Record<string, unknown> = {}) => ({
  type: 'object',
  description,
  properties,
  additionalProperties: true,
});

const date = { type: 'string', format: 'date' } as const;

export const SNE_DEMANDE_SCHEMA = {
  type: 'object',
  required: [
    'numeroUnique',
    'departement',
    'dateDepot',
    'codeGuichet',
    'organisme',
    'statut',
    'dateEcheance',
    'historique',
  ],
  properties: {
    numeroUnique: { type: 'string' },
    departement: { type: 'string' },
    dateDepot: date,
    codeGuichet: { type: 'string' },
    organisme: { type: 'string', description: 'SIREN of the organisme that registered it.' },
    referenceGuichet: { type: 'string' },
    demandeur: open('The demandeur: nom, prénom, date de naissance, nationalité, contacts.'),
    menage: open('The ménage: nombrePersonnes and the other personnes.'),
    ressourcesMensuelles: { type: 'number' },
    typologie: { type: 'string' },
    communesSouhaitees: { type: 'array', items: { type: 'string' } },
    motif: { type: 'string' },
    statut: { enum: ['active', 'radiee'] },
    dateRenouvellement: date,
    dateEcheance: date,
    radiation: open('Present once radiée: motif, sousMotif, dateRadiation; for an attribution the bail.'),
    dalo: open('The latest DALO decision: decision, dateDecision, departementCommission.'),
    prioritaire: open('The labellisation: categorie, dateLabellisation.'),
    historique: {
      type: 'array',
      description: 'Each change, oldest first.',
      items: {
        type: 'object',
        properties: {
          kind: { type: 'string' },
          dateEffet: date,
          clientId: { type: ['string', 'null'] },
          messageId: { type: ['string', 'null'] },
          details: open('What changed.'),
          recordedAt: { type: 'string', format: 'date-time' },
        },
      },
    },
  },
} as const;
