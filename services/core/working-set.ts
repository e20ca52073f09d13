import type { Demande, Logement } from './demande.ts';
import { type NumeroSequenceKey, sequenceKeyId } from './numero-unique.ts';
import type { Change, PrioritesRecues, RegistryView } from './rules/index.ts';

/** The part of the registry a batch of commands touches, as loaded (and locked) by the store. */
export interface LoadedState {
  demandes: Demande[];
  logements: Logement[];
  /** Last numbers drawn, by sequence key id (`TTTMMAA`); a counter absent here starts at 0. */
  sequences: Map<string, number>;
  /**
   * Numbers reserved for this batch by key id, ascending (`RegistryStore.reserveNumeros`): when set,
   * the numéros come from these lists instead of following the counters read.
   */
  numeros?: Map<string, number[]>;
  /** DALO decisions and labellisations by numéro, in the order recorded; loaded when the batch attributes. */
  priorites?: Map<string, PrioritesRecues>;
}

/**
 * The registry seen by a batch: the loaded state plus the effect of the commands applied so far,
 * so that a modification can follow the enregistrement before it in the same lot.
 */
export class WorkingSet implements RegistryView {
  private readonly demandes = new Map<string, Demande>();
  private readonly references = new Map<string, string>();
  private readonly actives = new Map<string, string>();
  private readonly logements: Map<string, Logement>;
  private readonly priorites: Map<string, PrioritesRecues>;
  private readonly sequences: Map<string, number>;
  private readonly reserved: Map<string, number[]> | undefined;
  /** How many numbers the batch took from each counter, by key id. */
  readonly numerosDrawn = new Map<string, number>();

  constructor(state: LoadedState) {
    for (const demande of state.demandes) this.index(demande);
    this.logements = new Map(state.logements.map((l) => [l.identifiantRpls, l]));
    this.sequences = state.sequences;
    this.reserved = state.numeros;
    this.priorites = new Map(
      [...(state.priorites ?? [])].map(([numero, p]) => [
        numero,
        { dalo: [...p.dalo], labellisations: [...p.labellisations] },
      ]),
    );
  }

  byNumero(numeroUnique: string): Demande | undefined {
    return this.demandes.get(numeroUnique);
  }

  byReference(organisme: string, referenceGuichet: string): Demande | undefined {
    const numero = this.references.get(`${organisme}|${referenceGuichet}`);
    return numero ? this.demandes.get(numero) : undefined;
  }

  activeOf(departement: string, identiteHash: string): Demande | undefined {
    const numero = this.actives.get(`${departement}|${identiteHash}`);
    return numero ? this.demandes.get(numero) : undefined;
  }

  logement(identifiantRpls: string): Logement | undefined {
    return this.logements.get(identifiantRpls);
  }

  prioritesRecues(numeroUnique: string): PrioritesRecues {
    return this.priorites.get(numeroUnique) ?? { dalo: [], labellisations: [] };
  }

  allocateNumero(key: NumeroSequenceKey): number {
    const id = sequenceKeyId(key);
    const drawn = (this.numerosDrawn.get(id) ?? 0) + 1;
    this.numerosDrawn.set(id, drawn);
    if (!this.reserved) return (this.sequences.get(id) ?? 0) + drawn;
    const numero = this.reserved.get(id)?.[drawn - 1];
    if (numero === undefined) throw new Error(`no numéro reserved for ${id} beyond ${drawn - 1}`);
    return numero;
  }

  /** Makes a change visible to the commands that follow. */
  record(change: Change): void {
    const previous = this.demandes.get(change.demande.numeroUnique);
    if (previous?.identiteHash && previous.statut === 'active') {
      this.actives.delete(`${previous.departement}|${previous.identiteHash}`);
    }
    this.index(change.demande);
    // A decision applied earlier in the same batch counts for an attribution that follows it.
    for (const line of change.history) {
      if (line.kind !== 'dalo-decision' && line.kind !== 'labellisation') continue;
      const recues = this.prioritesRecues(line.numeroUnique);
      if (line.kind === 'dalo-decision') recues.dalo.push(line.details as PrioritesRecues['dalo'][number]);
      else recues.labellisations.push(line.details as PrioritesRecues['labellisations'][number]);
      this.priorites.set(line.numeroUnique, recues);
    }
  }

  private index(demande: Demande): void {
    this.demandes.set(demande.numeroUnique, demande);
    if (demande.referenceGuichet) {
      this.references.set(`${demande.organisme}|${demande.referenceGuichet}`, demande.numeroUnique);
    }
    if (demande.identiteHash && demande.statut === 'active') {
      this.actives.set(`${demande.departement}|${demande.identiteHash}`, demande.numeroUnique);
    }
  }
}
