-- The console's first screen (`GET /ops/messages/summary`) counts the messages waiting for an
-- operator by system and error code. Through messages_waiting_operator (status, received_at) it
-- fetched every failed message's row from the heap: failed messages are scattered over a table of
-- millions, so a summary of 100,000 of them read 22,000 pages (0.9-1.7 s on 2 M messages).
--
-- `error_code` is `error->>'code'`, written with `error` (intake, apply, failure, replay): the index
-- below holds every column the summary reads, so the summary is an index-only scan (0.2 s cold),
-- grouped in the index's order. PostgreSQL plans an index-only scan of an expression only when the
-- expression's columns are in the index, and `error` cannot be: an index row holds at most 2,704
-- bytes, and a contract error lists every faulty field of a message, named by its sender (a lot
-- refused with `index row size … exceeds btree version 4 maximum 2704`). Like its sibling, the
-- index holds only failed and rejected messages: the hot path writes into it only for those.
-- A plain column the writers fill, not `GENERATED ALWAYS AS (error->>'code') STORED`: adding a stored
-- generated column rewrites the whole table under an exclusive lock, millions of messages long.
ALTER TABLE messages ADD COLUMN error_code text;
UPDATE messages SET error_code = error->>'code' WHERE status IN ('failed', 'rejected') AND error ? 'code';
CREATE INDEX messages_summary ON messages (status, system, error_code, received_at)
  WHERE status IN ('failed', 'rejected');
