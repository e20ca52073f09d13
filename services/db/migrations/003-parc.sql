-- The parc (RPLS) in full: the fields the RPLS connector imports, whether a logement is still in the
-- parc, and the imports themselves. A logement that leaves the parc (a snapshot import of its
-- bailleur no longer lists it) keeps its row, `statut = 'sorti'`: attributions and désignations
-- still name it, and a later import may bring it back.
ALTER TABLE logements
  ADD COLUMN surface_habitable numeric(7, 2),
  ADD COLUMN type_construction text,
  ADD COLUMN annee_achevement  smallint,
  ADD COLUMN financement       text,
  ADD COLUMN conventionne      boolean,
  ADD COLUMN qpv               boolean,
  -- The import that last changed the row, and for a logement sorti the import that found it gone.
  ADD COLUMN import_id         uuid,
  ADD COLUMN sorti_le          timestamptz,
  ADD COLUMN sorti_import_id   uuid,
  ADD COLUMN updated_at        timestamptz NOT NULL DEFAULT now(),
  ADD CONSTRAINT logements_statut CHECK (statut IN ('en-parc', 'sorti'));
-- A snapshot import marks the bailleur's logements missing from its file: found by SIREN.
CREATE INDEX logements_bailleur ON logements (siren_bailleur) WHERE statut = 'en-parc';

-- One row per RPLS import. `received`: the file is staged and committed (the 202 was sent), the
-- merge into `logements` is pending; `completed` or `failed` once it ran. A file refused while it
-- streamed (too many rejected rows) is stored `failed` with its errors, and nothing of it is kept.
CREATE TABLE rpls_imports (
  id           uuid PRIMARY KEY,
  client_id    text NOT NULL,
  mode         text NOT NULL CHECK (mode IN ('upsert', 'snapshot')),
  status       text NOT NULL CHECK (status IN ('received', 'completed', 'failed')),
  rows_read    integer NOT NULL,
  rejected     integer NOT NULL,
  inserted     integer NOT NULL DEFAULT 0,
  updated      integer NOT NULL DEFAULT 0,
  unchanged    integer NOT NULL DEFAULT 0,
  sortis       integer NOT NULL DEFAULT 0,
  -- The first 100 row errors by line: [{ line, code, message }].
  errors       jsonb NOT NULL DEFAULT '[]',
  -- Why a failed import failed (TOO_MANY_REJECTED, MERGE_FAILED).
  failure      text,
  -- The BullMQ job expected to merge it; the reconciler queues another when it is no longer live.
  job_id       text,
  started_at   timestamptz NOT NULL,
  finished_at  timestamptz,
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rpls_imports_pending ON rpls_imports (updated_at) WHERE status = 'received';

-- The staged rows of each import, one table per import (`rpls_staging."<import id>"`), created in
-- the transaction that receives the file and dropped by the merge: dropping a million rows is then
-- instant, and a file interrupted while it streamed leaves nothing behind.
CREATE SCHEMA rpls_staging;
