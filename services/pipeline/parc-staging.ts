/**
 * The staging table of one RPLS import, `rpls_staging."<import id>"` (migration 003): the rows of
 * the file as received, valid or not. Rejected rows that still name a logement validly are kept
 * (`valid = false`, the rest NULL) so that a snapshot does not take that logement for gone.
 */

/** The quoted name of an import's staging table; the id is a UUID the hub generated. */
export function stagingTable(importId: string): string {
  if (!/^[0-9a-f-]{36}$/.test(importId)) throw new Error(`not an import id: ${importId}`);
  return `rpls_staging."${importId}"`;
}

/**
 * The staging table, without its key: rows are COPYed in as they stream, and a key built once at
 * the end (`addStagingKeySql`) costs far less than one checked row by row.
 */
export function createStagingSql(importId: string): string {
  // No constraint at all while rows stream in: the rows were validated by the connector, and each
  // constraint costs a check per row of a million-row file.
  return `CREATE TABLE ${stagingTable(importId)} (
    identifiant_rpls  text NOT NULL,
    line              integer NOT NULL,
    valid             boolean NOT NULL,
    siren_bailleur    text,
    code_commune      text,
    departement       text,
    nb_pieces         smallint,
    surface_habitable numeric(7, 2),
    type_construction text,
    annee_achevement  smallint,
    financement       text,
    conventionne      boolean,
    qpv               boolean
  )`;
}

/** The columns a file gives a logement, in `logements` and in the staging table alike. */
export const FILE_COLUMNS = [
  'siren_bailleur',
  'code_commune',
  'departement',
  'nb_pieces',
  'surface_habitable',
  'type_construction',
  'annee_achevement',
  'financement',
  'conventionne',
  'qpv',
] as const;

/** The columns in the order `stagingRow` writes them for `COPY … FROM STDIN`. */
export const STAGING_COLUMNS = ['identifiant_rpls', 'line', 'valid', ...FILE_COLUMNS] as const;

/**
 * `COPY` of the rows into the staging table, in PostgreSQL's text format. `FREEZE`: the table was
 * created in the same transaction, so its rows can be written frozen; the merge that reads them then
 * has no hint bits to set, which would otherwise dirty (and write again) every page of the table.
 */
export function copyStagingSql(importId: string): string {
  return `COPY ${stagingTable(importId)} (${STAGING_COLUMNS.join(', ')}) FROM STDIN WITH (FREEZE)`;
}

/** The key the merge joins on; fails (23505) while an identifiant appears twice. */
export function addStagingKeySql(importId: string): string {
  return `ALTER TABLE ${stagingTable(importId)} ADD PRIMARY KEY (identifiant_rpls)`;
}
