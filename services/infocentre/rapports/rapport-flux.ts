import type { FluxCellules, FluxReponse } from '../flux-reponse.ts';
import { escapeHtml, nombreFr, page, table } from './html.ts';
import { barres } from './svg.ts';

const MOTIFS = ['abandon', 'attribution', 'irrecevabilite', 'non-renouvellement', 'non-reponse'] as const;

function cellules(c: FluxCellules): string[] {
  return [
    nombreFr(c.enCoursDebut),
    nombreFr(c.nouvelles),
    nombreFr(c.radiees.total),
    ...MOTIFS.map((m) => nombreFr(c.radiees[m])),
    nombreFr(c.enCoursFin),
  ];
}

/**
 * The flux report: the committee's table (with the shares when several territoires are asked)
 * and a bar chart of the flux by territoire.
 */
export function rapportFlux(reponse: FluxReponse, libelles: Map<string, string>, secret: boolean): string {
  const nom = (code: string) => libelles.get(code) ?? code;
  const entetes = [
    'Territoire',
    'En cours au début',
    'Nouvelles',
    'Radiées',
    'Abandon',
    'Attribution',
    'Irrecevabilité',
    'Non-renouvellement',
    'Non-réponse',
    'En cours à la fin',
  ];
  const rows = reponse.lignes.map((l) => [escapeHtml(nom(l.territoire)), ...cellules(l)]);
  if (reponse.lignes.length > 1) rows.push(['Total', ...cellules(reponse.total)]);
  const parts = reponse.lignes.some((l) => l.part)
    ? table(
        ['Territoire', 'En cours au début', 'Nouvelles', 'Radiées', ...MOTIFS, 'En cours à la fin'],
        reponse.lignes.map((l) => [
          escapeHtml(nom(l.territoire)),
          ...(['enCoursDebut', 'nouvelles', 'radiees', ...MOTIFS, 'enCoursFin'] as const).map((c) =>
            nombreFr(l.part?.[c] ?? null, 2),
          ),
        ]),
        'Part de chaque territoire dans le total (%)',
      )
    : '';
  const graphique = barres(
    'Flux par territoire',
    reponse.lignes.map((l) => nom(l.territoire)),
    [
      { nom: 'En cours au début', couleur: '#9aa7c7', valeurs: reponse.lignes.map((l) => l.enCoursDebut) },
      { nom: 'Nouvelles', couleur: '#2a7ab9', valeurs: reponse.lignes.map((l) => l.nouvelles) },
      { nom: 'Radiées', couleur: '#d9822b', valeurs: reponse.lignes.map((l) => l.radiees.total) },
      { nom: 'En cours à la fin', couleur: '#1b4f72', valeurs: reponse.lignes.map((l) => l.enCoursFin) },
    ],
  );
  const body = `
<p>Période du ${escapeHtml(reponse.du)} au ${escapeHtml(reponse.au)} (dates de dépôt et de radiation).</p>
${table(entetes, rows, 'État de la demande')}
${parts}
<h2>Flux par territoire</h2>
${graphique}
<p class="note">Demandes en cours au début : déposées avant le début et non radiées avant lui ; à la fin : déposées au plus tard
à la fin et non radiées à cette date. Fin = début + nouvelles − radiées.${
    secret ? ' Secret statistique : « - » remplace les effectifs de 1 à 10.' : ''
  }</p>`;
  return page('Infocentre SNE — état de la demande', body);
}
