import { escapeHtml } from './html.ts';

/**
 * Inline SVG charts, drawn on the server (no script, printable): grouped bars and lines. Values
 * under statistical secrecy (null) are not drawn.
 */
export interface Serie {
  nom: string;
  couleur: string;
  valeurs: (number | null)[];
  /** Dashed line (an expected value rather than a measured one). */
  pointille?: boolean;
}

const LARGEUR = 760;
const HAUTEUR = 320;
const MARGE = { haut: 20, droite: 20, bas: 60, gauche: 70 };

/** A round scale maximum: 1, 2 or 5 × 10^n above the largest value. */
function echelle(max: number): number {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

function cadre(
  titre: string,
  max: number,
  categories: string[],
  x: (i: number) => number,
  contenu: string,
  series: Serie[],
): string {
  const h = HAUTEUR - MARGE.haut - MARGE.bas;
  const y = (v: number) => MARGE.haut + h - (v / max) * h;
  const graduations = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => {
      const v = max * f;
      return (
        `<line x1="${MARGE.gauche}" x2="${LARGEUR - MARGE.droite}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>` +
        `<text x="${MARGE.gauche - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${escapeHtml(v.toLocaleString('fr-FR'))}</text>`
      );
    })
    .join('');
  const etiquettes = categories
    .map(
      (c, i) =>
        `<text x="${x(i)}" y="${HAUTEUR - MARGE.bas + 16}" text-anchor="middle" font-size="11">${escapeHtml(c)}</text>`,
    )
    .join('');
  const legende = series
    .map(
      (s, i) =>
        `<rect x="${MARGE.gauche + i * 190}" y="${HAUTEUR - 22}" width="12" height="12" fill="${s.couleur}"/>` +
        `<text x="${MARGE.gauche + i * 190 + 16}" y="${HAUTEUR - 12}" font-size="12">${escapeHtml(s.nom)}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${LARGEUR} ${HAUTEUR}" role="img" aria-label="${escapeHtml(titre)}">
<title>${escapeHtml(titre)}</title>${graduations}${contenu}${etiquettes}${legende}</svg>`;
}

/** Grouped bars: one group per category, one bar per série. */
export function barres(titre: string, categories: string[], series: Serie[]): string {
  const max = echelle(Math.max(0, ...series.flatMap((s) => s.valeurs.map((v) => v ?? 0))));
  const w = LARGEUR - MARGE.gauche - MARGE.droite;
  const h = HAUTEUR - MARGE.haut - MARGE.bas;
  const groupe = w / Math.max(1, categories.length);
  const barre = (groupe * 0.8) / Math.max(1, series.length);
  const x = (i: number) => MARGE.gauche + groupe * i + groupe / 2;
  const rects = categories
    .flatMap((_, i) =>
      series.map((s, j) => {
        const v = s.valeurs[i];
        if (v === null || v === undefined) return '';
        const hauteur = (v / max) * h;
        const left = MARGE.gauche + groupe * i + groupe * 0.1 + barre * j;
        return `<rect x="${left.toFixed(1)}" y="${(MARGE.haut + h - hauteur).toFixed(1)}" width="${barre.toFixed(1)}" height="${hauteur.toFixed(1)}" fill="${s.couleur}"><title>${escapeHtml(`${s.nom}: ${v}`)}</title></rect>`;
      }),
    )
    .join('');
  return cadre(titre, max, categories, x, rects, series);
}

/** Lines over categories (months): a measured cumulative against an expected one. */
export function lignes(titre: string, categories: string[], series: Serie[]): string {
  const max = echelle(Math.max(0, ...series.flatMap((s) => s.valeurs.map((v) => v ?? 0))));
  const w = LARGEUR - MARGE.gauche - MARGE.droite;
  const h = HAUTEUR - MARGE.haut - MARGE.bas;
  const pas = w / Math.max(1, categories.length);
  const x = (i: number) => MARGE.gauche + pas * i + pas / 2;
  const y = (v: number) => MARGE.haut + h - (v / max) * h;
  const traces = series
    .map((s) => {
      const points = s.valeurs
        .map((v, i) => (v === null ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`))
        .filter((p): p is string => p !== null)
        .join(' ');
      return `<polyline points="${points}" fill="none" stroke="${s.couleur}" stroke-width="2.5"${s.pointille ? ' stroke-dasharray="6 4"' : ''}/>`;
    })
    .join('');
  return cadre(titre, max, categories, x, traces, series);
}
