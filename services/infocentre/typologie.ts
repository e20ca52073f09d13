import { TYPOLOGIES, type Typologie } from '../core/commands.ts';
import { enCours, pourcent } from './flux.ts';
import type { CumulParTypologie } from './queries.ts';
import { type Compte, masquer } from './secret.ts';

/** One typologie's demandes en cours: count and percent of all. */
export interface CelluleTypologie {
  nombre: Compte;
  pourcent: number | null;
  secret?: true;
}

export interface TypologieReponse {
  date: string;
  territoires: string[];
  total: Compte;
  secret?: true;
  typologie: Record<Typologie, CelluleTypologie>;
}

/** The demandes en cours at the end of `date` by typologie (current values), from the counts before the next day. */
export function typologieDe(
  date: string,
  territoires: string[],
  jusquA: CumulParTypologie,
): TypologieReponse {
  const nombres = TYPOLOGIES.map((t) => enCours(jusquA[t]));
  const total = nombres.reduce((a, b) => a + b, 0);
  const typologie = Object.fromEntries(
    TYPOLOGIES.map((t, i) => [
      t,
      { nombre: nombres[i] as number, pourcent: pourcent(nombres[i] as number, total) },
    ]),
  ) as Record<Typologie, CelluleTypologie>;
  return { date, territoires, total, typologie };
}

/** Secrecy: each typologie cell, and the total. */
export function masquerTypologie(reponse: TypologieReponse): TypologieReponse {
  const copie = structuredClone(reponse);
  masquer(copie, ['total']);
  for (const t of TYPOLOGIES) masquer(copie.typologie[t], ['nombre'], { nombre: ['pourcent'] });
  return copie;
}
