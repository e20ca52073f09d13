import type { IsoDate } from '../../../services/core/commands.ts';
import type { Demande } from '../../../services/core/demande.ts';

/**
 * A demande of the contingent's priority list (interfaces.md §7). The contingent proposes households
 * for logements and must reach them, so it gets the demandeur's name and contact details (adresse,
 * email, téléphone when the demande has them); not the date of birth, nationalité, resources or the
 * ménage's members, which choosing and reaching a household does not need.
 */
export interface ContingentDemandeV1 {
  numeroUnique: string;
  departement: string;
  dateDepot: IsoDate;
  typologie: Demande['typologie'];
  communesSouhaitees: string[];
  nombrePersonnes: number;
  demandeur: { nom: string; prenom: string; adresse?: string; email?: string; telephone?: string };
  dalo?: Demande['dalo'];
  prioritaire?: Demande['prioritaire'];
}

/** Canonical demande → contingent v1 list item. Pure. */
export function toContingentDemande(demande: Demande): ContingentDemandeV1 {
  const { nom, prenom, adresse, email, telephone } = demande.demandeur;
  return {
    numeroUnique: demande.numeroUnique,
    departement: demande.departement,
    dateDepot: demande.dateDepot,
    typologie: demande.typologie,
    communesSouhaitees: demande.communesSouhaitees,
    nombrePersonnes: demande.menage.nombrePersonnes,
    demandeur: {
      nom,
      prenom,
      ...(adresse ? { adresse } : {}),
      ...(email ? { email } : {}),
      ...(telephone ? { telephone } : {}),
    },
    ...(demande.dalo ? { dalo: demande.dalo } : {}),
    ...(demande.prioritaire ? { prioritaire: demande.prioritaire } : {}),
  };
}
