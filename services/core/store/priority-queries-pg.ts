import type { Queryable } from '../../db/pool.ts';
import type { Demande } from '../demande.ts';
import { identiteHash } from '../identite.ts';
import type { NumeroPage, PrioriteFiltre, PriorityQueries } from '../priority-queries.ts';
import { type DemandeRow, demandeFromRow } from './store-pg.ts';

/**
 * The filters as SQL, written out whole rather than parameterised: the planner then sees that each
 * implies the predicate of the partial index `demandes_priorite` (migration 005) and uses it.
 */
const FILTRES: Record<PrioriteFiltre, string> = {
  prioritaire: 'prioritaire IS NOT NULL',
  dalo: "dalo->>'decision' = 'prioritaire-urgent'",
  tous: "(prioritaire IS NOT NULL OR dalo->>'decision' = 'prioritaire-urgent')",
};

/** {@link PriorityQueries} on PostgreSQL. */
export class PgPriorityQueries implements PriorityQueries {
  constructor(private readonly db: Queryable) {}

  async demande(numeroUnique: string): Promise<Demande | undefined> {
    const { rows } = await this.db.query<DemandeRow>('SELECT * FROM demandes WHERE numero_unique = $1', [
      numeroUnique,
    ]);
    return rows[0] ? demandeFromRow(rows[0]) : undefined;
  }

  async demandesOf(
    identite: Parameters<PriorityQueries['demandesOf']>[0],
    departements: readonly string[],
    { after, limit }: NumeroPage,
  ): Promise<Demande[]> {
    // Served by the index demandes_identite; the hash is the doublon rule's, so the match is too.
    const { rows } = await this.db.query<DemandeRow>(
      `SELECT * FROM demandes WHERE identite_hash = $1 AND departement = ANY($2::text[]) AND numero_unique > $3
        ORDER BY numero_unique LIMIT $4`,
      [identiteHash(identite), departements, after, limit],
    );
    return rows.map(demandeFromRow);
  }

  async prioritaires({
    departements,
    filtre,
    after,
    limit,
  }: Parameters<PriorityQueries['prioritaires']>[0]): Promise<Demande[]> {
    const { rows } = await this.db.query<DemandeRow>(
      `SELECT * FROM demandes
        WHERE statut = 'active' AND ${FILTRES[filtre]}
          AND departement = ANY($1::text[]) AND numero_unique > $2
        ORDER BY numero_unique LIMIT $3`,
      [departements, after, limit],
    );
    return rows.map(demandeFromRow);
  }
}
