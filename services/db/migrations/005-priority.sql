-- The contingent's priority list (GET /connectors/contingent/v1/demandes): active demandes
-- labellisées or DALO prioritaire-urgent, by département, keyset-paginated by numéro. A few percent
-- of the demandes at most, so a partial index stays small; the query writes the same predicate.
CREATE INDEX demandes_priorite ON demandes (departement, numero_unique)
  WHERE statut = 'active' AND (prioritaire IS NOT NULL OR dalo->>'decision' = 'prioritaire-urgent');
