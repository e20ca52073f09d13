import type { Demandeur } from './commands.ts';
import type { Demande } from './demande.ts';

/**
 * What the priority pathways read of the registry: the DALO commission checks that a requérant holds
 * a demande, the contingent préfectoral lists the demandes it may propose for a logement. Connectors
 * read through this interface and know nothing of SQL.
 */
export interface PriorityQueries {
  /** The demande with this numéro, whatever its statut; undefined when there is none. */
  demande(numeroUnique: string): Promise<Demande | undefined>;
  /**
   * The demandes, active or radiée, of one person in these départements, keyset-paginated by numéro.
   * The identity is matched normalised (case, accents and extra spaces ignored), as the doublon rule
   * matches it.
   */
  demandesOf(
    identite: Pick<Demandeur, 'nom' | 'prenom' | 'dateNaissance'>,
    departements: readonly string[],
    page: NumeroPage,
  ): Promise<Demande[]>;
  /** Active demandes of the priority list of these départements, keyset-paginated by numéro. */
  prioritaires(filter: PrioritaireFilter): Promise<Demande[]>;
}

/**
 * Which demandes count as priority: labellisées by the contingent (`prioritaire`), DALO
 * `prioritaire-urgent` (`dalo`), or either (`tous`).
 */
export type PrioriteFiltre = 'prioritaire' | 'dalo' | 'tous';

/** A page of demandes by numéro. */
export interface NumeroPage {
  /** The last numéro of the previous page; '' for the first page. */
  after: string;
  /** Demandes at most. */
  limit: number;
}

export interface PrioritaireFilter extends NumeroPage {
  departements: readonly string[];
  filtre: PrioriteFiltre;
}
