-- A message's ordering keys, with its payload: the apply reads them there (the claim joins the
-- payload already) and releases their rows of pending_keys by its primary key, (key, seq). Read
-- through pending_keys_message, (message_id), they cost that index two entries per message at
-- intake and a probe per message at the claim and at the release; the index goes.
-- Only the messages not done have keys pending: the copy below is the backlog's, not the history's.
-- The retention purge erases the column with the rest of the personal data (an identity hash).
ALTER TABLE message_payloads ADD COLUMN ordering_keys text[];

UPDATE message_payloads p SET ordering_keys = k.keys
  FROM (SELECT message_id, array_agg(key ORDER BY key) AS keys FROM pending_keys GROUP BY message_id) k
 WHERE p.message_id = k.message_id;

DROP INDEX pending_keys_message;
