-- The dossier unique: pièces justificatives deposited by the demandeur through the portail (PGP).
-- The original file name is not kept (it often names the person: "avis-impot-dupont.pdf"); the
-- media type is the one read from the content, never the one the sender declared.
-- Deleting a pièce keeps its row (who deposited what, when, for the audit) and erases its content.
CREATE TABLE pieces (
  id             uuid PRIMARY KEY,
  numero_unique  text NOT NULL REFERENCES demandes,
  type           text NOT NULL,
  media_type     text NOT NULL,
  size           integer NOT NULL,
  sha256         text NOT NULL,
  content        bytea,
  client_id      text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  deleted_at     timestamptz,
  CONSTRAINT pieces_content_until_deleted CHECK ((content IS NULL) = (deleted_at IS NOT NULL))
);
-- PDF, JPEG and PNG are compressed already: store them out of line without trying pglz on them.
ALTER TABLE pieces ALTER COLUMN content SET STORAGE EXTERNAL;
CREATE INDEX pieces_demande ON pieces (numero_unique, created_at) WHERE deleted_at IS NULL;
