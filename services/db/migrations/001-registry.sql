-- Identifiers are `text`, not `char(n)`: char columns compared with text parameters lose their indexes.
-- Clients of the hub: one system instance, one role. Tokens are stored as SHA-256 hashes only.
CREATE TABLE clients (
  id            text PRIMARY KEY,
  role          text NOT NULL,
  organisme     text NOT NULL,
  nom           text NOT NULL,
  departements  text[] NOT NULL,
  code_guichet  text UNIQUE,
  adresse       text,
  communes      text[] NOT NULL DEFAULT '{}',
  webhook       jsonb,
  token_hash    bytea NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  revoked_at    timestamptz
);

-- Numéro unique sequences: one counter per (territory, month, year) of dépôt. A row lock, not a
-- PostgreSQL sequence, so that a rolled-back enregistrement leaves no gap.
CREATE TABLE numero_sequences (
  territoire  text NOT NULL,
  mois        text NOT NULL,
  annee       text NOT NULL,
  dernier     integer NOT NULL,
  PRIMARY KEY (territoire, mois, annee)
);

-- The parc (RPLS). Filled by the RPLS connector.
CREATE TABLE logements (
  identifiant_rpls   text PRIMARY KEY,
  siren_bailleur     text NOT NULL,
  code_commune       text NOT NULL,
  departement        text NOT NULL,
  nb_pieces          smallint,
  statut             text NOT NULL DEFAULT 'en-parc'
);

-- The demandes. Columns for what rules and statistics query; personal data in `demandeur` and
-- `menage` (erased by the retention purge). `identite_hash` is a SHA-256 of the normalised
-- nom, prénom and date de naissance, for doublon detection without another copy of them.
CREATE TABLE demandes (
  numero_unique        text PRIMARY KEY,
  departement          text NOT NULL,
  date_depot           date NOT NULL,
  code_guichet         text NOT NULL,
  organisme            text NOT NULL,
  reference_guichet    text,
  identite_hash        text,
  demandeur            jsonb NOT NULL,
  menage               jsonb NOT NULL,
  nombre_personnes     smallint NOT NULL,
  ressources_mensuelles numeric(12, 2) NOT NULL,
  typologie            text NOT NULL,
  communes_souhaitees  text[] NOT NULL,
  commune_rang1        text NOT NULL,
  motif                text NOT NULL,
  statut               text NOT NULL,
  date_renouvellement  date,
  date_echeance        date NOT NULL,
  date_radiation       date,
  motif_radiation      text,
  sous_motif_radiation text,
  radiation            jsonb,
  dalo                 jsonb,
  prioritaire          jsonb,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX demandes_reference ON demandes (organisme, reference_guichet) WHERE reference_guichet IS NOT NULL;
-- The database's own guard against doublons, behind the core's rule.
CREATE UNIQUE INDEX demandes_identite_active ON demandes (departement, identite_hash) WHERE statut = 'active';
CREATE INDEX demandes_departement ON demandes (departement, numero_unique);
CREATE INDEX demandes_echeance_active ON demandes (date_echeance) WHERE statut = 'active';

-- Everything that happened to a demande, in order.
CREATE TABLE demande_historique (
  id             bigserial PRIMARY KEY,
  numero_unique  text NOT NULL REFERENCES demandes,
  kind           text NOT NULL,
  date_effet     date NOT NULL,
  client_id      text,
  message_id     uuid,
  details        jsonb NOT NULL DEFAULT '{}',
  recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX demande_historique_demande ON demande_historique (numero_unique, id);

CREATE TABLE attributions (
  numero_unique        text PRIMARY KEY REFERENCES demandes,
  logement             text NOT NULL,
  date_signature_bail  date NOT NULL,
  contingent           text NOT NULL,
  accord_collectif     boolean NOT NULL,
  dalo                 boolean NOT NULL,
  prioritaire          boolean NOT NULL,
  client_id            text NOT NULL,
  message_id           uuid
);

-- One préavis per demande and per échéance.
CREATE TABLE preavis (
  numero_unique  text NOT NULL REFERENCES demandes,
  date_echeance  date NOT NULL,
  sent_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (numero_unique, date_echeance)
);

-- The event log: one row per change, `sequence` is the hub's global order. Writers take an
-- advisory lock just before inserting and hold it to commit, so sequences commit in order.
CREATE TABLE events (
  sequence     bigserial PRIMARY KEY,
  id           uuid NOT NULL UNIQUE,
  type         text NOT NULL,
  subject      text NOT NULL,
  departement  text,
  time         timestamptz NOT NULL DEFAULT now(),
  data         jsonb NOT NULL
);
CREATE INDEX events_subject ON events (subject, sequence);

-- Inbound messages. Committed before the 202; `seq` is the acceptance order.
CREATE TABLE lots (
  id           uuid PRIMARY KEY,
  client_id    text NOT NULL REFERENCES clients,
  system       text NOT NULL,
  version      text NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE messages (
  id             uuid PRIMARY KEY,
  seq            bigserial UNIQUE,
  lot_id         uuid REFERENCES lots,
  client_id      text NOT NULL REFERENCES clients,
  sender_id      text NOT NULL,
  system         text NOT NULL,
  version        text NOT NULL,
  type           text NOT NULL,
  status         text NOT NULL,
  raw            text NOT NULL,
  canonical      jsonb,
  content_hash   text,
  received_at    timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  applied_at     timestamptz,
  result         jsonb,
  error          jsonb,
  attempts       integer NOT NULL DEFAULT 0,
  job_id         text
);
-- Idempotency: one live message per (client, sender id). A rejected message never took effect,
-- so its id may be sent again.
CREATE UNIQUE INDEX messages_idempotency ON messages (client_id, sender_id) WHERE status <> 'rejected';
CREATE INDEX messages_pending ON messages (job_id) WHERE status IN ('accepted', 'processing');
CREATE INDEX messages_lot ON messages (lot_id, seq);
CREATE INDEX messages_status ON messages (status, received_at);

-- Ordering keys of messages not yet done: a message waits while an earlier one shares a key.
-- Rows are deleted in the transaction that applies or fails the message.
CREATE TABLE pending_keys (
  key         text NOT NULL,
  seq         bigint NOT NULL,
  message_id  uuid NOT NULL REFERENCES messages ON DELETE CASCADE,
  PRIMARY KEY (key, seq)
);
CREATE INDEX pending_keys_message ON pending_keys (message_id);

-- Each attempt at applying a message.
CREATE TABLE message_attempts (
  message_id  uuid NOT NULL REFERENCES messages,
  attempt     integer NOT NULL,
  at          timestamptz NOT NULL DEFAULT now(),
  outcome     text NOT NULL,
  error       jsonb,
  PRIMARY KEY (message_id, attempt)
);

CREATE TABLE audit (
  id        bigserial PRIMARY KEY,
  at        timestamptz NOT NULL DEFAULT now(),
  actor     text NOT NULL,
  action    text NOT NULL,
  target    text,
  reason    text,
  details   jsonb
);
