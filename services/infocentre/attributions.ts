import { CONTINGENTS, type Contingent, TYPOLOGIES, type Typologie } from '../core/commands.ts';
import { addMonths } from '../core/dates.ts';
import { pourcent } from './flux.ts';
import { moisDe } from './periode.ts';
import type { AttributionsGroupe, DelaiAttribution } from './queries.ts';
import { type Compte, masquer } from './secret.ts';

/** The committee's yearly target (attributions a year in the région), the default expected rhythm. */
export const RYTHME_ANNUEL_DEFAUT = 42_000;

/** Attributions to one kind of household (DALO, prioritaire), in total and by contingent. */
export type ParContingent = { total: Compte; secret?: true } & Record<Contingent, Compte>;

export interface MoisAttributions {
  /** `YYYY-MM`. */
  mois: string;
  attributions: Compte;
  cumul: Compte;
  /** Cumulative attributions expected at the end of this month at the yearly rhythm (rythme × months / 12). */
  attenduCumul: number;
  dalo: ParContingent;
  prioritaires: ParContingent;
  secret?: true;
}

export interface AttributionsMensuelReponse {
  du: string;
  au: string;
  territoires: string[];
  rythmeAnnuel: number;
  mois: MoisAttributions[];
  total: { attributions: Compte; dalo: ParContingent; prioritaires: ParContingent; secret?: true };
}

function parContingentVide(): ParContingent {
  return { total: 0, ...Object.fromEntries(CONTINGENTS.map((c) => [c, 0])) } as ParContingent;
}

function ajouter(cible: ParContingent, contingent: Contingent, n: number): void {
  cible.total = (cible.total ?? 0) + n;
  cible[contingent] = (cible[contingent] ?? 0) + n;
}

/**
 * Per month of the period: attributions (radiations for attribution, by bail date), their running
 * total, the expected running total, and among them those to households DALO prioritaire-urgent or
 * labellisées prioritaires on the bail date (as the attribution stored it), by contingent.
 */
export function attributionsMensuelDe(
  du: string,
  au: string,
  territoires: string[],
  rythmeAnnuel: number,
  groupes: AttributionsGroupe[],
): AttributionsMensuelReponse {
  const total = { attributions: 0, dalo: parContingentVide(), prioritaires: parContingentVide() };
  let cumul = 0;
  const mois = moisDe(du, au).map((m, i) => {
    const ligne = {
      mois: m,
      attributions: 0,
      cumul: 0,
      attenduCumul: Math.round((rythmeAnnuel * (i + 1)) / 12),
      dalo: parContingentVide(),
      prioritaires: parContingentVide(),
    };
    for (const g of groupes.filter((g) => g.mois === m)) {
      ligne.attributions += g.n;
      if (g.dalo) ajouter(ligne.dalo, g.contingent, g.n);
      if (g.prioritaire) ajouter(ligne.prioritaires, g.contingent, g.n);
      if (g.dalo) ajouter(total.dalo, g.contingent, g.n);
      if (g.prioritaire) ajouter(total.prioritaires, g.contingent, g.n);
    }
    cumul += ligne.attributions;
    ligne.cumul = cumul;
    total.attributions += ligne.attributions;
    return ligne;
  });
  return { du, au, territoires, rythmeAnnuel, mois, total };
}

export function masquerAttributionsMensuel(reponse: AttributionsMensuelReponse): AttributionsMensuelReponse {
  const copie = structuredClone(reponse);
  const champs = ['total', ...CONTINGENTS];
  for (const m of copie.mois) {
    masquer(m, ['attributions', 'cumul']);
    masquer(m.dalo, champs);
    masquer(m.prioritaires, champs);
  }
  masquer(copie.total, ['attributions']);
  masquer(copie.total.dalo, champs);
  masquer(copie.total.prioritaires, champs);
  return copie;
}

/** Délais from dépôt to bail, in months of 30.4375 days (a year / 12), two decimals. */
export interface DelaiStats {
  attributions: Compte;
  medianeMois: number | null;
  moyenneMois: number | null;
  /** Attributions to demandes older than their département's délai anormalement long. */
  delaiAnormal: Compte;
  delaiAnormalPourcent: number | null;
  secret?: true;
}

export interface AttributionsDelaisReponse {
  du: string;
  au: string;
  territoires: string[];
  total: DelaiStats;
  typologie: Record<Typologie, DelaiStats>;
}

const JOURS_PAR_MOIS = 365.25 / 12;

function jours(from: string, to: string): number {
  return (Date.parse(to) - Date.parse(from)) / 86_400_000;
}

function statsDe(lignes: DelaiAttribution[], seuilMois: (departement: string) => number): DelaiStats {
  if (lignes.length === 0) {
    return {
      attributions: 0,
      medianeMois: null,
      moyenneMois: null,
      delaiAnormal: 0,
      delaiAnormalPourcent: 0,
    };
  }
  const mois = lignes
    .map((l) => jours(l.dateDepot, l.dateSignatureBail) / JOURS_PAR_MOIS)
    .sort((a, b) => a - b);
  const mid = Math.floor(mois.length / 2);
  const mediane =
    mois.length % 2 === 1 ? (mois[mid] as number) : ((mois[mid - 1] as number) + (mois[mid] as number)) / 2;
  const moyenne = mois.reduce((a, b) => a + b, 0) / mois.length;
  // "Older than" the threshold: the bail signed after the dépôt's anniversary of that many months.
  const anormaux = lignes.filter(
    (l) => l.dateSignatureBail > addMonths(l.dateDepot, seuilMois(l.departement)),
  ).length;
  const round2 = (x: number) => Math.round(x * 100) / 100;
  return {
    attributions: lignes.length,
    medianeMois: round2(mediane),
    moyenneMois: round2(moyenne),
    delaiAnormal: anormaux,
    delaiAnormalPourcent: pourcent(anormaux, lignes.length),
  };
}

/** Median and mean délai dépôt → bail, by typologie and in total, and the share past the délai anormalement long. */
export function attributionsDelaisDe(
  du: string,
  au: string,
  territoires: string[],
  lignes: DelaiAttribution[],
  seuilMois: (departement: string) => number,
): AttributionsDelaisReponse {
  const typologie = Object.fromEntries(
    TYPOLOGIES.map((t) => [
      t,
      statsDe(
        lignes.filter((l) => l.typologie === t),
        seuilMois,
      ),
    ]),
  ) as Record<Typologie, DelaiStats>;
  return { du, au, territoires, total: statsDe(lignes, seuilMois), typologie };
}

export function masquerAttributionsDelais(reponse: AttributionsDelaisReponse): AttributionsDelaisReponse {
  const copie = structuredClone(reponse);
  const derives = {
    attributions: ['medianeMois', 'moyenneMois', 'delaiAnormalPourcent'],
    delaiAnormal: ['delaiAnormalPourcent'],
  };
  masquer(copie.total, ['attributions', 'delaiAnormal'], derives);
  for (const t of TYPOLOGIES) masquer(copie.typologie[t], ['attributions', 'delaiAnormal'], derives);
  return copie;
}
