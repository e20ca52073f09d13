/**
 * CSV as French spreadsheets open it: `;` between fields, CRLF between lines, UTF-8 with a BOM
 * (without it Excel reads the accents as Latin-1), decimal commas, `-` for a secret cell.
 */
export type CsvCell = string | number | null;

const BOM = '\uFEFF';

function field(value: CsvCell): string {
  if (value === null) return '-';
  const text = typeof value === 'number' ? String(value).replace('.', ',') : value;
  return /[;"\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(entetes: string[], lignes: CsvCell[][]): string {
  const text = [entetes, ...lignes].map((l) => l.map(field).join(';')).join('\r\n');
  return `${BOM}${text}\r\n`;
}
