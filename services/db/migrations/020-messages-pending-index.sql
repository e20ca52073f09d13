-- Fewer index entries per message (bench:pipeline under `perf record -a -g`: B-tree inserts were a
-- third of PostgreSQL's CPU, and `messages` takes the most of them: every index once at intake, and
-- again at the outcome, which changes `status` and so is never a HOT update).
--
-- messages_pending, (job_id) WHERE status IN ('accepted', 'processing'), gave each message an entry
-- from its intake to its outcome. Its one reader, the reconciler, asks for every message not done,
-- whatever its job: messages_status_seq, (status, seq) WHERE status <> 'applied', holds those too,
-- and reconciler.ts repeats that predicate so the planner may use it.
DROP INDEX messages_pending;
