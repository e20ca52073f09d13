import type { FINANCEMENTS, LogementRecord, TYPES_CONSTRUCTION } from '../../../services/core/parc.ts';
import { departementOfCommune } from '../../../services/core/territoire.ts';
import { COLUMNS, type Column, type Header } from './header.ts';
import { OLDEST_YEAR } from './mapper.ts';

/**
 * The fast path of an RPLS row: one regular expression over the whole line, built from the header,
 * that only a clean row matches (no quote, no space around a field, every field as the contract
 * wants it). A matching row is mapped here; any other row, and any row whose commune, year or
 * surface would be refused, goes the slow way (csv-fields, the contract's validator, mapper.ts),
 * which names its faults. So this path accepts a subset of what mapper.ts accepts, with the same
 * record: it changes the speed of the import (the contract's validator costs about 2 µs a row,
 * most of the JavaScript time of a national file), never its outcome.
 */

/** Each column's pattern, as `contracts/rpls/v1/logement.schema.json` (same order as COLUMNS). */
const PATTERNS: Record<Column, string> = {
  identifiant_rpls: '[0-9A-Z]{10}',
  siren_bailleur: '[0-9]{9}',
  code_commune: '[0-9][0-9AB][0-9]{3}',
  nb_pieces: '[0-9]|1[0-9]|20',
  surface_habitable: '[0-9]{1,4}(?:[.,][0-9]{1,2})?',
  type_construction: 'COLLECTIF|INDIVIDUEL',
  annee_achevement: '[0-9]{4}',
  financement: 'PLAI|PLUS|PLS|PLI|HLMO|AUTRE',
  conventionne: '[01]',
  qpv: '[01]',
};

/** Maps a clean line to its record; undefined means "take the slow path". */
export type FastRow = (text: string) => LogementRecord | undefined;

/**
 * The fast path for files with this header, or undefined when the header has columns the contract
 * does not name (their fields could hold anything: the slow path splits such lines).
 */
export function fastRow(header: Header, thisYear: number): FastRow | undefined {
  if (header.width !== COLUMNS.length) return undefined;
  const groups: string[] = new Array(header.width);
  const group = {} as Record<Column, number>;
  for (const column of COLUMNS) {
    groups[header.positions[column]] = `(${PATTERNS[column]})`;
  }
  for (const column of COLUMNS) group[column] = header.positions[column] + 1;
  const line = new RegExp(`^${groups.join(';')}$`);
  return (text) => {
    const match = line.exec(text);
    if (!match) return undefined;
    const field = (column: Column) => match[group[column]] as string;
    const departement = departementOfCommune(field('code_commune'));
    const annee = Number(field('annee_achevement'));
    const surface = Number(field('surface_habitable').replace(',', '.'));
    if (!departement || annee < OLDEST_YEAR || annee > thisYear || surface === 0) return undefined;
    return {
      identifiantRpls: field('identifiant_rpls'),
      sirenBailleur: field('siren_bailleur'),
      codeCommune: field('code_commune'),
      departement,
      nbPieces: Number(field('nb_pieces')),
      surfaceHabitable: surface,
      typeConstruction: field('type_construction') as (typeof TYPES_CONSTRUCTION)[number],
      anneeAchevement: annee,
      financement: field('financement') as (typeof FINANCEMENTS)[number],
      conventionne: field('conventionne') === '1',
      qpv: field('qpv') === '1',
    };
  };
}
