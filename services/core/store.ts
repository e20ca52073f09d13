import type { IsoDate } from './commands.ts';
import type {
  Attribution,
  AttributionStatut,
  Demande,
  Designation,
  DomainEvent,
  HistoryEntry,
} from './demande.ts';
import type { NumeroSequenceKey } from './numero-unique.ts';
import type { LoadedState } from './working-set.ts';

/** What a batch of commands needs to read: the store loads it and locks it until the batch ends. */
export interface RegistryNeeds {
  numeros: string[];
  references: { organisme: string; referenceGuichet: string }[];
  /** Identities whose active demande the doublon rule must see. */
  identites: { departement: string; identiteHash: string }[];
  logements: string[];
  sequences: NumeroSequenceKey[];
  /** The batch attributes or records DALO decisions: load the DALO decisions and labellisations of its demandes too. */
  prioritesRecues?: boolean;
}

/** What a batch wrote: saved in the same transaction as the messages' outcomes. */
export interface RegistryWrites {
  /** The new state of every demande changed, in the order of the changes. */
  demandes: Demande[];
  history: HistoryEntry[];
  /** Each with the client whose message caused it (null for the hub's own sweep). */
  events: (DomainEvent & { clientId: string | null })[];
  attributions: (Attribution & { clientId: string; messageId: string | null })[];
  /** Attributions whose DALO and prioritaire status changed (nothing else of them does). */
  attributionStatuts: AttributionStatut[];
  designations: (Designation & { clientId: string; messageId: string | null })[];
  preavis: { numeroUnique: string; dateEcheance: IsoDate }[];
}

export function emptyWrites(): RegistryWrites {
  return {
    demandes: [],
    history: [],
    events: [],
    attributions: [],
    attributionStatuts: [],
    designations: [],
    preavis: [],
  };
}

/**
 * The registry's persistence, behind which the core stays free of SQL. One instance works inside
 * one transaction: what `load` reads stays locked until it ends.
 */
export interface RegistryStore {
  /** Loads and locks the demandes; reads the numéro counters without locking them. */
  load(needs: RegistryNeeds): Promise<LoadedState>;
  /**
   * Reserves unused numbers of numéro counters for this transaction: `counts` by `TTTMMAA` id, the
   * numbers by id in ascending order. No other transaction gets them; if this one rolls back they
   * are free again, for whichever registers next in the same territory and month.
   */
  reserveNumeros(counts: Map<string, number>): Promise<Map<string, number[]>>;
  save(writes: RegistryWrites): Promise<void>;
}
