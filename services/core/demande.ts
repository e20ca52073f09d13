import type {
  CategoriePrioritaire,
  Contingent,
  DecisionDalo,
  Demandeur,
  IsoDate,
  Menage,
  MotifDemande,
  MotifRadiation,
  SousMotifIrrecevabilite,
  Typologie,
} from './commands.ts';

export interface Radiation {
  motif: MotifRadiation;
  sousMotif?: SousMotifIrrecevabilite;
  dateRadiation: IsoDate;
  /** For an attribution: the logement and the terms of the bail. */
  logement?: string;
  contingent?: Contingent;
  accordCollectif?: boolean;
}

/** A demande de logement social as the core holds it. */
export interface Demande {
  numeroUnique: string;
  departement: string;
  dateDepot: IsoDate;
  codeGuichet: string;
  /** SIREN of the organisme that registered it (its `referenceGuichet` is unique within it). */
  organisme: string;
  referenceGuichet?: string;
  /** Normalised identity hash (null once the personal data are purged). */
  identiteHash: string | null;
  demandeur: Demandeur;
  menage: Menage;
  ressourcesMensuelles: number;
  typologie: Typologie;
  communesSouhaitees: string[];
  motif: MotifDemande;
  statut: 'active' | 'radiee';
  dateRenouvellement?: IsoDate;
  dateEcheance: IsoDate;
  radiation?: Radiation;
  dalo?: { decision: DecisionDalo; dateDecision: IsoDate; departementCommission: string };
  prioritaire?: { categorie: CategoriePrioritaire; dateLabellisation: IsoDate };
}

export interface Logement {
  identifiantRpls: string;
  sirenBailleur: string;
  codeCommune: string;
  departement: string;
  statut: string;
}

export interface Attribution {
  numeroUnique: string;
  logement: string;
  dateSignatureBail: IsoDate;
  contingent: Contingent;
  accordCollectif: boolean;
  dalo: boolean;
  prioritaire: boolean;
}

/** An attribution's DALO and prioritaire status on the day of its bail. */
export type AttributionStatut = Pick<Attribution, 'numeroUnique' | 'dalo' | 'prioritaire'>;

export type HistoryKind =
  | 'enregistrement'
  | 'modification'
  | 'renouvellement'
  | 'reactivation'
  | 'radiation'
  | 'attribution'
  | 'preavis'
  | 'dalo-decision'
  | 'labellisation'
  | 'designation';

/** One line of a demande's history: what happened, at which business date, on whose message. */
export interface HistoryEntry {
  numeroUnique: string;
  kind: HistoryKind;
  dateEffet: IsoDate;
  clientId: string | null;
  messageId: string | null;
  details: Record<string, unknown>;
}

export const EVENT_NAMES = [
  'demande.enregistree',
  'demande.modifiee',
  'demande.renouvelee',
  'demande.radiee',
  'demande.reactivee',
  'demande.dalo-decision',
  'demande.labellisee',
  'designation.creee',
  'renouvellement.preavis',
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** A change of the registry, published as a CloudEvent `fr.sne.<name>.v1`. Never personal data. */
export interface DomainEvent {
  name: EventName;
  subject: string;
  departement: string;
  data: Record<string, unknown>;
  audience: EventAudience;
}

/**
 * What decides who sees an event beyond the guichets of its département (interfaces.md §9):
 * the demande's DALO and prioritaire status when the event happened, and for a désignation the
 * bailleur owning the logement.
 */
export interface EventAudience {
  daloDecision?: string;
  prioritaire: boolean;
  /** SIREN of the bailleur a désignation is for. */
  bailleur?: string;
}

/** A désignation by the contingent: a demande proposed for a logement of a bailleur. */
export interface Designation {
  numeroUnique: string;
  logement: string;
  sirenBailleur: string;
  dateDesignation: IsoDate;
}

/** What the events say of a demande: its state without personal data. */
export function demandeSummary(d: Demande): Record<string, unknown> {
  return {
    numeroUnique: d.numeroUnique,
    departement: d.departement,
    dateDepot: d.dateDepot,
    codeGuichet: d.codeGuichet,
    statut: d.statut,
    typologie: d.typologie,
    communesSouhaitees: d.communesSouhaitees,
    nombrePersonnes: d.menage.nombrePersonnes,
    dateEcheance: d.dateEcheance,
    ...(d.dateRenouvellement ? { dateRenouvellement: d.dateRenouvellement } : {}),
  };
}
