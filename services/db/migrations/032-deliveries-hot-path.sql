-- The webhook fan-out's row-by-row work, as migration 013 did for the messages. Measured with
-- `npm run bench:webhooks`: about 2.4 KB of WAL a delivery, and PostgreSQL half of the machine.
--
-- 1. Three foreign keys dropped: PostgreSQL checked each with one query per inserted row and a
--    `FOR KEY SHARE` lock of the parent (one more WAL record, and the event's and the client's rows
--    locked by every delivery made of them). Each child row is written by one code path that has
--    just read its parent, and no parent is deleted while it has children:
--      deliveries → clients           fanout.ts: the subscribers it reads, locked FOR UPDATE (their
--                                     cursor); clients are revoked, never deleted
--      deliveries → events            fanout.ts: the events it reads in the same statement; events
--                                     are kept (their personal data purged in place)
--      delivery_attempts → deliveries delivery.ts: the deliveries its claim just updated; the
--                                     retention sweep deletes a delivery with its attempts, in one
--                                     statement
--    services/db/integrity.ts orphanCounts checks them with the others.
-- 2. A claim's lease in a column of its own, `leased_until`, that no index holds. The claim moved
--    `next_attempt_at` forward, which `deliveries_pending` holds: every claim wrote a new entry in
--    each of the table's five indexes. Now it changes only columns no index names (attempts,
--    updated_at, leased_until), so PostgreSQL can make it a HOT update, in place on its page, when the
--    page has room: hence `fillfactor` 50 (new pages keep half their space; those already full are as
--    they were). The outcome's UPDATE changes `status`, indexed: it stays a full one.
--    `bench:webhooks` (200,000 deliveries), WAL a delivery, the lots' included: 2,785 B before;
--    2,679 B with the keys dropped and the lease apart but no fillfactor (5 % of the claims HOT);
--    2,390 B at fillfactor 70 (47 % HOT); 2,116 B at 50 (99 % HOT). Of a delivery's three row
--    versions, two reach the indexes now. The price is space kept free: right after the run the
--    table was 90 MiB (92 before, which held every delivery's dead versions until a vacuum), but a
--    vacuumed table fills new pages only half, up to twice the size of one packed full.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_client_id_fkey;
ALTER TABLE deliveries DROP CONSTRAINT deliveries_event_sequence_fkey;
ALTER TABLE delivery_attempts DROP CONSTRAINT delivery_attempts_delivery_id_fkey;
ALTER TABLE deliveries ADD COLUMN leased_until timestamptz;
ALTER TABLE deliveries SET (fillfactor = 50);
