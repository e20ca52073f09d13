-- The operators' console sessions (POST /ops/console/session). The browser's cookie holds a random
-- session id, never the operator's token: a cookie copied from a browser then opens at most a
-- working day of console, ends at sign-out, and names no credential the API takes from a script.
-- The hub keeps only the id's SHA-256 (no secret in clear) and the hash of the token the session
-- was opened with: a token rotated or revoked ends its sessions at once, as it ends the token.
CREATE TABLE console_sessions (
  id_hash    bytea PRIMARY KEY,
  client_id  text NOT NULL REFERENCES clients (id),
  token_hash bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
-- Expired sessions are deleted when the next one opens (`openSession`).
CREATE INDEX console_sessions_expires ON console_sessions (expires_at);
