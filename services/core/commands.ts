/**
 * The canonical model: what every connector maps its external messages to, and what the SNE core
 * applies. Dates are calendar dates written `YYYY-MM-DD` (they compare as strings).
 */

export const NATIONALITES = ['FR', 'UE', 'HORS_UE'] as const;
export type Nationalite = (typeof NATIONALITES)[number];

export const TYPOLOGIES = ['chambre', 'T1', 'T2', 'T3', 'T4', 'T5', 'T6+'] as const;
export type Typologie = (typeof TYPOLOGIES)[number];

export const MOTIFS_DEMANDE = [
  'sans-logement',
  'hebergement',
  'logement-insalubre',
  'logement-trop-petit',
  'logement-trop-cher',
  'violences',
  'handicap',
  'mutation',
  'rapprochement-travail',
  'divorce-separation',
  'autre',
] as const;
export type MotifDemande = (typeof MOTIFS_DEMANDE)[number];

export const MOTIFS_RADIATION = [
  'attribution',
  'abandon',
  'irrecevabilite',
  'non-reponse',
  'non-renouvellement',
] as const;
export type MotifRadiation = (typeof MOTIFS_RADIATION)[number];

export const SOUS_MOTIFS_IRRECEVABILITE = ['plafond-ressources', 'irregularite-sejour'] as const;
export type SousMotifIrrecevabilite = (typeof SOUS_MOTIFS_IRRECEVABILITE)[number];

export const CONTINGENTS = ['prefet', 'action-logement', 'collectivite', 'bailleur', 'autre'] as const;
export type Contingent = (typeof CONTINGENTS)[number];

/** A calendar date, `YYYY-MM-DD`. */
export type IsoDate = string;

/** How a message names a demande: by its numéro unique, or by the sender organisme's own reference. */
export type DemandeRef = { numeroUnique: string } | { referenceGuichet: string };

export interface Demandeur {
  nom: string;
  prenom: string;
  dateNaissance: IsoDate;
  nationalite: Nationalite;
  adresse?: string;
  email?: string;
  telephone?: string;
}

export interface Personne {
  nom: string;
  prenom: string;
  dateNaissance: IsoDate;
  lien: string;
}

export interface Menage {
  nombrePersonnes: number;
  personnes?: Personne[];
}

export interface EnregistrementCommand {
  type: 'enregistrement';
  referenceGuichet?: string;
  departement: string;
  dateDepot: IsoDate;
  demandeur: Demandeur;
  menage: Menage;
  /** Euros per month, ≥ 0. */
  ressourcesMensuelles: number;
  typologie: Typologie;
  /** 1 to 10 INSEE codes, rank 1 first. */
  communesSouhaitees: string[];
  motif: MotifDemande;
}

/** The demandeur's fields a modification may change (identity never changes). */
export type DemandeurChanges = Partial<Pick<Demandeur, 'nationalite' | 'adresse' | 'email' | 'telephone'>>;

export interface ModificationCommand {
  type: 'modification';
  demande: DemandeRef;
  changes: {
    demandeur?: DemandeurChanges;
    menage?: Menage;
    ressourcesMensuelles?: number;
    typologie?: Typologie;
    communesSouhaitees?: string[];
    motif?: MotifDemande;
  };
}

export interface RenouvellementCommand {
  type: 'renouvellement';
  demande: DemandeRef;
  dateRenouvellement: IsoDate;
}

export interface RadiationCommand {
  type: 'radiation';
  demande: DemandeRef;
  motif: MotifRadiation;
  sousMotif?: SousMotifIrrecevabilite;
  dateRadiation: IsoDate;
}

export interface AttributionCommand {
  type: 'attribution';
  demande: DemandeRef;
  /** RPLS identifier of the logement. */
  logement: string;
  dateSignatureBail: IsoDate;
  contingent: Contingent;
  accordCollectif: boolean;
}

export const DECISIONS_DALO = ['prioritaire-urgent', 'rejet', 'sans-objet'] as const;
export type DecisionDalo = (typeof DECISIONS_DALO)[number];

/** A decision of the commission de médiation DALO, attached to the demande. */
export interface DaloDecisionCommand {
  type: 'dalo-decision';
  demande: DemandeRef;
  decision: DecisionDalo;
  dateDecision: IsoDate;
  /** The département of the commission that decided. */
  departementCommission: string;
}

export const CATEGORIES_PRIORITAIRE = [
  'dalo',
  'sortie-hebergement',
  'violences',
  'handicap',
  'insalubrite',
  'autre',
] as const;
export type CategoriePrioritaire = (typeof CATEGORIES_PRIORITAIRE)[number];

/** The contingent préfectoral labels the demande `prioritaire` (public prioritaire). */
export interface LabellisationCommand {
  type: 'labellisation';
  demande: DemandeRef;
  categorie: CategoriePrioritaire;
  dateLabellisation: IsoDate;
}

/** The contingent préfectoral proposes the demande for a logement; the owning bailleur is told. */
export interface DesignationCommand {
  type: 'designation';
  demande: DemandeRef;
  /** RPLS identifier of the logement. */
  logement: string;
  dateDesignation: IsoDate;
}

export type Command =
  | EnregistrementCommand
  | ModificationCommand
  | RenouvellementCommand
  | RadiationCommand
  | AttributionCommand
  | DaloDecisionCommand
  | LabellisationCommand
  | DesignationCommand;
