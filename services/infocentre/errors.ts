/**
 * The infocentre's own errors: a bad question (unknown territoire, impossible period). The HTTP
 * layer turns them into 400 problems with the same stable code.
 */
export const INFOCENTRE_ERRORS = {
  /** A `territoire` that is not `commune:<insee>`, `epci:<siren>`, `departement:<code>`, `region:<code>` or `france`. */
  TERRITOIRE_INVALIDE:
    'The territoire is not commune:<insee>, epci:<siren>, departement:<code>, region:<code> or france.',
  /** A well-formed `territoire` naming no current commune, EPCI, département or région. */
  TERRITOIRE_INCONNU:
    'No current commune, EPCI, département or région has this code (Code officiel géographique).',
  /** `du` after `au`, or a date that does not exist. */
  PERIODE_INVALIDE: 'The period is not valid: du and au are calendar dates (YYYY-MM-DD) and du ≤ au.',
} as const;
export type InfocentreErrorCode = keyof typeof INFOCENTRE_ERRORS;

export class InfocentreError extends Error {
  override readonly name = 'InfocentreError';
  constructor(
    readonly code: InfocentreErrorCode,
    detail: string,
  ) {
    super(`${INFOCENTRE_ERRORS[code]} ${detail}`);
  }
}
