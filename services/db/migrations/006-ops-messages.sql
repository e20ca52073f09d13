-- Operators' work on messages (interfaces.md §11): revisions, background bulk replays, and the
-- indexes behind GET /ops/messages and GET /ops/audit.

-- A message as received stays as received (`messages.raw`, `messages.canonical`). An operator's
-- corrected payload is a revision; `messages.revision` names the one the worker applies (0: the
-- message as received).
ALTER TABLE messages ADD COLUMN revision integer NOT NULL DEFAULT 0;

CREATE TABLE message_revisions (
  message_id  uuid NOT NULL REFERENCES messages,
  revision    integer NOT NULL,
  raw         text NOT NULL,
  canonical   jsonb NOT NULL,
  actor       text NOT NULL,
  reason      text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (message_id, revision)
);

-- A bulk replay too large to run within one request: its progress lives here (the BullMQ job only
-- carries the id). `max_seq` freezes what matched at the request: messages failing later are not
-- swept in.
CREATE TABLE ops_jobs (
  id           uuid PRIMARY KEY,
  kind         text NOT NULL,
  actor        text NOT NULL,
  reason       text NOT NULL,
  filter       jsonb NOT NULL,
  max_seq      bigint NOT NULL,
  status       text NOT NULL,
  matched      integer NOT NULL,
  replayed     integer NOT NULL DEFAULT 0,
  after_seq    bigint NOT NULL DEFAULT 0,
  error        text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz
);

-- GET /ops/messages pages newest first by `seq` (keyset: `seq < cursor ORDER BY seq DESC`). Each
-- filter has an index that yields its rows already in `seq` order, so a page reads about `limit`
-- index entries however many messages there are:
--   no filter                → messages_seq_key (the UNIQUE of 001)
--   status                   → messages_status_seq
--   client                   → messages_client_seq
--   system (and type)        → messages_system_type_seq
--   errorCode                → messages_error_code_seq (only failed and rejected messages carry one)
--   from / to                → messages_updated_at (the time of the last status change)
--   receivedSince / Until    → messages_status (status, received_at) of 001 with a status, else
--                              messages_received_at
CREATE INDEX messages_status_seq ON messages (status, seq);
CREATE INDEX messages_client_seq ON messages (client_id, seq);
CREATE INDEX messages_system_type_seq ON messages (system, type, seq);
CREATE INDEX messages_error_code_seq ON messages ((error->>'code'), seq) WHERE error IS NOT NULL;
CREATE INDEX messages_updated_at ON messages (updated_at);
CREATE INDEX messages_received_at ON messages (received_at);

-- GET /ops/audit pages newest first by id; by actor, by action, by time.
CREATE INDEX audit_actor ON audit (actor, id);
CREATE INDEX audit_action ON audit (action, id);
CREATE INDEX audit_at ON audit (at);
-- A message's audit lines (GET /ops/messages/{id}).
CREATE INDEX audit_target ON audit (target, id) WHERE target IS NOT NULL;
