import type pg from 'pg';
import type { ParcLogement, ParcReader } from '../parc.ts';

interface LogementRow {
  identifiant_rpls: string;
  siren_bailleur: string;
  code_commune: string;
  departement: string;
  nb_pieces: number | null;
  surface_habitable: string | null;
  type_construction: ParcLogement['typeConstruction'] | null;
  annee_achevement: number | null;
  financement: ParcLogement['financement'] | null;
  conventionne: boolean | null;
  qpv: boolean | null;
  statut: ParcLogement['statut'];
  sorti_le: Date | null;
  import_id: string | null;
  updated_at: Date;
}

/** The parc in PostgreSQL (`logements`, migrations 001 and 003). */
export class PgParcReader implements ParcReader {
  constructor(private readonly pool: pg.Pool) {}

  async find(identifiantRpls: string): Promise<ParcLogement | undefined> {
    const { rows } = await this.pool.query<LogementRow>(
      `SELECT identifiant_rpls, siren_bailleur, code_commune, departement, nb_pieces, surface_habitable,
              type_construction, annee_achevement, financement, conventionne, qpv, statut, sorti_le,
              import_id, updated_at
         FROM logements WHERE identifiant_rpls = $1`,
      [identifiantRpls],
    );
    const row = rows[0];
    return row ? logementOf(row) : undefined;
  }
}

/** Columns left NULL (logements loaded before the RPLS import existed) are left out. */
function logementOf(row: LogementRow): ParcLogement {
  const optional = {
    nbPieces: row.nb_pieces,
    surfaceHabitable: row.surface_habitable === null ? null : Number(row.surface_habitable),
    typeConstruction: row.type_construction,
    anneeAchevement: row.annee_achevement,
    financement: row.financement,
    conventionne: row.conventionne,
    qpv: row.qpv,
    sortiLe: row.sorti_le?.toISOString() ?? null,
    importId: row.import_id,
  };
  return {
    identifiantRpls: row.identifiant_rpls,
    sirenBailleur: row.siren_bailleur,
    codeCommune: row.code_commune,
    departement: row.departement,
    statut: row.statut,
    updatedAt: row.updated_at.toISOString(),
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== null)),
  };
}
