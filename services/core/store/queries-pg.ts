import type { Queryable } from '../../db/pool.ts';
import type { Demande, HistoryEntry } from '../demande.ts';
import { departementOfCommune } from '../territoire.ts';
import { type DemandeRow, demandeFromRow } from './store-pg.ts';

export type DemandeWithHistory = Omit<Demande, 'identiteHash'> & {
  historique: (Omit<HistoryEntry, 'numeroUnique'> & { recordedAt: string })[];
};

export async function findDemande(
  db: Queryable,
  numeroUnique: string,
): Promise<DemandeWithHistory | undefined> {
  const { rows } = await db.query<DemandeRow>('SELECT * FROM demandes WHERE numero_unique = $1', [
    numeroUnique,
  ]);
  const row = rows[0];
  if (!row) return undefined;
  const { identiteHash: _hash, ...demande } = demandeFromRow(row);
  const history = await db.query<{
    kind: HistoryEntry['kind'];
    date_effet: string;
    client_id: string | null;
    message_id: string | null;
    details: Record<string, unknown>;
    recorded_at: Date;
  }>(
    `SELECT kind, date_effet, client_id, message_id, details, recorded_at
       FROM demande_historique WHERE numero_unique = $1 ORDER BY id`,
    [numeroUnique],
  );
  return {
    ...demande,
    historique: history.rows.map((h) => ({
      kind: h.kind,
      dateEffet: h.date_effet,
      clientId: h.client_id,
      messageId: h.message_id,
      details: h.details,
      recordedAt: h.recorded_at.toISOString(),
    })),
  };
}

export interface DemandeFilter {
  /** The départements to list; absent: all of them (an actor of every département). */
  departements?: string[];
  commune?: string;
  statut?: Demande['statut'];
  typologie?: Demande['typologie'];
  /** The last numéro of the previous page. */
  after: string;
  limit: number;
}

export interface DemandeListItem {
  numeroUnique: string;
  /** null for a demande registered without one (the portail's): interfaces.md §10 lists it in every item. */
  referenceGuichet: string | null;
  statut: Demande['statut'];
  departement: string;
  dateDepot: string;
  dateEcheance: string;
  typologie: Demande['typologie'];
  codeGuichet: string;
}

/**
 * Keyset-paginated by numéro unique. `commune` matches any commune souhaitée, written `@>` so that
 * the GIN index `demandes_communes` (migration 009) serves it.
 *
 * Asked for some départements (or a commune, whose département is known), each département's
 * demandes are one range of `demandes_departement (departement, numero_unique)`, read on its own,
 * and the pages merged. Walking the whole primary key with a filter instead read every demande of
 * the départements sorted before (a first page of 93-95 read 450,000 rows). The range is an
 * equality on `departement`, not the numéros from the département's code to that code and `~`: that
 * held only in a database whose text sorts byte by byte (collation C), and was empty in one created
 * with a language's collation (`en_US.UTF-8`, the default of many servers), where `'0590…' < '059~'`
 * is false.
 */
export async function listDemandes(db: Queryable, filter: DemandeFilter): Promise<DemandeListItem[]> {
  const ofCommune = filter.commune ? departementOfCommune(filter.commune) : undefined;
  const departements = ofCommune
    ? [ofCommune].filter((d) => !filter.departements || filter.departements.includes(d))
    : filter.departements;

  const { rows } = await db.query<{
    numero_unique: string;
    reference_guichet: string | null;
    statut: Demande['statut'];
    departement: string;
    date_depot: string;
    date_echeance: string;
    typologie: Demande['typologie'];
    code_guichet: string;
  }>(
    `SELECT d.* FROM unnest(coalesce($1::text[], ARRAY[''])) AS r(departement)
       CROSS JOIN LATERAL (
         SELECT numero_unique, reference_guichet, statut, departement, date_depot, date_echeance, typologie, code_guichet
           FROM demandes
          WHERE numero_unique > $2
            AND ($1::text[] IS NULL OR departement = r.departement)
            AND ($3::text IS NULL OR communes_souhaitees @> ARRAY[$3::text])
            AND ($4::text IS NULL OR statut = $4)
            AND ($5::text IS NULL OR typologie = $5)
          ORDER BY numero_unique LIMIT $6) d
      ORDER BY d.numero_unique LIMIT $6`,
    [
      departements ?? null,
      filter.after,
      filter.commune ?? null,
      filter.statut ?? null,
      filter.typologie ?? null,
      filter.limit,
    ],
  );
  return rows.map((r) => ({
    numeroUnique: r.numero_unique,
    referenceGuichet: r.reference_guichet ?? null,
    statut: r.statut,
    departement: r.departement,
    dateDepot: r.date_depot,
    dateEcheance: r.date_echeance,
    typologie: r.typologie,
    codeGuichet: r.code_guichet,
  }));
}
