/**
 * Business errors of the SNE core: a stable code and a message that says what happened.
 * They are permanent: retrying the same message can never make it pass.
 */
export const BUSINESS_ERRORS = {
  DEMANDE_INCONNUE: 'No demande has this numéro unique or referenceGuichet.',
  DOUBLON: 'This person already holds an active demande in this département.',
  DEMANDE_RADIEE:
    'The demande is radiée: only a renouvellement within six months of a non-renouvellement radiation reopens it.',
  DATE_INVALIDE:
    'A business date lies in the future, before the dépôt of the demande, or before its last change.',
  LOGEMENT_INCONNU: 'The logement is not in the parc (RPLS).',
  LOGEMENT_AUTRE_BAILLEUR: "The logement belongs to another bailleur than the sender's organisme.",
  HORS_TERRITOIRE:
    "The département, a commune or the logement lies outside the demande's or the sender's territory.",
  REFERENCE_GUICHET_EXISTANTE:
    "The sender's organisme already registered a demande with this referenceGuichet.",
  COMMUNE_INCONNUE: 'A commune souhaitée is not a current INSEE commune code.',
  ACTION_INTERDITE:
    "The sender's role may not do this (attributions are a bailleur's, enregistrements a guichet's).",
  MOTIF_INTERDIT: 'This radiation motif may not be used by this sender.',
  SOUS_MOTIF_REQUIS:
    'A radiation for irrecevabilite needs a sousMotif (plafond-ressources or irregularite-sejour).',
  REACTIVATION_EXPIREE:
    'A demande radiée for non-renouvellement may be renewed only until dateEcheance + 6 months.',
} as const;

export type BusinessErrorCode = keyof typeof BUSINESS_ERRORS;

export class BusinessError extends Error {
  override readonly name = 'BusinessError';
  readonly code: BusinessErrorCode;
  readonly details: Record<string, string> | undefined;

  constructor(code: BusinessErrorCode, detail?: string, details?: Record<string, string>) {
    super(detail ? `${BUSINESS_ERRORS[code]} ${detail}` : BUSINESS_ERRORS[code]);
    this.code = code;
    this.details = details;
  }
}
