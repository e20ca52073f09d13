import { addYears } from '../core/dates.ts';
import { pourcent } from './flux.ts';
import { moisEcoules } from './periode.ts';
import type { DepotsEnCours } from './queries.ts';
import { type Compte, masquer } from './secret.ts';

/** Ancienneté classes since dépôt, as interfaces.md §12 names them, with their lower bound in years. */
export const CLASSES_ANCIENNETE = [
  ['moins-1-an', 0],
  ['1-2-ans', 1],
  ['2-3-ans', 2],
  ['3-5-ans', 3],
  ['5-ans-et-plus', 5],
] as const;
export type ClasseAnciennete = (typeof CLASSES_ANCIENNETE)[number][0];

export interface CelluleAnciennete {
  nombre: Compte;
  pourcent: number | null;
  secret?: true;
}

export interface AncienneteReponse {
  date: string;
  territoires: string[];
  total: Compte;
  /**
   * Median ancienneté of the demandes en cours, each counted in whole months; of an even number, the
   * mean of the two middle ones (so it may end in .5). Null when none, or under secrecy.
   */
  medianeMois: number | null;
  secret?: true;
  anciennete: Record<ClasseAnciennete, CelluleAnciennete>;
}

/**
 * The class of a demande déposée on `dateDepot`, at `date`: "1-2 ans" is from its first
 * anniversary (calendar arithmetic of domain.md) to the day before its second.
 */
export function classeAnciennete(dateDepot: string, date: string): ClasseAnciennete {
  let classe: ClasseAnciennete = 'moins-1-an';
  for (const [nom, ans] of CLASSES_ANCIENNETE) if (addYears(dateDepot, ans) <= date) classe = nom;
  return classe;
}

/** Buckets and median from the en-cours demandes counted by dépôt date. */
export function ancienneteDe(
  date: string,
  territoires: string[],
  depots: DepotsEnCours[],
): AncienneteReponse {
  const nombres = Object.fromEntries(CLASSES_ANCIENNETE.map(([c]) => [c, 0])) as Record<
    ClasseAnciennete,
    number
  >;
  let total = 0;
  for (const d of depots) {
    nombres[classeAnciennete(d.dateDepot, date)] += d.n;
    total += d.n;
  }
  // Oldest dépôt first means largest ancienneté first: the median is the middle demande of that
  // order, or the mean of the two middle ones when they are an even number.
  let medianeMois: number | null = null;
  if (total > 0) {
    const sorted = [...depots].sort((a, b) => (a.dateDepot < b.dateDepot ? -1 : 1));
    const moisAuRang = (rang: number): number => {
      let vus = 0;
      for (const d of sorted) {
        vus += d.n;
        if (vus >= rang) return moisEcoules(d.dateDepot, date);
      }
      throw new Error(`no demande of rank ${rang} among ${total}`);
    };
    medianeMois = (moisAuRang(Math.ceil(total / 2)) + moisAuRang(Math.floor(total / 2) + 1)) / 2;
  }
  const anciennete = Object.fromEntries(
    CLASSES_ANCIENNETE.map(([c]) => [c, { nombre: nombres[c], pourcent: pourcent(nombres[c], total) }]),
  ) as Record<ClasseAnciennete, CelluleAnciennete>;
  return { date, territoires, total, medianeMois, anciennete };
}

export function masquerAnciennete(reponse: AncienneteReponse): AncienneteReponse {
  const copie = structuredClone(reponse);
  masquer(copie, ['total'], { total: ['medianeMois'] });
  for (const [c] of CLASSES_ANCIENNETE) masquer(copie.anciennete[c], ['nombre'], { nombre: ['pourcent'] });
  return copie;
}
