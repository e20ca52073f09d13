import type { Queryable } from '../../db/pool.ts';
import type { IsoDate } from '../commands.ts';
import type { Demande } from '../demande.ts';
import type { RegistryWrites } from '../store.ts';
import type { SweepCursor, SweepPhase, SweepStore } from '../sweep.ts';
import { type DemandeRow, demandeFromRow, PgRegistryStore } from './store-pg.ts';

/**
 * Each phase reads its own partial index of migration 007 in (date_echeance, numero_unique) order,
 * from the cursor up to the bound:
 * - `radiation`: `demandes_echeance_active` (active demandes);
 * - `preavis`: `demandes_preavis_a_envoyer` (active demandes whose préavis for the current échéance
 *   has not gone out), so the month of demandes already told is neither read nor locked each day.
 * The predicates repeat the indexes' own, which is how PostgreSQL knows it may use them.
 */
const PAGE: Record<SweepPhase, string> = {
  radiation: `SELECT numero_unique, date_echeance FROM demandes
     WHERE statut = 'active' AND date_echeance <= $1::date AND (date_echeance, numero_unique) > ($2::date, $3::text)
     ORDER BY date_echeance, numero_unique LIMIT $4`,
  preavis: `SELECT numero_unique, date_echeance FROM demandes
     WHERE statut = 'active' AND preavis_a_envoyer
       AND date_echeance <= $1::date AND (date_echeance, numero_unique) > ($2::date, $3::text)
     ORDER BY date_echeance, numero_unique LIMIT $4`,
};

/**
 * The page's demandes, locked in numéro order — the order apply batches lock in, so that a sweep
 * and a batch never deadlock — and checked again once locked (a batch may have renewed one).
 */
const LOCK: Record<SweepPhase, string> = {
  radiation: `SELECT d.* FROM demandes d
     WHERE d.numero_unique = ANY($1::text[]) AND d.statut = 'active' AND d.date_echeance <= $2::date
     ORDER BY d.numero_unique FOR UPDATE`,
  preavis: `SELECT d.* FROM demandes d
     WHERE d.numero_unique = ANY($1::text[]) AND d.statut = 'active' AND d.preavis_a_envoyer
       AND d.date_echeance <= $2::date
     ORDER BY d.numero_unique FOR UPDATE`,
};

/** The renewal sweep's store in PostgreSQL, inside the transaction of the client given. */
export class PgSweepStore extends PgRegistryStore implements SweepStore {
  /** What this store saved: the sweep's audit line adds it up in the same transaction. */
  readonly saved = { preavis: 0, radiees: 0 };

  constructor(private readonly client: Queryable) {
    // Its events are written by the transaction's owner, last (`writeHeldEvents`, after its audit line).
    super(client, { holdEvents: true });
  }

  async sweepCandidates(
    phase: SweepPhase,
    bound: IsoDate,
    after: SweepCursor | undefined,
    limit: number,
  ): Promise<{ demandes: Demande[]; next: SweepCursor | undefined }> {
    const page = await this.client.query<{ numero_unique: string; date_echeance: string }>(PAGE[phase], [
      bound,
      after?.dateEcheance ?? '-infinity',
      after?.numeroUnique ?? '',
      limit,
    ]);
    const last = page.rows.at(-1);
    if (!last) return { demandes: [], next: undefined };
    const { rows } = await this.client.query<DemandeRow>(LOCK[phase], [
      page.rows.map((r) => r.numero_unique),
      bound,
    ]);
    return {
      demandes: this.remember(rows.map(demandeFromRow)),
      next: { dateEcheance: last.date_echeance, numeroUnique: last.numero_unique },
    };
  }

  override async save(writes: RegistryWrites): Promise<void> {
    await super.save(writes);
    if (writes.preavis.length > 0) {
      // Takes the demande out of the préavis index until a renouvellement moves its échéance.
      await this.client.query(
        `UPDATE demandes d SET preavis_echeance = p.date_echeance
           FROM unnest($1::text[], $2::date[]) AS p(numero_unique, date_echeance)
          WHERE d.numero_unique = p.numero_unique`,
        [writes.preavis.map((p) => p.numeroUnique), writes.preavis.map((p) => p.dateEcheance)],
      );
    }
    this.saved.preavis += writes.preavis.length;
    this.saved.radiees += writes.demandes.filter((d) => d.statut === 'radiee').length;
  }
}
