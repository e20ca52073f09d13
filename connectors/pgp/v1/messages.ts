import type {
  IsoDate,
  Menage,
  MotifDemande,
  Nationalite,
  Typologie,
} from '../../../services/core/commands.ts';

/**
 * The PGP v1 messages in their contract JSON form, once valid against
 * `contracts/pgp/v1/<type>.schema.json`. For the messages about an existing demande, `numeroUnique`
 * is the one of the request's path.
 */

export const PGP_V1_MESSAGE_TYPES = ['demande', 'modification', 'renouvellement', 'abandon'] as const;
export type PgpV1MessageType = (typeof PGP_V1_MESSAGE_TYPES)[number];

export interface PgpDemandeur {
  nom: string;
  prenom: string;
  dateNaissance: IsoDate;
  nationalite: Nationalite;
  adresse?: string;
  email?: string;
  telephone?: string;
}

export interface PgpDemande {
  id: string;
  departement: string;
  dateDepot: IsoDate;
  demandeur: PgpDemandeur;
  menage: Menage;
  ressourcesMensuelles: number;
  typologie: Typologie;
  communesSouhaitees: string[];
  motif: MotifDemande;
}

export interface PgpModification {
  id: string;
  numeroUnique: string;
  demandeur?: Partial<Pick<PgpDemandeur, 'nationalite' | 'adresse' | 'email' | 'telephone'>>;
  menage?: Menage;
  ressourcesMensuelles?: number;
  typologie?: Typologie;
  communesSouhaitees?: string[];
  motif?: MotifDemande;
}

export interface PgpRenouvellement {
  id: string;
  numeroUnique: string;
  dateRenouvellement: IsoDate;
}

export interface PgpAbandon {
  id: string;
  numeroUnique: string;
  dateRadiation: IsoDate;
}
