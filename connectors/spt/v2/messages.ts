import type {
  Contingent,
  MotifDemande,
  MotifRadiation,
  Nationalite,
  SousMotifIrrecevabilite,
  Typologie,
} from '../../../services/core/commands.ts';

/**
 * The SPT v2 messages in their contract JSON form, once valid against
 * `contracts/spt/v2/<type>.schema.json`: the XML element as a plain object, values kept as the
 * strings the XML carries (the mapper parses numbers and booleans).
 */

export const V2_MESSAGE_TYPES = [
  'enregistrement',
  'modification',
  'renouvellement',
  'radiation',
  'attribution',
] as const;
export type V2MessageType = (typeof V2_MESSAGE_TYPES)[number];

/** `<demande numeroUnique="..."/>` or `<demande referenceGuichet="..."/>`. */
export type V2Demande = { numeroUnique: string } | { referenceGuichet: string };

export interface V2Demandeur {
  nom: string;
  prenom: string;
  dateNaissance: string;
  nationalite: Nationalite;
  adresse?: string;
  email?: string;
  telephone?: string;
}

export interface V2Personne {
  lien: string;
  nom: string;
  prenom: string;
  dateNaissance: string;
}

export interface V2Menage {
  /** "1" to "20". */
  nombrePersonnes: string;
  personnes?: V2Personne[];
}

export interface V2Commune {
  /** "1" to "10". */
  rang: string;
  /** INSEE code. */
  code: string;
}

export interface V2Enregistrement {
  id: string;
  referenceGuichet?: string;
  departement: string;
  dateDepot: string;
  demandeur: V2Demandeur;
  menage: V2Menage;
  /** Decimal with a point. */
  ressourcesMensuelles: string;
  typologie: Typologie;
  communesSouhaitees: V2Commune[];
  motif: MotifDemande;
}

export interface V2Modification {
  id: string;
  demande: V2Demande;
  demandeur?: Partial<Pick<V2Demandeur, 'nationalite' | 'adresse' | 'email' | 'telephone'>>;
  menage?: V2Menage;
  ressourcesMensuelles?: string;
  typologie?: Typologie;
  communesSouhaitees?: V2Commune[];
  motif?: MotifDemande;
}

export interface V2Renouvellement {
  id: string;
  demande: V2Demande;
  dateRenouvellement: string;
}

export interface V2Radiation {
  id: string;
  demande: V2Demande;
  motif: MotifRadiation;
  sousMotif?: SousMotifIrrecevabilite;
  dateRadiation: string;
}

export interface V2Attribution {
  id: string;
  demande: V2Demande;
  logement: string;
  dateSignatureBail: string;
  contingent: Contingent;
  /** XML Schema booleans; absent means false. */
  accordCollectif?: 'true' | 'false' | '1' | '0';
}

interface V2Bodies {
  enregistrement: V2Enregistrement;
  modification: V2Modification;
  renouvellement: V2Renouvellement;
  radiation: V2Radiation;
  attribution: V2Attribution;
}

/** A valid v2 message: its type (the element's name) and its contract JSON form. */
export type V2Message = { [T in V2MessageType]: { type: T; body: V2Bodies[T] } }[V2MessageType];
