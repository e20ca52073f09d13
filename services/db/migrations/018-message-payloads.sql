-- A message's payload (its raw text as received, its canonical command) in a table of its own,
-- written once by the intake. On `messages` it made a row of about 1.3 KB, six to a page, which the
-- outcome's UPDATE wrote whole a second time, on another page (bench:pipeline's WAL profile: 1.3 KB
-- of WAL a message for that second copy alone). `messages` keeps what changes: status, outcome,
-- attempts; its rows are now a few hundred bytes.
-- The copy below is one statement; dropping the columns does not rewrite `messages` (their space
-- comes back as the rows are updated, or with VACUUM FULL). The operators' revisions
-- (`message_revisions`) keep their own payloads, as before.
CREATE TABLE message_payloads (
  message_id  uuid PRIMARY KEY,
  raw         text NOT NULL,
  canonical   jsonb
);

INSERT INTO message_payloads (message_id, raw, canonical) SELECT id, raw, canonical FROM messages;

ALTER TABLE messages DROP COLUMN raw, DROP COLUMN canonical;
