import type { LogementRecord } from '../core/parc.ts';

/**
 * One row of an RPLS staging table in PostgreSQL's COPY text format (columns as `STAGING_COLUMNS`
 * in parc-staging.ts): fields separated by a tab, `\N` for NULL, the line ended by a newline.
 */

const NULL = '\\N';
/** The characters the text format gives a meaning to: escaped in a value. */
const SPECIAL = /[\\\t\n\r]/;

/** A text value escaped for the COPY text format (RPLS values never need it, a rejected row might). */
function text(value: string | undefined): string {
  if (value === undefined) return NULL;
  if (!SPECIAL.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

function number(value: number | undefined): string {
  return value === undefined ? NULL : String(value);
}

function boolean(value: boolean | undefined): string {
  return value === undefined ? NULL : value ? 't' : 'f';
}

/**
 * The staging row of line `line`: the logement as mapped, or, for a rejected row that still names
 * its logement (`record` undefined), that identifiant alone, not valid.
 */
export function copyRow(line: number, identifiantRpls: string, record: LogementRecord | undefined): string {
  if (record === undefined) {
    return `${text(identifiantRpls)}\t${line}\tf\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\n`;
  }
  return `${text(identifiantRpls)}\t${line}\tt\t${text(record.sirenBailleur)}\t${text(record.codeCommune)}\t${text(
    record.departement,
  )}\t${number(record.nbPieces)}\t${number(record.surfaceHabitable)}\t${text(record.typeConstruction)}\t${number(
    record.anneeAchevement,
  )}\t${text(record.financement)}\t${boolean(record.conventionne)}\t${boolean(record.qpv)}\n`;
}
