-- The console's first screen (`GET /ops/messages/summary`) counts the messages waiting for an
-- operator by system and error code. Through messages_waiting_operator (status, received_at) it
-- fetched every failed message's row from the heap: failed messages are scattered over a table of
-- millions, so a summary of 100,000 of them read 22,000 pages (0.9-1.7 s on 2 M messages).
-- This index holds what the summary reads, so it is an index-only scan (0.2 s cold), grouped in the
-- index's order. `error` is included because PostgreSQL's planner considers an index-only scan
-- only when the columns an expression reads are in the index, not just the expression. Like its
-- sibling it holds only failed and rejected messages: the hot path writes into it only for those.
CREATE INDEX messages_summary ON messages (status, system, (error->>'code'), received_at) INCLUDE (error)
  WHERE status IN ('failed', 'rejected');
