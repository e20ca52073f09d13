-- The numéro counters are read, locked and written by their id, `territoire || mois || annee`
-- (store-pg.ts): without an index on that expression each of the three statements of an apply
-- read every counter, and a year of national traffic leaves thousands of them.
CREATE INDEX numero_sequences_id ON numero_sequences ((territoire || mois || annee));

-- DALO searches a person's demandes by identity hash, equality only (priority-queries-pg.ts). As a
-- B-tree over 64 hex characters, at 3 million demandes this index is the one a new demande's
-- insert reads at random (about one page read per demande beyond the cache, and a full-page
-- image in the WAL); a hash index stores 4-byte codes, half the size, and serves the same `=`.
DROP INDEX demandes_identite;
CREATE INDEX demandes_identite ON demandes USING hash (identite_hash);
