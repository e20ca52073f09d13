import type { IsoDate, MotifRadiation, SousMotifIrrecevabilite, Typologie } from './commands.ts';
import type { Demande } from './demande.ts';

/**
 * A demande as its demandeur follows it on the portail: its state and dates, what it asks for, the
 * préavis sent and its radiation. Nothing about persons (not even the demandeur's own name: the
 * numéro unique is no secret), nor the bailleur's side of an attribution (logement, contingent).
 */
export interface SuiviDemande {
  numeroUnique: string;
  statut: Demande['statut'];
  departement: string;
  dateDepot: IsoDate;
  dateEcheance: IsoDate;
  dateRenouvellement?: IsoDate;
  typologie: Typologie;
  communesSouhaitees: string[];
  /** The préavis of renouvellement sent, one per échéance, oldest first. */
  preavis: { dateEcheance: IsoDate; envoyeLe: string }[];
  radiation?: { motif: MotifRadiation; sousMotif?: SousMotifIrrecevabilite; dateRadiation: IsoDate };
}

/** Reads the registry for the portail. */
export interface SuiviReader {
  /** The demande's suivi with its département (for the caller's scope check), or `undefined`. */
  find(numeroUnique: string): Promise<SuiviDemande | undefined>;
}
