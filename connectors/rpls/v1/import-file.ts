import { type Actor, actsOn } from '../../../services/core/actor.ts';
import { HttpProblem } from '../../../services/http/problem.ts';
import type { ImportMode, ParcImports } from '../../../services/pipeline/parc-import.ts';
import { EventLoopSlices } from '../../../services/shared/event-loop-slices.ts';
import { splitFields } from './csv-fields.ts';
import { fastRow } from './fast-row.ts';
import { type Header, readHeader, rowOf } from './header.ts';
import { mapRow } from './mapper.ts';
import type { CsvLine } from './transport.ts';

/** Longest field, characters: RPLS fields are short; a longer one is a broken line or an attack. */
export const MAX_FIELD_CHARS = 1024;

export interface ImportFileInput {
  actor: Actor;
  mode: ImportMode;
  /** The file's lines, as the transport reads them while the body streams. */
  lines: AsyncIterable<CsvLine[]>;
  /** The current year in Europe/Paris: no logement was completed after it. */
  thisYear: number;
  /** Called between batches of lines: resolves when the process's other requests let the import go on. */
  giveWay?: () => Promise<void>;
}

/**
 * Reads an RPLS file into an import while it streams: the header first (a bad one refuses the
 * file before anything is stored), then each row mapped and staged, or rejected with its line.
 * Returns the import's id once it is stored: committed, or, past the rejection limit, `failed`
 * (reading stops there). On any other error nothing is kept.
 */
export async function importFile(imports: ParcImports, input: ImportFileInput): Promise<string> {
  const iterator = input.lines[Symbol.asyncIterator]();
  const { header, rest } = await headerOf(iterator);
  const session = await imports.begin(input.actor, input.mode);
  // Clean rows are mapped by one regular expression; the others (and their errors) the slow way.
  const fast = fastRow(header, input.thisYear);
  try {
    let batch: CsvLine[] | undefined = rest;
    // When the body's chunks are already buffered, reading them resolves without ever leaving the
    // microtask queue: a national file would otherwise hold the API's 202s back while it is read.
    const slices = new EventLoopSlices();
    while (batch && !session.tooManyRejected) {
      for (const line of batch) {
        const fastRecord = fast && 'text' in line ? fast(line.text) : undefined;
        const mapped = fastRecord ? { record: fastRecord } : mapLine(header, line, input.thisYear);
        if (!('record' in mapped)) {
          session.reject({ line: line.line, ...mapped.error }, mapped.identifiantRpls);
        } else if (!actsOn(input.actor, mapped.record.departement)) {
          // Listed all the same: a snapshot does not take it out of the parc.
          session.reject(
            {
              line: line.line,
              code: 'HORS_TERRITOIRE',
              message: `The logement lies in département ${mapped.record.departement}, outside the sender's.`,
            },
            mapped.record.identifiantRpls,
          );
        } else session.add(line.line, mapped.record);
      }
      await session.drain();
      await slices.next();
      await input.giveWay?.();
      const next = await iterator.next();
      batch = next.done ? undefined : next.value;
    }
    // An import past the rejection limit is stored too, failed with TOO_MANY_REJECTED and its first
    // errors: the sender learns it by GET, as it learns every outcome of a file it sent (§8).
    const { importId } = await session.finish();
    return importId;
  } catch (error) {
    await session.abort();
    throw error;
  }
}

/** The header (first non-empty line) and the lines read with it. */
async function headerOf(iterator: AsyncIterator<CsvLine[]>): Promise<{ header: Header; rest: CsvLine[] }> {
  for (;;) {
    const next = await iterator.next();
    if (next.done) throw new HttpProblem('CSV_HEADER_INVALID', 'The file is empty: no header line.');
    const [first, ...rest] = next.value;
    if (!first) continue;
    if ('error' in first) {
      throw new HttpProblem(
        first.error.code === 'CSV_ENCODING_INVALID' ? 'UNSUPPORTED_MEDIA_TYPE' : 'CSV_HEADER_INVALID',
        `The header line cannot be read: ${first.error.message} Nothing was kept.`,
      );
    }
    if (first.text.includes('\u0000')) {
      throw new HttpProblem('UNSUPPORTED_MEDIA_TYPE', 'The body is binary, not CSV text. Nothing was kept.');
    }
    return { header: readHeader(splitFields(first.text, MAX_FIELD_CHARS)), rest };
  }
}

type MappedLine = ReturnType<typeof mapRow>;

function mapLine(header: Header, line: CsvLine, thisYear: number): MappedLine {
  if ('error' in line) return named({ error: line.error }, header, line.latin1);
  const fields = splitFields(line.text, MAX_FIELD_CHARS);
  if (!Array.isArray(fields)) return named({ error: fields }, header, line.text);
  const row = rowOf(header, fields);
  if ('code' in row) return named({ error: row }, header, line.text);
  return mapRow(row, thisYear);
}

/**
 * A line the reader refused (its encoding, its quotes, its number of fields) still names its
 * logement, as well as a plain split can tell: a snapshot must not take out of the parc a logement
 * the file lists, whatever is wrong with its line.
 */
function named(
  refused: { error: { code: string; message: string } },
  header: Header,
  text: string | undefined,
): MappedLine {
  const field = text?.split(';')[header.positions.identifiant_rpls]?.trim().replace(/^"|"$/g, '');
  return field && /^[0-9A-Z]{10}$/.test(field) ? { ...refused, identifiantRpls: field } : refused;
}
