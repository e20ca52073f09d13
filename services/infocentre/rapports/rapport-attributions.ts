import type { AttributionsMensuelReponse } from '../attributions.ts';
import { escapeHtml, nombreFr, page, table } from './html.ts';
import { lignes } from './svg.ts';

/** The attributions report: the monthly table and the cumulative rhythm against the expected line. */
export function rapportAttributions(
  reponse: AttributionsMensuelReponse,
  libelles: string[],
  secret: boolean,
): string {
  const rows = reponse.mois.map((m) => [
    escapeHtml(m.mois),
    nombreFr(m.attributions),
    nombreFr(m.cumul),
    nombreFr(m.attenduCumul),
    nombreFr(m.dalo.total),
    nombreFr(m.dalo.prefet),
    nombreFr(m.prioritaires.total),
    nombreFr(m.prioritaires.prefet),
  ]);
  rows.push([
    'Total',
    nombreFr(reponse.total.attributions),
    '',
    '',
    nombreFr(reponse.total.dalo.total),
    nombreFr(reponse.total.dalo.prefet),
    nombreFr(reponse.total.prioritaires.total),
    nombreFr(reponse.total.prioritaires.prefet),
  ]);
  const graphique = lignes(
    'Rythme des attributions',
    reponse.mois.map((m) => m.mois),
    [
      { nom: 'Attributions cumulées', couleur: '#2a7ab9', valeurs: reponse.mois.map((m) => m.cumul) },
      {
        nom: `Attendu (${reponse.rythmeAnnuel.toLocaleString('fr-FR')} par an)`,
        couleur: '#d9822b',
        valeurs: reponse.mois.map((m) => m.attenduCumul),
        pointille: true,
      },
    ],
  );
  const body = `
<p>${escapeHtml(libelles.join(', '))} — baux signés du ${escapeHtml(reponse.du)} au ${escapeHtml(reponse.au)}.</p>
${graphique}
${table(
  [
    'Mois',
    'Attributions',
    'Cumul',
    'Cumul attendu',
    'dont DALO',
    'DALO, contingent préfet',
    'dont prioritaires',
    'Prioritaires, contingent préfet',
  ],
  rows,
  'Attributions par mois',
)}
<p class="note">DALO et prioritaires : statut du ménage à la date de signature du bail.${
    secret ? ' Secret statistique : « - » remplace les effectifs de 1 à 10.' : ''
  }</p>`;
  return page('Infocentre SNE — attributions', body);
}
