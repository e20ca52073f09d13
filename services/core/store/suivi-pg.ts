import type { Queryable } from '../../db/pool.ts';
import type { Demande } from '../demande.ts';
import type { SuiviDemande, SuiviReader } from '../suivi.ts';

/** The suivi from PostgreSQL. It selects only the columns a demandeur may see: no personal data is read. */
export class PgSuiviReader implements SuiviReader {
  constructor(private readonly db: Queryable) {}

  async find(numeroUnique: string): Promise<SuiviDemande | undefined> {
    const { rows } = await this.db.query<{
      statut: Demande['statut'];
      departement: string;
      date_depot: string;
      date_echeance: string;
      date_renouvellement: string | null;
      typologie: Demande['typologie'];
      communes_souhaitees: string[];
      motif_radiation: NonNullable<SuiviDemande['radiation']>['motif'] | null;
      sous_motif_radiation: NonNullable<SuiviDemande['radiation']>['sousMotif'] | null;
      date_radiation: string | null;
      preavis: { dateEcheance: string; envoyeLe: string }[];
    }>(
      `SELECT d.statut, d.departement, d.date_depot, d.date_echeance, d.date_renouvellement, d.typologie,
              d.communes_souhaitees, d.motif_radiation, d.sous_motif_radiation, d.date_radiation,
              COALESCE((SELECT jsonb_agg(jsonb_build_object('dateEcheance', p.date_echeance,
                                                            'envoyeLe', p.sent_at) ORDER BY p.date_echeance)
                          FROM preavis p WHERE p.numero_unique = d.numero_unique), '[]') AS preavis
         FROM demandes d WHERE d.numero_unique = $1`,
      [numeroUnique],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      numeroUnique,
      statut: row.statut,
      departement: row.departement,
      dateDepot: row.date_depot,
      dateEcheance: row.date_echeance,
      ...(row.date_renouvellement ? { dateRenouvellement: row.date_renouvellement } : {}),
      typologie: row.typologie,
      communesSouhaitees: row.communes_souhaitees,
      // jsonb renders timestamptz without a fixed offset form: normalise to ISO 8601 UTC.
      preavis: row.preavis.map((p) => ({
        dateEcheance: p.dateEcheance,
        envoyeLe: new Date(p.envoyeLe).toISOString(),
      })),
      ...(row.statut === 'radiee' && row.motif_radiation && row.date_radiation
        ? {
            radiation: {
              motif: row.motif_radiation,
              ...(row.sous_motif_radiation ? { sousMotif: row.sous_motif_radiation } : {}),
              dateRadiation: row.date_radiation,
            },
          }
        : {}),
    };
  }
}
