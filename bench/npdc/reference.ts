/**
 * The regional committee's table (`shared/reference/npdc-2014.json`): the flux of demandes in
 * Nord-Pas-de-Calais (départements 59 and 62) over the 12 rolling months 01/10/2013-30/09/2014,
 * and the same figures scaled down for shorter runs.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The motifs of radiation, in the order the committee prints them. */
export const MOTIFS = [
  'abandon',
  'attribution',
  'irrecevabilite',
  'non-renouvellement',
  'non-reponse',
] as const;
export type MotifRadiation = (typeof MOTIFS)[number];

/** One line of a flux table (definitions in domain.md "Dates and statistics"). */
export interface FluxFigures {
  enCoursDebut: number;
  nouvelles: number;
  radiees: { total: number } & Record<MotifRadiation, number>;
  enCoursFin: number;
}

/** The table: one line per département, and the total over them. */
export interface FluxTable {
  du: string;
  au: string;
  lignes: Record<string, FluxFigures>;
  total: FluxFigures;
  /** Percent of the total per cell and département, two decimals (the committee's "part"). */
  part?: Record<string, Record<string, number>>;
}

/** Where the committee's file lies: `SNE_NPDC_REFERENCE`, else `../shared/reference/npdc-2014.json` beside the repository. */
export function referencePath(): string {
  return (
    process.env.SNE_NPDC_REFERENCE ??
    fileURLToPath(new URL('../../../shared/reference/npdc-2014.json', import.meta.url))
  );
}

interface ReferenceFile {
  periode: { du: string; au: string };
  rows: Record<string, FluxFigures>;
  partRegionPourcent: Record<string, Record<string, number>>;
  typologieEnCoursFinPourcent: Record<string, number>;
}

/** The committee's table as published; `region` becomes `total`. */
export function loadReference(path = referencePath()): FluxTable & { typologie: Record<string, number> } {
  const file = JSON.parse(readFileSync(path, 'utf8')) as ReferenceFile;
  const { region, ...lignes } = file.rows;
  if (!region) throw new Error(`${path}: no "region" row`);
  return {
    du: file.periode.du,
    au: file.periode.au,
    lignes,
    total: region,
    part: file.partRegionPourcent,
    typologie: file.typologieEnCoursFinPourcent,
  };
}

/**
 * The table divided by `divisor`, each département's counts rounded (a count that was not zero stays
 * at least 1, so that every motif is still exercised); radiées and enCoursFin recomputed so that
 * `fin = début + nouvelles − radiées` holds, the total and the parts recomputed from the lines.
 */
export function scaleTable(table: FluxTable, divisor: number): FluxTable {
  const scale = (n: number) => (divisor === 1 || n === 0 ? n : Math.max(1, Math.round(n / divisor)));
  const lignes: Record<string, FluxFigures> = {};
  for (const [territoire, f] of Object.entries(table.lignes)) {
    const motifs = Object.fromEntries(MOTIFS.map((m) => [m, scale(f.radiees[m])])) as Record<
      MotifRadiation,
      number
    >;
    const total = MOTIFS.reduce((s, m) => s + motifs[m], 0);
    const enCoursDebut = scale(f.enCoursDebut);
    const nouvelles = scale(f.nouvelles);
    lignes[territoire] = {
      enCoursDebut,
      nouvelles,
      radiees: { total, ...motifs },
      enCoursFin: enCoursDebut + nouvelles - total,
    };
  }
  const total = sumFigures(Object.values(lignes));
  return { du: table.du, au: table.au, lignes, total, part: partsOf(lignes, total) };
}

export function sumFigures(lines: FluxFigures[]): FluxFigures {
  const zero: FluxFigures = {
    enCoursDebut: 0,
    nouvelles: 0,
    radiees: {
      total: 0,
      ...(Object.fromEntries(MOTIFS.map((m) => [m, 0])) as Record<MotifRadiation, number>),
    },
    enCoursFin: 0,
  };
  for (const f of lines) {
    zero.enCoursDebut += f.enCoursDebut;
    zero.nouvelles += f.nouvelles;
    zero.enCoursFin += f.enCoursFin;
    zero.radiees.total += f.radiees.total;
    for (const m of MOTIFS) zero.radiees[m] += f.radiees[m];
  }
  return zero;
}

/** The cells of a line by the names the committee's "part" uses. */
export function cellsOf(f: FluxFigures): Record<string, number> {
  return {
    enCoursDebut: f.enCoursDebut,
    nouvelles: f.nouvelles,
    radiees: f.radiees.total,
    ...Object.fromEntries(MOTIFS.map((m) => [m, f.radiees[m]])),
    enCoursFin: f.enCoursFin,
  };
}

/** Each line's share of the total, in percent with two decimals (interfaces.md §12). */
export function partsOf(
  lignes: Record<string, FluxFigures>,
  total: FluxFigures,
): Record<string, Record<string, number>> {
  const totals = cellsOf(total);
  const parts: Record<string, Record<string, number>> = {};
  for (const [territoire, f] of Object.entries(lignes)) {
    parts[territoire] = Object.fromEntries(
      Object.entries(cellsOf(f)).map(([cell, n]) => {
        const of = totals[cell] ?? 0;
        return [cell, of === 0 ? 0 : Math.round((n / of) * 10_000) / 100];
      }),
    );
  }
  return parts;
}
