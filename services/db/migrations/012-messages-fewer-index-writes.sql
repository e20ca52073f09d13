-- A message's outcome changes its `status`, so the UPDATE that records it is never a HOT update:
-- PostgreSQL writes a new entry for the message in every index of `messages`, however little the
-- index has to do with the change. With a lot of 500 that was 11 B-tree entries per message at the
-- outcome, on top of 12 at the intake. What each index now costs the hot path (intake, then the
-- outcome of an applied message), and what still serves each operator filter:
--
-- status → messages_status_seq, now partial: applied messages, the overwhelming majority, are not
--   in it (an operator selecting `applied` gets the newest-first walk of messages_seq_key, which
--   finds one nearly every row). message-filter.ts repeats the predicate so the planner uses it.
CREATE INDEX messages_status_seq_open ON messages (status, seq) WHERE status <> 'applied';
DROP INDEX messages_status_seq;
ALTER INDEX messages_status_seq_open RENAME TO messages_status_seq;

-- The console's summary of messages waiting for an operator (message-summary.ts): only `failed`
-- and `rejected` are ever summarised, so only they are kept.
CREATE INDEX messages_waiting_operator ON messages (status, received_at) WHERE status IN ('failed', 'rejected');
DROP INDEX messages_status;

-- from / to and receivedSince / receivedUntil: BRIN indexes. Messages are written in the order they
-- arrive and their outcome follows within seconds, so both times mostly follow the table's physical
-- order; a BRIN entry per 128 pages replaces an entry per message (a B-tree of these times was
-- written again by every outcome). `minmax_multi`: a range keeps several intervals, not one, so the
-- exceptions (a message replayed or purged years after it arrived, a new row in space a vacuum freed
-- in an old page) widen only their own interval instead of the whole range's.
CREATE INDEX messages_updated_at_brin ON messages USING brin (updated_at timestamptz_minmax_multi_ops);
DROP INDEX messages_updated_at;
ALTER INDEX messages_updated_at_brin RENAME TO messages_updated_at;
CREATE INDEX messages_received_at_brin ON messages USING brin (received_at timestamptz_minmax_multi_ops);
DROP INDEX messages_received_at;
ALTER INDEX messages_received_at_brin RENAME TO messages_received_at;
