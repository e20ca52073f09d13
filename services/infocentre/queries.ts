import type { Contingent, Typologie } from '../core/commands.ts';
import type { Cumul } from './flux.ts';
import type { Perimetre } from './territoire.ts';

/** Counts of dated facts before a day, by typologie (current values) then by mouvement. */
export type CumulParTypologie = Record<Typologie, Cumul>;

/** Demandes en cours at a date, by their dépôt date. */
export interface DepotsEnCours {
  dateDepot: string;
  n: number;
}

/** Attributions of one month (by bail date) with one combination of contingent and status at the bail date. */
export interface AttributionsGroupe {
  mois: string;
  contingent: Contingent;
  dalo: boolean;
  prioritaire: boolean;
  n: number;
}

/** One attribution's délai: for medians and the délai anormalement long of its département. */
export interface DelaiAttribution {
  departement: string;
  typologie: Typologie;
  dateDepot: string;
  dateSignatureBail: string;
}

/** The raw material of the quality indicators of one guichet over a period. */
export interface QualiteGuichetBrute {
  clientId: string;
  nom: string;
  codeGuichet: string;
  role: string;
  demandesEnregistrees: number;
  /** Of those, how many were received more than one month after their dépôt, and the mean délai in days. */
  enregistrementsTardifs: number;
  delaiMoyenEnregistrementJours: number | null;
  avecContact: number;
  avecRessources: number;
  messagesRecus: number;
  messagesRejetes: number;
  messagesEchoues: number;
  doublonsRefuses: number;
  modifications: number;
  renouvellements: number;
  radiations: Record<string, number>;
  radiationsTardives: number;
  attributions: number;
  attributionsTardives: number;
  delaiMoyenAttributionJours: number | null;
}

export interface ChiffresClesBruts {
  logementsSociaux: number;
  attributions: number;
}

export interface AnnuaireFiltre {
  departement?: string;
  commune?: string;
}

export interface GuichetAnnuaire {
  nom: string;
  codeGuichet: string;
  role: string;
  adresse: string | null;
  departements: string[];
  communes: string[];
}

/**
 * What the infocentre reads from the registry. Every figure comes from business dates and the
 * demandes' current values, never from arrival times (except the quality indicators, which are
 * about arrival).
 */
export interface InfocentreQueries {
  /** `work`'s queries on one snapshot of the registry (a reply made of several queries agrees with itself). */
  snapshot<T>(work: (queries: InfocentreQueries) => Promise<T>): Promise<T>;
  /** For each borne (a day), the facts dated strictly before it in the perimetre. */
  cumuls(perimetre: Perimetre, bornes: string[]): Promise<Map<string, CumulParTypologie>>;
  /** The demandes en cours at the end of `date` (dépôt ≤ date, not radiée on or before it), by dépôt date. */
  depotsEnCours(perimetre: Perimetre, date: string): Promise<DepotsEnCours[]>;
  /** Attributions with a bail signed in `[du, au]`, demandes of the perimetre, by month. */
  attributionsParMois(perimetre: Perimetre, du: string, au: string): Promise<AttributionsGroupe[]>;
  /** Each attribution with a bail signed in `[du, au]`, demandes of the perimetre. */
  delaisAttribution(perimetre: Perimetre, du: string, au: string): Promise<DelaiAttribution[]>;
  /** Every guichet and bailleur acting on the département, with its indicators over `[du, au]`. */
  qualiteGuichets(departement: string, du: string, au: string): Promise<QualiteGuichetBrute[]>;
  /** Logements of the parc in the commune now, and attributions of logements there in the year. */
  chiffresCles(insee: string, annee: number): Promise<ChiffresClesBruts>;
  /**
   * The guichets enregistreurs (guichets, bailleurs, portail) not revoked, by nom then codeGuichet:
   * at most `rows` of them after the one whose codeGuichet is `after`.
   */
  annuaire(filtre: AnnuaireFiltre, rows: number, after?: string): Promise<GuichetAnnuaire[]>;
}
