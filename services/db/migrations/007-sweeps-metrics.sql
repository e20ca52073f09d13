-- The renewal sweep at 2.7 million active demandes, the retention purge, and the counters behind
-- GET /metrics.

-- The échéance for which the last préavis went out (the `preavis` table keeps every one). A demande
-- whose préavis for its current échéance was sent drops out of `demandes_preavis_a_envoyer`, so the
-- daily sweep never reads nor locks it again; a renouvellement moves `date_echeance` and brings it back.
ALTER TABLE demandes ADD COLUMN preavis_echeance date;
UPDATE demandes d SET preavis_echeance = d.date_echeance
 WHERE EXISTS (SELECT 1 FROM preavis p WHERE p.numero_unique = d.numero_unique AND p.date_echeance = d.date_echeance);

-- Stored (and so analysed): the planner knows how few demandes wait for their préavis, which it
-- cannot estimate from a comparison of two columns.
ALTER TABLE demandes ADD COLUMN preavis_a_envoyer boolean
  GENERATED ALWAYS AS (preavis_echeance IS DISTINCT FROM date_echeance) STORED;
-- The sweep's préavis phase: keyset pages on (date_echeance, numero_unique) over the active demandes
-- still waiting for the préavis of their échéance — about one day of échéances on an ordinary day.
CREATE INDEX demandes_preavis_a_envoyer ON demandes (date_echeance, numero_unique)
  WHERE statut = 'active' AND preavis_a_envoyer;
-- The sweep's radiation phase: keyset pages over the active demandes whose échéance passed a month
-- ago. Replaces the index on date_echeance alone (same predicate, same leading column).
DROP INDEX demandes_echeance_active;
CREATE INDEX demandes_echeance_active ON demandes (date_echeance, numero_unique) WHERE statut = 'active';

-- Retention: when the personal data of a radiée demande were erased (null while they are kept).
ALTER TABLE demandes ADD COLUMN donnees_purgees_le date;
-- The retention phase: radiée demandes not purged yet, by radiation date. A reactivated demande is
-- active again and leaves the index.
CREATE INDEX demandes_a_purger ON demandes (date_radiation, numero_unique)
  WHERE statut = 'radiee' AND donnees_purgees_le IS NULL;
-- The messages of a demande found from its history (applied messages) and its attribution.
CREATE INDEX demande_historique_message ON demande_historique (message_id) WHERE message_id IS NOT NULL;

-- The last run of each sweep, for GET /metrics.
CREATE INDEX audit_sweeps ON audit (action, id) WHERE action LIKE 'sweep.%';

-- Counters for GET /metrics without counting millions of rows at each scrape. Triggers append
-- signed deltas (insert only: concurrent writers never wait on a shared counter row) and the
-- metrics route folds them into one row per key now and then.
CREATE TABLE metric_counts (
  metric  text NOT NULL,
  labels  text[] NOT NULL,
  n       bigint NOT NULL
);
CREATE INDEX metric_counts_metric ON metric_counts (metric);

INSERT INTO metric_counts (metric, labels, n)
SELECT 'messages', ARRAY[system, status], count(*) FROM messages GROUP BY system, status;
INSERT INTO metric_counts (metric, labels, n)
SELECT 'deliveries', ARRAY[status], count(*) FROM deliveries GROUP BY status;

-- Apply latency, from acceptance (the 202) to a terminal status, in the buckets of GET /metrics.
-- `le` is the bucket's upper bound in seconds ('+Inf' for the last); `sum` the seconds observed.
CREATE TABLE metric_latency (
  le   text NOT NULL,
  n    bigint NOT NULL,
  sum  double precision NOT NULL
);

CREATE FUNCTION metric_latency_bucket(seconds double precision) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce((SELECT b::text FROM unnest(ARRAY[0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600]::float8[]) b
                    WHERE seconds <= b ORDER BY b LIMIT 1), '+Inf')
$$;

