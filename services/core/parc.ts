/**
 * The parc of social logements (RPLS), as the hub holds it: filled by the RPLS connector, read by
 * the attribution and désignation rules (a logement must be `en-parc`) and by operators and
 * owning bailleurs.
 */

export const TYPES_CONSTRUCTION = ['COLLECTIF', 'INDIVIDUEL'] as const;
export type TypeConstruction = (typeof TYPES_CONSTRUCTION)[number];

export const FINANCEMENTS = ['PLAI', 'PLUS', 'PLS', 'PLI', 'HLMO', 'AUTRE'] as const;
export type Financement = (typeof FINANCEMENTS)[number];

/** `en-parc`, or `sorti`: no longer in the bailleur's parc (its row and history are kept). */
export const STATUTS_LOGEMENT = ['en-parc', 'sorti'] as const;
export type StatutLogement = (typeof STATUTS_LOGEMENT)[number];

/** A logement as an RPLS import describes it: the canonical record every connector maps to. */
export interface LogementRecord {
  /** RPLS identifier: 10 characters `[0-9A-Z]`. */
  identifiantRpls: string;
  /** SIREN of the owning bailleur, 9 digits. */
  sirenBailleur: string;
  /** INSEE code of a current commune. */
  codeCommune: string;
  /** Département of the commune (derived, never sent). */
  departement: string;
  /** 0 (a chambre) to 20. */
  nbPieces: number;
  /** Square metres, two decimals at most. */
  surfaceHabitable: number;
  typeConstruction: TypeConstruction;
  anneeAchevement: number;
  financement: Financement;
  conventionne: boolean;
  /** In a quartier prioritaire de la politique de la ville. */
  qpv: boolean;
}

/** A logement of the parc as operators and its bailleur read it. */
export interface ParcLogement extends Partial<Omit<LogementRecord, 'identifiantRpls' | 'sirenBailleur'>> {
  identifiantRpls: string;
  sirenBailleur: string;
  codeCommune: string;
  departement: string;
  statut: StatutLogement;
  /** When a snapshot import found it gone (statut `sorti`). */
  sortiLe?: string;
  /** The import that last changed it (absent for logements loaded otherwise). */
  importId?: string;
  updatedAt: string;
}

/** Reads of the parc. */
export interface ParcReader {
  /** The logement, whatever its statut; undefined when the identifier was never imported. */
  find(identifiantRpls: string): Promise<ParcLogement | undefined>;
}
