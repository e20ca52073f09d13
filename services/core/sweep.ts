import type { IsoDate } from './commands.ts';
import type { Demande } from './demande.ts';
import { preavis, preavisDue, radiationNonRenouvellement } from './rules/index.ts';
import { emptyWrites, type RegistryWrites } from './store.ts';

export interface SweepCandidate {
  demande: Demande;
  /** A préavis was already sent for the demande's current échéance. */
  preavisSent: boolean;
}

/** The store side of the renewal sweep: one instance per transaction, rows locked until it ends. */
export interface SweepStore {
  /** Active demandes with a numéro after `after`, in numéro order, whose préavis or radiation may be due as of `asOf`. */
  sweepCandidates(asOf: IsoDate, after: string, limit: number): Promise<SweepCandidate[]>;
  save(writes: RegistryWrites): Promise<void>;
}

export interface SweepResult {
  preavis: number;
  radiees: number;
}

/**
 * The renewal sweep as of a date: a préavis for each demande whose échéance is a month away or
 * less, a radiation for non-renouvellement at dateEcheance + 1 month. Idempotent: a demande
 * radiée is no longer active, a préavis is sent once per échéance. Works in chunks, one
 * transaction each, so that it never holds millions of rows at once.
 */
export async function sweepRenouvellement(
  inTransaction: <T>(work: (store: SweepStore) => Promise<T>) => Promise<T>,
  asOf: IsoDate,
  chunkSize = 1000,
): Promise<SweepResult> {
  const total: SweepResult = { preavis: 0, radiees: 0 };
  let after = '';
  for (;;) {
    const last = await inTransaction(async (store) => {
      const candidates = await store.sweepCandidates(asOf, after, chunkSize);
      const writes = emptyWrites();
      for (const { demande, preavisSent } of candidates) {
        const change =
          radiationNonRenouvellement(demande, asOf) ??
          (!preavisSent && preavisDue(demande, asOf) ? preavis(demande) : undefined);
        if (!change) continue;
        if (change.demande.statut === 'radiee') {
          total.radiees++;
          writes.demandes.push(change.demande);
        } else {
          total.preavis++;
          writes.preavis.push({ numeroUnique: demande.numeroUnique, dateEcheance: demande.dateEcheance });
        }
        for (const line of change.history) writes.history.push({ ...line, clientId: null, messageId: null });
        writes.events.push(...change.events.map((e) => ({ ...e, clientId: null })));
      }
      await store.save(writes);
      return candidates.at(-1)?.demande.numeroUnique;
    });
    if (last === undefined) return total;
    after = last;
  }
}
