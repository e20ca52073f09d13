import { MOTIFS_RADIATION, type MotifRadiation } from '../core/commands.ts';

/**
 * The flux table of domain.md "Dates and statistics", from cumulative counts. For a territory and
 * a period `[du, au]`:
 *   enCoursDebut = dépôts before du − radiations before du
 *   nouvelles    = dépôts from du to au
 *   radiées      = radiations from du to au (by motif)
 *   enCoursFin   = dépôts up to au − radiations up to au
 * A radiation never precedes its dépôt, so "dateDepot < du and not radiée before du" is the
 * difference of the two counts, and `fin = début + nouvelles − radiées` holds by construction.
 */

/** The facts counted: a demande's dépôt, and its current radiation by motif. */
export type Mouvement = 'depot' | MotifRadiation;
export const MOUVEMENTS: readonly Mouvement[] = ['depot', ...MOTIFS_RADIATION];

/** Counts of facts dated strictly before some day, by mouvement. */
export type Cumul = Record<Mouvement, number>;

export function cumulVide(): Cumul {
  return Object.fromEntries(MOUVEMENTS.map((m) => [m, 0])) as Cumul;
}

/** The motifs in the order the State's tables print them. */
export const MOTIFS_FLUX = [
  'abandon',
  'attribution',
  'irrecevabilite',
  'non-renouvellement',
  'non-reponse',
] as const;

export type Radiees = { total: number } & Record<MotifRadiation, number>;

export interface Flux {
  enCoursDebut: number;
  nouvelles: number;
  radiees: Radiees;
  enCoursFin: number;
}

function radiations(c: Cumul): number {
  return MOTIFS_RADIATION.reduce((sum, m) => sum + c[m], 0);
}

/** The flux of a period from the counts before `du` and before `au + 1 day`. */
export function fluxDe(avantDu: Cumul, jusquAu: Cumul): Flux {
  const radiees = { total: 0 } as Radiees;
  for (const m of MOTIFS_FLUX) radiees[m] = jusquAu[m] - avantDu[m];
  radiees.total = radiations(jusquAu) - radiations(avantDu);
  return {
    enCoursDebut: avantDu.depot - radiations(avantDu),
    nouvelles: jusquAu.depot - avantDu.depot,
    radiees,
    enCoursFin: jusquAu.depot - radiations(jusquAu),
  };
}

/** The demandes en cours at the end of a day, from the counts before the next day. */
export function enCours(jusquA: Cumul): number {
  return jusquA.depot - radiations(jusquA);
}

/** The cells `part` is given for, flat: the counts and every motif. */
export const CELLULES_PART = ['enCoursDebut', 'nouvelles', 'radiees', ...MOTIFS_FLUX, 'enCoursFin'] as const;
export type CellulePart = (typeof CELLULES_PART)[number];

/** A flux's cells flat, for `part`, CSV and secrecy. */
export function cellules(flux: Flux): Record<CellulePart, number> {
  return {
    enCoursDebut: flux.enCoursDebut,
    nouvelles: flux.nouvelles,
    radiees: flux.radiees.total,
    abandon: flux.radiees.abandon,
    attribution: flux.radiees.attribution,
    irrecevabilite: flux.radiees.irrecevabilite,
    'non-renouvellement': flux.radiees['non-renouvellement'],
    'non-reponse': flux.radiees['non-reponse'],
    enCoursFin: flux.enCoursFin,
  };
}

/** Percent of a whole, two decimals; 0 when the whole is 0. */
export function pourcent(part: number, tout: number): number {
  return tout === 0 ? 0 : Math.round((part / tout) * 10_000) / 100;
}

/** Each cell of a line as a percent of the same cell of the total. */
export function partDe(ligne: Flux, total: Flux): Record<CellulePart, number> {
  const l = cellules(ligne);
  const t = cellules(total);
  return Object.fromEntries(CELLULES_PART.map((c) => [c, pourcent(l[c], t[c])])) as Record<
    CellulePart,
    number
  >;
}
