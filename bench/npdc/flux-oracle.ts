/**
 * The flux table computed straight from the registry's tables with domain.md's definitions, word
 * for word ("Dates and statistics"): the scenario's independent check of the hub's counts, written
 * from the specification and not from the infocentre's code. Reads `demandes` only.
 */
import type pg from 'pg';
import { type FluxFigures, type FluxTable, MOTIFS, partsOf, sumFigures } from './reference.ts';

export async function fluxFromRegistry(
  pool: pg.Pool,
  du: string,
  au: string,
  departements: string[],
): Promise<FluxTable> {
  const { rows } = await pool.query<Record<string, string | number>>(
    `SELECT departement,
       -- en cours au début: dateDepot < du and not radiée before du
       count(*) FILTER (WHERE date_depot < $1 AND (date_radiation IS NULL OR date_radiation >= $1))::int AS en_cours_debut,
       -- nouvelles: du ≤ dateDepot ≤ au
       count(*) FILTER (WHERE date_depot BETWEEN $1 AND $2)::int AS nouvelles,
       -- radiées: du ≤ dateRadiation ≤ au, in total and by motif
       count(*) FILTER (WHERE date_radiation BETWEEN $1 AND $2)::int AS radiees,
       ${MOTIFS.map((_, i) => `count(*) FILTER (WHERE date_radiation BETWEEN $1 AND $2 AND motif_radiation = $${i + 4})::int AS m${i}`).join(',\n       ')},
       -- en cours à la fin: dateDepot ≤ au and (dateRadiation absent or > au)
       count(*) FILTER (WHERE date_depot <= $2 AND (date_radiation IS NULL OR date_radiation > $2))::int AS en_cours_fin
     FROM demandes WHERE departement = ANY($3) GROUP BY departement`,
    [du, au, departements, ...MOTIFS],
  );
  const lignes: Record<string, FluxFigures> = {};
  for (const dep of departements) lignes[dep] = sumFigures([]);
  for (const row of rows) {
    const f = lignes[String(row.departement)] as FluxFigures;
    f.enCoursDebut = Number(row.en_cours_debut);
    f.nouvelles = Number(row.nouvelles);
    f.radiees.total = Number(row.radiees);
    MOTIFS.forEach((m, i) => {
      f.radiees[m] = Number(row[`m${i}`]);
    });
    f.enCoursFin = Number(row.en_cours_fin);
  }
  const total = sumFigures(Object.values(lignes));
  return { du, au, lignes, total, part: partsOf(lignes, total) };
}