CREATE FUNCTION metric_messages_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO metric_counts (metric, labels, n)
  SELECT 'messages', ARRAY[system, status], count(*) FROM new_rows GROUP BY system, status;
  RETURN NULL;
END $$;

CREATE FUNCTION metric_messages_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO metric_counts (metric, labels, n)
  SELECT 'messages', ARRAY[c.system, c.status], sum(c.n) FROM (
      SELECT n.system, n.status, 1 AS n FROM new_rows n JOIN old_rows o USING (id) WHERE n.status <> o.status
      UNION ALL
      SELECT o.system, o.status, -1 FROM new_rows n JOIN old_rows o USING (id) WHERE n.status <> o.status) c
   GROUP BY c.system, c.status;
  INSERT INTO metric_latency (le, n, sum)
  SELECT metric_latency_bucket(s), count(*), sum(s) FROM (
      SELECT extract(epoch FROM now() - n.received_at)::float8 AS s
        FROM new_rows n JOIN old_rows o USING (id)
       WHERE n.status IN ('applied', 'failed') AND o.status NOT IN ('applied', 'failed', 'rejected', 'discarded')) t
   GROUP BY 1;
  RETURN NULL;
END $$;

CREATE FUNCTION metric_messages_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO metric_counts (metric, labels, n)
  SELECT 'messages', ARRAY[system, status], -count(*) FROM old_rows GROUP BY system, status;
  RETURN NULL;
END $$;

CREATE TRIGGER messages_metric_insert AFTER INSERT ON messages
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION metric_messages_inserted();
CREATE TRIGGER messages_metric_update AFTER UPDATE ON messages
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION metric_messages_updated();
CREATE TRIGGER messages_metric_delete AFTER DELETE ON messages
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION metric_messages_deleted();

CREATE FUNCTION metric_deliveries_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO metric_counts (metric, labels, n)
  SELECT 'deliveries', ARRAY[status], count(*) FROM new_rows GROUP BY status;
  RETURN NULL;
END $$;

CREATE FUNCTION metric_deliveries_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO metric_counts (metric, labels, n)
  SELECT 'deliveries', ARRAY[c.status], sum(c.n) FROM (
      SELECT n.status, 1 AS n FROM new_rows n JOIN old_rows o USING (id) WHERE n.status <> o.status
      UNION ALL
      SELECT o.status, -1 FROM new_rows n JOIN old_rows o USING (id) WHERE n.status <> o.status) c
   GROUP BY c.status;
  RETURN NULL;
END $$;

CREATE FUNCTION metric_deliveries_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO metric_counts (metric, labels, n)
  SELECT 'deliveries', ARRAY[status], -count(*) FROM old_rows GROUP BY status;
  RETURN NULL;
END $$;

CREATE TRIGGER deliveries_metric_insert AFTER INSERT ON deliveries
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION metric_deliveries_inserted();
CREATE TRIGGER deliveries_metric_update AFTER UPDATE ON deliveries
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION metric_deliveries_updated();
CREATE TRIGGER deliveries_metric_delete AFTER DELETE ON deliveries
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION metric_deliveries_deleted();

-- `j` without the given keys, at any depth: the retention purge removes personal keys from the
-- copies of a demande (services/core/retention.ts names them).
CREATE FUNCTION sne_sans_cles(j jsonb, cles text[]) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF j IS NULL THEN RETURN NULL; END IF;
  CASE jsonb_typeof(j)
    WHEN 'object' THEN
      RETURN coalesce((SELECT jsonb_object_agg(k, sne_sans_cles(v, cles)) FROM jsonb_each(j) AS e(k, v)
                        WHERE NOT (k = ANY (cles))), '{}'::jsonb);
    WHEN 'array' THEN
      RETURN coalesce((SELECT jsonb_agg(sne_sans_cles(v, cles) ORDER BY i)
                         FROM jsonb_array_elements(j) WITH ORDINALITY AS a(v, i)), '[]'::jsonb);
    ELSE RETURN j;
  END CASE;
END $$;
