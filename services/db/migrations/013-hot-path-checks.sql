-- The hot path's row-by-row checks. PostgreSQL checks a foreign key with one query per inserted row
-- (an RI trigger, then a `SELECT ... FOR KEY SHARE` of the parent): a lot of 500 enregistrements
-- paid 3,000 of them (the message's client and lot, two pending keys, its attempt, its history line),
-- a third of the intake statement's time and about 10 ms of the apply's.
--
-- These five keys are dropped. Each child row is written by one code path, in the statement or the
-- transaction that writes or locks its parent, and no parent is ever deleted (clients are revoked,
-- messages and demandes are kept and purged in place):
--   messages → lots, clients      intake.ts storeAll: the lot in the same statement; the client is
--                                 the authenticated caller, read from `clients` by the request
--   pending_keys → messages       intake.ts storeAll, same statement (RETURNING); replay, locked row
--   message_attempts → messages   apply-worker.ts, from the messages the same statement updated
--   demande_historique → demandes the registry store saves the demande and its line together
-- services/db/integrity.ts orphanCounts checks that no child row lacks its parent: at the end of
-- the fault suite (test/faults/, crashes of every part) and after a poisoned lot's isolation. The
-- pending keys' ON DELETE CASCADE goes with their key: no message is ever deleted.
ALTER TABLE messages DROP CONSTRAINT messages_lot_id_fkey;
ALTER TABLE messages DROP CONSTRAINT messages_client_id_fkey;
ALTER TABLE pending_keys DROP CONSTRAINT pending_keys_message_id_fkey;
ALTER TABLE message_attempts DROP CONSTRAINT message_attempts_message_id_fkey;
ALTER TABLE demande_historique DROP CONSTRAINT demande_historique_numero_unique_fkey;

-- The latency bucket, as a CASE the planner inlines (it was a subquery over an array, run per row).
CREATE OR REPLACE FUNCTION metric_latency_bucket(seconds double precision) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN seconds <= 0.05 THEN '0.05' WHEN seconds <= 0.1 THEN '0.1' WHEN seconds <= 0.25 THEN '0.25'
    WHEN seconds <= 0.5 THEN '0.5' WHEN seconds <= 1 THEN '1' WHEN seconds <= 2.5 THEN '2.5'
    WHEN seconds <= 5 THEN '5' WHEN seconds <= 10 THEN '10' WHEN seconds <= 30 THEN '30'
    WHEN seconds <= 60 THEN '60' WHEN seconds <= 300 THEN '300' WHEN seconds <= 1800 THEN '1800'
    WHEN seconds <= 3600 THEN '3600' ELSE '+Inf' END
$$;

-- Status changes: the transition tables are joined once (they were joined twice).
CREATE OR REPLACE FUNCTION metric_messages_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH changed AS MATERIALIZED (
         SELECT n.system, n.status AS became, o.status AS was, n.received_at
           FROM new_rows n JOIN old_rows o USING (id) WHERE n.status <> o.status),
       counted AS (
         INSERT INTO metric_counts (metric, labels, n)
         SELECT 'messages', ARRAY[c.system, c.status], sum(c.n) FROM (
             SELECT system, became AS status, 1 AS n FROM changed
             UNION ALL
             SELECT system, was, -1 FROM changed) c
          GROUP BY c.system, c.status)
  INSERT INTO metric_latency (le, n, sum)
  SELECT metric_latency_bucket(s), count(*), sum(s) FROM (
      SELECT extract(epoch FROM now() - received_at)::float8 AS s FROM changed
       WHERE became IN ('applied', 'failed') AND was NOT IN ('applied', 'failed', 'rejected', 'discarded')) t
   GROUP BY 1;
  RETURN NULL;
END $$;
