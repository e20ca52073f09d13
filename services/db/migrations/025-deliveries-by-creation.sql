-- Operators list webhook deliveries by creation time (`GET /ops/deliveries?from=&to=`, and in
-- general page after page). The list was ordered by `id`, a random uuid, and no index led with
-- `created_at`: a window of one hour out of a year of deliveries (tens of millions at national
-- volume) read the table through until it had found a page. The list is now ordered by
-- (created_at, id), which this index serves for a window, and `deliveries_status` for a status and
-- a client, the id added so that a page resumes inside one instant.
CREATE INDEX deliveries_created ON deliveries (created_at, id);
DROP INDEX deliveries_status;
CREATE INDEX deliveries_status ON deliveries (status, client_id, created_at, id);
