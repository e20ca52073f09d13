import type { FINANCEMENTS, LogementRecord, TYPES_CONSTRUCTION } from '../../../services/core/parc.ts';
import { departementOfCommune } from '../../../services/core/territoire.ts';
import { loadContract } from '../../shared/contract.ts';
import { COLUMNS, type RplsRow } from './header.ts';

/** RPLS v1: `contracts/rpls/v1/logement.schema.json`, a data row as JSON. */
export const rplsV1Contract = loadContract(
  new URL('../../../contracts/rpls/v1/', import.meta.url),
  ['logement'],
  {
    shared: [],
  },
);

/** Oldest `annee_achevement` accepted: older means a typing error. */
export const OLDEST_YEAR = 1600;

export type MappedRow =
  | { record: LogementRecord }
  /** A rejected row; `identifiantRpls` when the row still names a logement validly. */
  | { error: { code: string; message: string }; identifiantRpls?: string };

/**
 * A row → the canonical logement (pure). Fields are trimmed, checked against the contract, then:
 * the commune must be a current INSEE commune (its département is the logement's), the year not
 * after `thisYear`, the surface more than 0. Every fault of the row is named in one error.
 */
export function mapRow(raw: RplsRow, thisYear: number): MappedRow {
  const row = {} as RplsRow;
  for (const column of COLUMNS) row[column] = raw[column].trim();
  const faults = rplsV1Contract
    .validate('logement', row)
    .map((error) => ({ code: error.code, message: `${(error.path ?? '').slice(1)} ${error.message}` }));
  const departement = departementOfCommune(row.code_commune);
  if (!faults.some((f) => f.message.startsWith('code_commune')) && !departement) {
    faults.push({
      code: 'COMMUNE_INCONNUE',
      message: `code_commune ${row.code_commune} is not a current INSEE commune`,
    });
  }
  const annee = Number(row.annee_achevement);
  if (/^[0-9]{4}$/.test(row.annee_achevement) && (annee < OLDEST_YEAR || annee > thisYear)) {
    faults.push({
      code: 'CONTRACT_INVALID',
      message: `annee_achevement must lie between ${OLDEST_YEAR} and ${thisYear}`,
    });
  }
  const surface = Number(row.surface_habitable.replace(',', '.'));
  if (surface === 0)
    faults.push({ code: 'CONTRACT_INVALID', message: 'surface_habitable must be more than 0' });

  const first = faults[0];
  if (first || !departement) {
    const error = {
      code: first?.code ?? 'CONTRACT_INVALID',
      message: `${faults.map((f) => f.message).join('; ')}.`,
    };
    return /^[0-9A-Z]{10}$/.test(row.identifiant_rpls)
      ? { error, identifiantRpls: row.identifiant_rpls }
      : { error };
  }
  return {
    record: {
      identifiantRpls: row.identifiant_rpls,
      sirenBailleur: row.siren_bailleur,
      codeCommune: row.code_commune,
      departement,
      nbPieces: Number(row.nb_pieces),
      surfaceHabitable: surface,
      typeConstruction: row.type_construction as (typeof TYPES_CONSTRUCTION)[number],
      anneeAchevement: annee,
      financement: row.financement as (typeof FINANCEMENTS)[number],
      conventionne: row.conventionne === '1',
      qpv: row.qpv === '1',
    },
  };
}
