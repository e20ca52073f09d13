/**
 * The SPT v1 messages in their contract JSON form, once valid against
 * `contracts/spt/v1/<type>.schema.json`: the flat XML element as a plain object whose properties
 * are the element names (`NbPieces`), values kept as the strings the XML carries (numeric codes,
 * `DD/MM/YYYY` dates, decimal commas; the mapper converts them).
 */

/**
 * The v1 message elements, each with the canonical command it carries. That command type is also
 * the message's stored `type` and its schema's file name, as in v2: operators find a radiation as
 * `radiation` whichever version brought it; the element's own name stays visible in `raw`.
 */
export const V1_ELEMENTS = {
  Creation: 'enregistrement',
  Modification: 'modification',
  Renouvellement: 'renouvellement',
  Radiation: 'radiation',
  Attribution: 'attribution',
} as const;
export type V1Element = keyof typeof V1_ELEMENTS;
export type V1MessageType = (typeof V1_ELEMENTS)[V1Element];
export const V1_MESSAGE_TYPES: readonly V1MessageType[] = Object.values(V1_ELEMENTS);

/** How a message names its demande: `<NumUnique>` or `<RefInterne>`, exactly one. */
export type V1Demande = { NumUnique: string } | { RefInterne: string };

/** `Commune1` to `Commune5`, ranked, numbered without gaps. */
export interface V1Communes {
  Commune1?: string;
  Commune2?: string;
  Commune3?: string;
  Commune4?: string;
  Commune5?: string;
}

export interface V1Creation extends V1Communes {
  idMessage: string;
  RefInterne?: string;
  Dept: string;
  DateDepot: string;
  Nom: string;
  Prenom: string;
  DateNaissance: string;
  /** Code: "1" to "3". */
  Nationalite: string;
  NbPersonnes: string;
  /** Decimal with a comma. */
  Ressources: string;
  /** "0" (chambre) to "99". */
  NbPieces: string;
  Commune1: string;
  /** Code: "01" to "10", "99". */
  Motif: string;
}

export type V1Modification = V1Demande &
  V1Communes & {
    idMessage: string;
    Nationalite?: string;
    NbPersonnes?: string;
    Ressources?: string;
    NbPieces?: string;
    Motif?: string;
  };

export type V1Renouvellement = V1Demande & { idMessage: string; DateRenouvellement: string };

export type V1Radiation = V1Demande & {
  idMessage: string;
  /** ABANDON, IRRECEVABILITE or NON_REPONSE. */
  Motif: string;
  /** Code: "1" or "2". */
  SousMotif?: string;
  DateRadiation: string;
};

export type V1Attribution = V1Demande & { idMessage: string; IdRpls: string; DateBail: string };

interface V1Bodies {
  enregistrement: V1Creation;
  modification: V1Modification;
  renouvellement: V1Renouvellement;
  radiation: V1Radiation;
  attribution: V1Attribution;
}

/** A valid v1 message: the canonical type it carries and its contract JSON form. */
export type V1Message = { [T in V1MessageType]: { type: T; body: V1Bodies[T] } }[V1MessageType];
