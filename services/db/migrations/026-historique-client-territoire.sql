-- The guichets' quality (`GET /infocentre/guichets/qualite`) counts a département's history lines
-- by the client that wrote them. By (client_id, date_effet), a client acting in several
-- départements (a national one: ['*']) had all its lines of the period in France read, then
-- joined to `demandes` to keep those of the département: each département's report cost what the
-- nation's did. A numéro unique starts with its territory's code (`059`), for the demande's whole
-- life: this index reads one client's lines of one territory and period as one range.
DROP INDEX infocentre_historique_client;
CREATE INDEX infocentre_historique_client ON demande_historique (client_id, left(numero_unique, 3), date_effet)
  INCLUDE (kind);
