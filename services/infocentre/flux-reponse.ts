import type { CsvCell } from './csv.ts';
import { CELLULES_PART, type CellulePart, type Flux, MOTIFS_FLUX, partDe, pourcent } from './flux.ts';
import { type Compte, masquer } from './secret.ts';

/** The flux table as `GET /infocentre/flux` answers it (interfaces.md §12). */
export interface RadieesReponse {
  total: Compte;
  abandon: Compte;
  attribution: Compte;
  irrecevabilite: Compte;
  'non-renouvellement': Compte;
  'non-reponse': Compte;
  secret?: true;
}

export interface FluxCellules {
  enCoursDebut: Compte;
  nouvelles: Compte;
  radiees: RadieesReponse;
  enCoursFin: Compte;
  secret?: true;
}

export interface LigneFlux extends FluxCellules {
  territoire: string;
  /** Percent of the total, per cell, two decimals: only when several territoires are asked. */
  part?: Record<CellulePart, number | null>;
}

export interface FluxReponse {
  du: string;
  au: string;
  lignes: LigneFlux[];
  /** Over the union of the territoires asked (a demande in two of them counts once). */
  total: FluxCellules;
}

function cellulesDe(flux: Flux): FluxCellules {
  return {
    enCoursDebut: flux.enCoursDebut,
    nouvelles: flux.nouvelles,
    radiees: { ...flux.radiees },
    enCoursFin: flux.enCoursFin,
  };
}

export function fluxReponse(
  du: string,
  au: string,
  lignes: { territoire: string; flux: Flux }[],
  total: Flux,
): FluxReponse {
  const avecPart = lignes.length > 1;
  return {
    du,
    au,
    lignes: lignes.map((l) => ({
      territoire: l.territoire,
      ...cellulesDe(l.flux),
      ...(avecPart ? { part: partDe(l.flux, total) } : {}),
    })),
    total: cellulesDe(total),
  };
}

const MOTIFS_ET_TOTAL = ['total', ...MOTIFS_FLUX] as const;

/** The cells of a table's row flat, as `part` names them. */
function comptes(c: FluxCellules): Record<CellulePart, Compte> {
  return {
    enCoursDebut: c.enCoursDebut,
    nouvelles: c.nouvelles,
    radiees: c.radiees.total,
    abandon: c.radiees.abandon,
    attribution: c.radiees.attribution,
    irrecevabilite: c.radiees.irrecevabilite,
    'non-renouvellement': c.radiees['non-renouvellement'],
    'non-reponse': c.radiees['non-reponse'],
    enCoursFin: c.enCoursFin,
  };
}

function masquerCellules(c: FluxCellules, part?: Record<CellulePart, number | null>): void {
  masquer(c, ['enCoursDebut', 'nouvelles', 'enCoursFin']);
  masquer(c.radiees, MOTIFS_ET_TOTAL);
  if (!part) return;
  // A share of a masked cell would give the cell back (share × total): masked with it.
  const valeurs = comptes(c);
  for (const cell of CELLULES_PART) if (valeurs[cell] === null) part[cell] = null;
}

/** Statistical secrecy on every cell of the table (and the shares of masked cells). */
export function masquerFlux(reponse: FluxReponse): FluxReponse {
  const copie = structuredClone(reponse);
  for (const ligne of copie.lignes) masquerCellules(ligne, ligne.part);
  masquerCellules(copie.total);
  return copie;
}

/** French headers of the CSV, in the order of the JSON. */
const ENTETES = [
  'Territoire',
  'Libellé',
  'Demandes en cours au début',
  'Nouvelles demandes',
  'Radiées (total)',
  'Radiées pour abandon',
  'Radiées pour attribution',
  'Radiées pour irrecevabilité',
  'Radiées pour non-renouvellement',
  'Radiées pour non-réponse',
  'Demandes en cours à la fin',
];

function rangee(territoire: string, libelle: string, c: FluxCellules): CsvCell[] {
  return [
    territoire,
    libelle,
    c.enCoursDebut,
    c.nouvelles,
    ...MOTIFS_ET_TOTAL.map((m) => c.radiees[m]),
    c.enCoursFin,
  ];
}

/** The same table as CSV rows (the shares, when given, in extra columns "Part … (%)"). */
export function fluxCsv(
  reponse: FluxReponse,
  libelles: Map<string, string>,
): { entetes: string[]; lignes: CsvCell[][] } {
  const avecPart = reponse.lignes.some((l) => l.part);
  const entetes = avecPart
    ? [...ENTETES, ...ENTETES.slice(2).map((e) => `Part ${e.toLowerCase()} (%)`)]
    : ENTETES;
  const lignes = reponse.lignes.map((l) => [
    ...rangee(l.territoire, libelles.get(l.territoire) ?? '', l),
    ...(avecPart ? CELLULES_PART.map((c) => l.part?.[c] ?? null) : []),
  ]);
  const total = comptes(reponse.total);
  lignes.push([
    ...rangee('total', 'Total', reponse.total),
    ...(avecPart ? CELLULES_PART.map((c) => partDuTotal(total[c])) : []),
  ]);
  return { entetes, lignes };
}

/**
 * The total's share of itself, by the lines' rule (`pourcent`): 100, but 0 for a cell of 0 as the
 * JSON writes 0/0, and masked with a masked cell as a line's share is.
 */
function partDuTotal(cell: Compte): number | null {
  return cell === null ? null : pourcent(cell, cell);
}
