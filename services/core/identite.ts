import { hash } from 'node:crypto';
import type { Demandeur } from './commands.ts';

/**
 * A nom or prénom as the doublon rule compares it: case, accents and extra spaces ignored
 * (domain.md), and also the ways one name is typed differently at two guichets — hyphens and
 * apostrophes count as spaces ("Jean-Marc" = "Jean Marc", "N’Diaye" = "NʼDiaye" = "N'Diaye" = "N Diaye"),
 * and the ligatures œ and æ as the two letters they join ("Lœuillet" = "Loeuillet").
 */
export function normaliserNom(value: string): string {
  return (
    value
      // Hyphen-minus, Unicode hyphens and dashes, apostrophes straight, typographic and modifier.
      // First: the modifier apostrophes (ʼ ʻ) and spacing accents (` ´) are diacritics too, and
      // the next step would remove them ("NʼDiaye" would be "ndiaye", not "n diaye").
      .replace(/[-‐‑‒–—'‘’ʼʻ`´]/g, ' ')
      .normalize('NFD')
      .replace(/\p{Diacritic}/gu, '')
      .toLowerCase()
      // NFD leaves ligatures whole: they are letters, not accented ones.
      .replace(/œ/g, 'oe')
      .replace(/æ/g, 'ae')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

/**
 * A SHA-256 of the normalised identity (nom, prénom, date de naissance): two demandes of the same
 * person have the same hash. Stored instead of a second copy of the identity.
 */
export function identiteHash(demandeur: Pick<Demandeur, 'nom' | 'prenom' | 'dateNaissance'>): string {
  const key = `${normaliserNom(demandeur.nom)}|${normaliserNom(demandeur.prenom)}|${demandeur.dateNaissance}`;
  return hash('sha256', key, 'hex');
}
