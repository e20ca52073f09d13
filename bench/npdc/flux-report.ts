/**
 * The flux table the hub gave, beside the reference, cell by cell: every count and every `part`
 * compared, and printed as a table with a match (✓) or mismatch (✗) mark on each cell.
 */
import { cellsOf, type FluxTable } from './reference.ts';

export interface CellComparison {
  /** `59`, `62` or `total`. */
  territoire: string;
  /** `enCoursDebut`, `nouvelles`, `radiees`, a motif, `enCoursFin`; `part:<cell>` for a share. */
  cell: string;
  expected: number;
  observed: number | undefined;
  ok: boolean;
}

const LABELS: Record<string, string> = {
  enCoursDebut: 'en cours au début',
  nouvelles: 'nouvelles',
  radiees: 'radiées',
  abandon: '  abandon',
  attribution: '  attribution',
  irrecevabilite: '  irrecevabilité',
  'non-renouvellement': '  non-renouvellement',
  'non-reponse': '  non-réponse',
  enCoursFin: 'en cours à la fin',
};

/** Every cell of `expected` against `observed` (counts of each line and the total, then the parts). */
export function compareFlux(expected: FluxTable, observed: FluxTable): CellComparison[] {
  const out: CellComparison[] = [];
  const lines = [...Object.entries(expected.lignes), ['total', expected.total] as const];
  for (const [territoire, figures] of lines) {
    const seen = territoire === 'total' ? observed.total : observed.lignes[territoire];
    const seenCells = seen ? cellsOf(seen) : {};
    for (const [cell, value] of Object.entries(cellsOf(figures))) {
      const got = seenCells[cell];
      out.push({ territoire, cell, expected: value, observed: got, ok: got === value });
    }
  }
  for (const [territoire, parts] of Object.entries(expected.part ?? {})) {
    for (const [cell, value] of Object.entries(parts)) {
      const got = observed.part?.[territoire]?.[cell];
      const ok = got !== undefined && Math.round(got * 100) === Math.round(value * 100);
      out.push({ territoire, cell: `part:${cell}`, expected: value, observed: got, ok });
    }
  }
  return out;
}

/** The comparison as a text table: per cell, for each territoire and the total, hub | reference | mark. */
export function formatFluxTable(comparisons: CellComparison[], referenceName: string): string {
  const territoires = [...new Set(comparisons.map((c) => c.territoire))];
  const cells = [...new Set(comparisons.map((c) => c.cell))];
  const find = (t: string, cell: string) => comparisons.find((c) => c.territoire === t && c.cell === cell);
  const fmt = (n: number | undefined, part: boolean) =>
    n === undefined ? '—' : part ? n.toFixed(2) : n.toLocaleString('en-US');
  const width = 30;
  const col = 11;
  const head =
    ''.padEnd(width) +
    territoires
      .map(
        (t) =>
          `│ ${`${t === 'total' ? 'total' : `dép. ${t}`} hub`.padStart(col)} ${referenceName.padStart(col)}   `,
      )
      .join('');
  const rows = cells.map((cell) => {
    const part = cell.startsWith('part:');
    const label = part ? `part % ${LABELS[cell.slice(5)]?.trim() ?? cell.slice(5)}` : (LABELS[cell] ?? cell);
    return (
      label.padEnd(width) +
      territoires
        .map((t) => {
          const c = find(t, cell);
          if (!c) return `│ ${''.padStart(col)} ${''.padStart(col)}   `;
          return `│ ${fmt(c.observed, part).padStart(col)} ${fmt(c.expected, part).padStart(col)} ${c.ok ? '✓' : '✗'} `;
        })
        .join('')
    );
  });
  return [head, '─'.repeat(head.length), ...rows].join('\n');
}
