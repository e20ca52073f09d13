import { readdirSync, readFileSync } from 'node:fs';
import type { ExampleCheck } from '../../shared/json-messages.ts';
import { splitFields } from './csv-fields.ts';
import { type Header, readHeader, rowOf } from './header.ts';
import { MAX_FIELD_CHARS } from './import-file.ts';
import { mapRow } from './mapper.ts';

const EXAMPLES = new URL('../../../contracts/rpls/v1/examples/', import.meta.url);

/**
 * Every row of every example file of `contracts/rpls/v1/examples` read and mapped (the contracts
 * registry test). A file named `*iso-8859-1*` is read as ISO-8859-1, the others as UTF-8. One check
 * per file, whose errors name each rejected row by its line.
 */
export function checkRplsV1Examples(): ExampleCheck[] {
  return readdirSync(EXAMPLES)
    .filter((file) => file.endsWith('.csv'))
    .map((file) => {
      const bytes = readFileSync(new URL(file, EXAMPLES));
      const text = new TextDecoder(file.includes('iso-8859-1') ? 'latin1' : 'utf-8').decode(bytes);
      const [head = '', ...lines] = text.split(/\r?\n/);
      const errors: ExampleCheck['errors'] = [];
      try {
        const header = readHeader(splitFields(head, MAX_FIELD_CHARS));
        lines.forEach((line, i) => {
          const problem = line === '' ? undefined : rowProblem(header, line);
          if (problem) errors.push({ code: problem.code, message: `line ${i + 2}: ${problem.message}` });
        });
      } catch (error) {
        errors.push({ code: 'CSV_HEADER_INVALID', message: (error as Error).message });
      }
      return { file, type: 'logement', errors };
    });
}

/** Why a line would be rejected by the import, or undefined when it maps to a logement. */
function rowProblem(header: Header, line: string): { code: string; message: string } | undefined {
  const fields = splitFields(line, MAX_FIELD_CHARS);
  if (!Array.isArray(fields)) return fields;
  const row = rowOf(header, fields);
  if ('code' in row) return row;
  const mapped = mapRow(row, new Date().getFullYear());
  return 'error' in mapped ? mapped.error : undefined;
}
