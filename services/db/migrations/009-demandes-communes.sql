-- GET /sne/demandes?commune=: the demandes whose communes souhaitées include a commune. A GIN index
-- on the array serves `communes_souhaitees @> ARRAY[code]` (the query writes that form; `= ANY(...)`
-- cannot use it). Without it the filter read every demande of the départements listed.
CREATE INDEX demandes_communes ON demandes USING gin (communes_souhaitees);
