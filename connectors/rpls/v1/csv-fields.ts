/**
 * The fields of one CSV line: `;` separated, a field may be quoted (`"…"`, a quote doubled inside),
 * and never spans lines (transport.ts). Broken lines give an error instead of fields.
 */

export const SEPARATOR = ';';

export type Fields = string[] | { code: string; message: string };

/** Splits `text` into fields; a field longer than `maxFieldChars` is an error. */
export function splitFields(text: string, maxFieldChars: number): Fields {
  // The common case: no quote at all.
  const fields = text.includes('"') ? splitQuoted(text) : text.split(SEPARATOR);
  if (!Array.isArray(fields)) return fields;
  for (let i = 0; i < fields.length; i++) {
    if ((fields[i] as string).length > maxFieldChars) {
      return {
        code: 'CSV_FIELD_TOO_LONG',
        message: `Field ${i + 1} is longer than ${maxFieldChars} characters.`,
      };
    }
  }
  return fields;
}

function splitQuoted(text: string): Fields {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    const column = fields.length + 1;
    if (text[i] === '"') {
      let value = '';
      let from = i + 1;
      for (;;) {
        const quote = text.indexOf('"', from);
        if (quote === -1) {
          return {
            code: 'CSV_QUOTE_UNTERMINATED',
            message: `The quoted field ${column} is not closed on its line.`,
          };
        }
        value += text.slice(from, quote);
        if (text[quote + 1] === '"') {
          value += '"';
          from = quote + 2;
          continue;
        }
        i = quote + 1;
        break;
      }
      fields.push(value);
      if (i === text.length) return fields;
      if (text[i] !== SEPARATOR) {
        return {
          code: 'CSV_QUOTE_INVALID',
          message: `Field ${column}: characters follow its closing quote.`,
        };
      }
      i++;
    } else {
      const separator = text.indexOf(SEPARATOR, i);
      const end = separator === -1 ? text.length : separator;
      const value = text.slice(i, end);
      if (value.includes('"')) {
        return {
          code: 'CSV_QUOTE_INVALID',
          message: `Field ${column}: a quote inside an unquoted field (quote the whole field and double the quote).`,
        };
      }
      fields.push(value);
      if (separator === -1) return fields;
      i = separator + 1;
    }
  }
}
