-- The numéro counters are read, locked and written by their id, `territoire || mois || annee`
-- (store-pg.ts): without an index on that expression each of the three statements of an apply
-- read every counter, and a year of national traffic leaves thousands of them.
CREATE INDEX numero_sequences_id ON numero_sequences ((territoire || mois || annee));
