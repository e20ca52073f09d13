import type { IsoDate } from './commands.ts';
import type { Demande } from './demande.ts';
import { preavis, preavisDue, radiationNonRenouvellement } from './rules.ts';
import { emptyWrites, type RegistryWrites } from './store.ts';
import { preavisBound, radiationBound } from './sweep-bounds.ts';

/** Where a keyset page of the sweep starts: after this échéance and numéro. */
export interface SweepCursor {
  dateEcheance: IsoDate;
  numeroUnique: string;
}

/** What a phase of the sweep selects. */
export type SweepPhase = 'radiation' | 'preavis';

/** The store side of the renewal sweep: one instance per transaction, rows locked until it ends. */
export interface SweepStore {
  /**
   * A page of at most `limit` active demandes with `dateEcheance <= bound`, after the cursor in
   * (dateEcheance, numéro) order, locked; `next` is where the following page starts (undefined:
   * none). For the `preavis` phase, only those whose préavis for their current échéance has not
   * gone out yet: the others are never read again.
   */
  sweepCandidates(
    phase: SweepPhase,
    bound: IsoDate,
    after: SweepCursor | undefined,
    limit: number,
  ): Promise<{ demandes: Demande[]; next: SweepCursor | undefined }>;
  save(writes: RegistryWrites): Promise<void>;
}

export interface SweepResult {
  preavis: number;
  radiees: number;
}

/**
 * The renewal sweep as of a date (domain.md): a radiation for non-renouvellement at
 * dateEcheance + 1 month for every active demande past it, then a préavis for each active demande
 * whose échéance is a month away or less and whose préavis for that échéance did not go out yet.
 * Radiations first, so that a demande radiated today gets no préavis.
 *
 * Idempotent: a radiée demande is no longer active, a préavis is recorded with its échéance.
 * Works in keyset pages of `chunkSize`, one transaction each, so that it never holds millions of
 * rows at once; each page reads an index in order (see migration 007) and stops at the bound.
 */
export async function sweepRenouvellement(
  inTransaction: <T>(work: (store: SweepStore) => Promise<T>) => Promise<T>,
  asOf: IsoDate,
  chunkSize = 1000,
): Promise<SweepResult> {
  const total: SweepResult = { preavis: 0, radiees: 0 };
  const phases: [SweepPhase, IsoDate][] = [
    ['radiation', radiationBound(asOf)],
    ['preavis', preavisBound(asOf)],
  ];
  for (const [phase, bound] of phases) {
    let after: SweepCursor | undefined;
    for (;;) {
      const last = await inTransaction(async (store) => {
        const { demandes, next } = await store.sweepCandidates(phase, bound, after, chunkSize);
        const writes = emptyWrites();
        for (const demande of demandes) {
          // The rules decide; the bound only narrows what is read.
          const change =
            phase === 'radiation'
              ? radiationNonRenouvellement(demande, asOf)
              : preavisDue(demande, asOf)
                ? preavis(demande)
                : undefined;
          if (!change) continue;
          if (phase === 'radiation') {
            total.radiees++;
            writes.demandes.push(change.demande);
          } else {
            total.preavis++;
            writes.preavis.push({ numeroUnique: demande.numeroUnique, dateEcheance: demande.dateEcheance });
          }
          for (const line of change.history)
            writes.history.push({ ...line, clientId: null, messageId: null });
          writes.events.push(...change.events.map((e) => ({ ...e, clientId: null })));
        }
        await store.save(writes);
        return next;
      });
      if (last === undefined) break;
      after = last;
    }
  }
  return total;
}
