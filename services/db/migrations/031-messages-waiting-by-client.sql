-- An operator's failed (or rejected) messages of one client, newest first (`GET /ops/messages?client=
-- &status=failed`), and a bulk replay of them, chunk by chunk in `seq` order: through the indexes
-- there were, PostgreSQL read every failed message of every client by their arrival (the partial
-- index of the retention purge, or messages_waiting_operator) and sorted the client's, 160 ms a
-- page and 300-800 ms a replay chunk of 500 on 2 M messages (bench:ops-messages' database, 100,000
-- failed). One range of this index instead. Like its siblings it holds only failed and rejected
-- messages: the hot path writes into it only for those.
CREATE INDEX messages_waiting_client ON messages (status, client_id, seq)
  WHERE status IN ('failed', 'rejected');

-- A message's error code says its status (a DOUBLON is failed, a contract error rejected): with the
-- status a literal (message-filter.ts), the planner took `status = 'failed' AND error->>'code' = …`
-- for two independent conditions, expected a few dozen rows where there were 20,000, and read and
-- sorted them all (140 ms) rather than walk messages_error_code_seq to its first page (0.3 ms).
-- These statistics (ANALYZE fills them) tell it how the two go together.
CREATE STATISTICS messages_status_error_code (dependencies, mcv) ON status, (error->>'code') FROM messages;
