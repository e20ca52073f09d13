import { createHash } from 'node:crypto';
import type { Demandeur } from './commands.ts';

/** Case, accents and extra spaces ignored, as the doublon rule says. */
export function normaliserNom(value: string): string {
  return value
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * A SHA-256 of the normalised identity (nom, prénom, date de naissance): two demandes of the same
 * person have the same hash. Stored instead of a second copy of the identity.
 */
export function identiteHash(demandeur: Pick<Demandeur, 'nom' | 'prenom' | 'dateNaissance'>): string {
  const key = `${normaliserNom(demandeur.nom)}|${normaliserNom(demandeur.prenom)}|${demandeur.dateNaissance}`;
  return createHash('sha256').update(key).digest('hex');
}
