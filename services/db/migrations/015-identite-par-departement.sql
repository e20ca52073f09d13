-- DALO's search of a person's demandes (priority-queries-pg.ts: `identite_hash = $1 AND departement
-- = ANY($2)`) had a hash index on `identite_hash` alone (migration 010). A hash spreads the keys of
-- every département over the whole index, so each new demande's insert wrote a random page of it:
-- on a registry of 3 million demandes (80 MB of index, beyond the cache), 19,316 of the 29,800
-- full-page images the WAL took during `BENCH_REGISTRY_DEMANDES=3000000 npm run bench:pipeline`
-- (pg_walinspect, per relation), two thirds of them. Led by the département, the new demandes of a
-- guichet or a bailleur land in their département's part of the index, as they already do in
-- demandes_identite_active, and the search reads one range per département asked.
CREATE INDEX demandes_identite_departement ON demandes (departement, identite_hash);
DROP INDEX demandes_identite;
ALTER INDEX demandes_identite_departement RENAME TO demandes_identite;
