import type { IsoDate } from './commands.ts';

export const NUMERO_UNIQUE_PATTERN = /^[0-9]{2}[0-9AB][0-9]{4}[0-9]{6}[0-9A-Z]{5}$/;

/** The département code on three characters: `59` → `059`, `2A` → `02A`, `971` → `971`. */
export function territoireCode(departement: string): string {
  return departement.padStart(3, '0');
}

/** The counter a numéro unique is drawn from: territory, month and year of the dépôt. */
export interface NumeroSequenceKey {
  territoire: string;
  mois: string;
  annee: string;
}

export function sequenceKeyOf(departement: string, dateDepot: IsoDate): NumeroSequenceKey {
  return {
    territoire: territoireCode(departement),
    mois: dateDepot.slice(5, 7),
    annee: dateDepot.slice(2, 4),
  };
}

export function sequenceKeyId(key: NumeroSequenceKey): string {
  return `${key.territoire}${key.mois}${key.annee}`;
}

/** `TTT MM AA NNNNNN GGGGG`, written without separators. */
export function formatNumeroUnique(key: NumeroSequenceKey, sequence: number, codeGuichet: string): string {
  if (!Number.isInteger(sequence) || sequence < 1 || sequence > 999_999) {
    throw new RangeError(`numéro unique sequence out of range: ${sequence}`);
  }
  return `${sequenceKeyId(key)}${String(sequence).padStart(6, '0')}${codeGuichet}`;
}
