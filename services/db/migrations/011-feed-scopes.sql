-- The events feed reads a client's scope from its cursor on (services/pipeline/events.ts scopeOf):
-- one index per kind of scope, so that a client seeing 1 event in 10,000 reads only its own rows.
-- guichet, bailleur: events_departement (002). dalo: demandes with a DALO decision. contingent:
-- the prioritaires and its désignations. bailleur: the désignations of its logements. The partial
-- ones cost the pipeline only for the rare events they hold.
CREATE INDEX events_dalo ON events (departement, sequence)
  WHERE dalo_decision IS NOT NULL AND type <> 'fr.sne.designation.creee.v1';
CREATE INDEX events_prioritaire ON events (departement, sequence)
  WHERE (prioritaire OR dalo_decision = 'prioritaire-urgent') AND type <> 'fr.sne.designation.creee.v1';
CREATE INDEX events_designation_bailleur ON events (bailleur, sequence)
  WHERE type = 'fr.sne.designation.creee.v1';
CREATE INDEX events_designation_client ON events (client_id, sequence)
  WHERE type = 'fr.sne.designation.creee.v1';

-- The notification now says what the statement committed, so that a long-poll wakes only when
-- something of its scope arrived (events.ts summaryInScope mirrors scopeOf over it): the
-- départements of demande events (`d`), of those with a DALO decision (`dalo`), of the
-- prioritaires (`prio`), and the bailleurs (`b`) and contingent clients (`c`) of désignations.
-- Over NOTIFY's 8000-byte limit the payload is empty, which wakes every reader.
CREATE OR REPLACE FUNCTION notify_events() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  summary text;
BEGIN
  SELECT json_build_object(
    'd', coalesce(json_agg(DISTINCT departement) FILTER (WHERE type <> 'fr.sne.designation.creee.v1'), '[]'),
    'dalo', coalesce(json_agg(DISTINCT departement) FILTER (
      WHERE type <> 'fr.sne.designation.creee.v1' AND dalo_decision IS NOT NULL), '[]'),
    'prio', coalesce(json_agg(DISTINCT departement) FILTER (
      WHERE type <> 'fr.sne.designation.creee.v1' AND (prioritaire OR dalo_decision = 'prioritaire-urgent')), '[]'),
    'b', coalesce(json_agg(DISTINCT bailleur) FILTER (WHERE type = 'fr.sne.designation.creee.v1'), '[]'),
    'c', coalesce(json_agg(DISTINCT client_id) FILTER (WHERE type = 'fr.sne.designation.creee.v1'), '[]')
  )::text INTO summary FROM inserted;
  IF octet_length(summary) >= 8000 THEN
    summary := '';
  END IF;
  PERFORM pg_notify('sne_events', summary);
  RETURN NULL;
END $$;
DROP TRIGGER events_notify ON events;
CREATE TRIGGER events_notify AFTER INSERT ON events REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION notify_events();
