-- A delivery's status is one of DELIVERY_STATUSES (services/pipeline/webhooks/delivery-queries.ts):
-- GET /ops/deliveries reads one index range per status, so a row of any other status would be
-- listed by no filter at all. NOT VALID: checked on every row written from now on, without reading
-- the table's existing rows under the migration's lock (every writer since migration 002 wrote one
-- of these four; `ALTER TABLE deliveries VALIDATE CONSTRAINT deliveries_status_known` checks them,
-- taking no lock that stops writes, when an operator wants it).
ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_known
  CHECK (status IN ('pending', 'delivered', 'failed', 'discarded')) NOT VALID;
