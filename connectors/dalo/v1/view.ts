import type { IsoDate } from '../../../services/core/commands.ts';
import type { Demande } from '../../../services/core/demande.ts';

/**
 * A demande as the DALO commission reads it (interfaces.md §6): enough to check that a requérant
 * holds a demande and since when, and to recognise the person. No resources, contacts or ménage
 * members: the commission gets those from the recours itself.
 */
export interface DaloDemandeV1 {
  numeroUnique: string;
  statut: Demande['statut'];
  departement: string;
  dateDepot: IsoDate;
  /** Days from the dépôt to today (Europe/Paris). */
  ancienneteJours: number;
  typologie: Demande['typologie'];
  communesSouhaitees: string[];
  menage: { nombrePersonnes: number };
  /** Absent once the retention purge has erased the personal data (`donneesPurgees`). */
  demandeur?: { nom: string; prenom: string; dateNaissance: IsoDate };
  /** Set when the retention purge erased the demandeur (a year after the radiation). */
  donneesPurgees?: true;
  dalo?: Demande['dalo'];
  prioritaire?: Demande['prioritaire'];
  radiation?: Demande['radiation'];
}

/** Canonical demande → DALO v1 view. Pure: `today` is the date in Europe/Paris. */
export function toDaloDemande(demande: Demande, today: IsoDate): DaloDemandeV1 {
  const { nom, prenom, dateNaissance } = demande.demandeur;
  // The purge leaves empty strings where the names and the date of birth were (and no identity
  // hash): not an identity, and not a date the reply's schema allows.
  const purgee = demande.identiteHash === null;
  return {
    numeroUnique: demande.numeroUnique,
    statut: demande.statut,
    departement: demande.departement,
    dateDepot: demande.dateDepot,
    ancienneteJours: daysBetween(demande.dateDepot, today),
    typologie: demande.typologie,
    communesSouhaitees: demande.communesSouhaitees,
    menage: { nombrePersonnes: demande.menage.nombrePersonnes },
    ...(purgee ? { donneesPurgees: true as const } : { demandeur: { nom, prenom, dateNaissance } }),
    ...(demande.dalo ? { dalo: demande.dalo } : {}),
    ...(demande.prioritaire ? { prioritaire: demande.prioritaire } : {}),
    ...(demande.radiation ? { radiation: demande.radiation } : {}),
  };
}

/** Calendar days from `from` to `to` (`YYYY-MM-DD` each): no time of day, no daylight saving. */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
