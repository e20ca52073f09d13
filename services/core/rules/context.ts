import type { Actor } from '../actor.ts';
import type { DecisionDalo, IsoDate } from '../commands.ts';
import type {
  Attribution,
  AttributionStatut,
  Demande,
  Designation,
  DomainEvent,
  HistoryEntry,
  Logement,
} from '../demande.ts';
import type { NumeroSequenceKey } from '../numero-unique.ts';

/**
 * The DALO decisions and labellisations a demande received, in the order they were applied.
 * The demande itself keeps only the latest by date; an attribution needs the status as it stood
 * on the day of the bail, which a later decision must not rewrite.
 */
export interface PrioritesRecues {
  dalo: { decision: DecisionDalo; dateDecision: IsoDate }[];
  labellisations: { dateLabellisation: IsoDate }[];
}

/** What the rules may read of the registry. */
export interface RegistryView {
  byNumero(numeroUnique: string): Demande | undefined;
  byReference(organisme: string, referenceGuichet: string): Demande | undefined;
  /** The active demande of this person in this département, if any. */
  activeOf(departement: string, identiteHash: string): Demande | undefined;
  logement(identifiantRpls: string): Logement | undefined;
  /** The next sequence number of a (territory, month, year) counter. */
  allocateNumero(key: NumeroSequenceKey): number;
  /** Every DALO decision and labellisation of the demande (loaded for the batches that attribute). */
  prioritesRecues(numeroUnique: string): PrioritesRecues;
}

export interface RuleContext {
  actor: Actor;
  /** Today's date: no business date may lie after it. */
  today: IsoDate;
}

/** What one command did: the demande's new state, its history lines and its events. */
export interface Change {
  demande: Demande;
  history: Omit<HistoryEntry, 'clientId' | 'messageId'>[];
  events: DomainEvent[];
  attribution?: Attribution;
  /** An earlier attribution's status on its bail day, computed again: a decision dated on or before it came later. */
  attributionStatut?: AttributionStatut;
  designation?: Designation;
}
