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

export function createStagingSql(importId: string): string {
  // No constraint but the key: the rows were validated by the connector, and each constraint costs
  // a check per row of a million-row file.
  return `CREATE TABLE ${stagingTable(importId)} (
    identifiant_rpls  text PRIMARY KEY,
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
