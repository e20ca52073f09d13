import type {
  MotifDemande,
  MotifRadiation,
  Nationalite,
  SousMotifIrrecevabilite,
  Typologie,
} from '../../../services/core/commands.ts';

/**
 * The codes of SPT v1 and the canonical values they stand for (interfaces.md §4, "Version 1").
 * The v1 schemas list the same codes in their enums (a test keeps the two equal), so a valid
 * message only ever holds codes found here.
 */

export const NATIONALITE_CODES: Readonly<Record<string, Nationalite>> = {
  '1': 'FR',
  '2': 'UE',
  '3': 'HORS_UE',
};

export const MOTIF_DEMANDE_CODES: Readonly<Record<string, MotifDemande>> = {
  '01': 'sans-logement',
  '02': 'hebergement',
  '03': 'logement-insalubre',
  '04': 'logement-trop-petit',
  '05': 'logement-trop-cher',
  '06': 'violences',
  '07': 'handicap',
  '08': 'mutation',
  '09': 'rapprochement-travail',
  '10': 'divorce-separation',
  '99': 'autre',
};

export const MOTIF_RADIATION_CODES: Readonly<Record<string, MotifRadiation>> = {
  ABANDON: 'abandon',
  IRRECEVABILITE: 'irrecevabilite',
  NON_REPONSE: 'non-reponse',
};

export const SOUS_MOTIF_CODES: Readonly<Record<string, SousMotifIrrecevabilite>> = {
  '1': 'plafond-ressources',
  '2': 'irregularite-sejour',
};

/** `NbPieces`: 0 = chambre, 1 to 5 = T1 to T5, 6 or more = T6+. */
export function typologieOf(nbPieces: string): Typologie {
  const pieces = Number(nbPieces);
  if (pieces === 0) return 'chambre';
  return pieces >= 6 ? 'T6+' : (`T${pieces}` as Typologie);
}

/** The canonical value of a code the contract has already checked. */
export function decoded<T>(table: Readonly<Record<string, T>>, code: string): T {
  const value = table[code];
  if (value === undefined)
    throw new Error(`SPT v1 code ${code} is not in its table: the schema let it through.`);
  return value;
}
