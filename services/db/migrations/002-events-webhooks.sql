-- Who may see an event (interfaces.md §9), fixed when it happens: the client whose message caused
-- it, the demande's DALO decision and prioritaire label at that moment, and for a désignation the
-- SIREN of the bailleur owning the logement.
ALTER TABLE events
  ADD COLUMN client_id      text,
  ADD COLUMN dalo_decision  text,
  ADD COLUMN prioritaire    boolean NOT NULL DEFAULT false,
  ADD COLUMN bailleur       text;
CREATE INDEX events_departement ON events (departement, sequence);

-- Wakes long-polling feed readers and the webhook fan-out. Sent at commit, once per statement.
CREATE FUNCTION notify_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('sne_events', '');
  RETURN NULL;
END $$;
CREATE TRIGGER events_notify AFTER INSERT ON events FOR EACH STATEMENT EXECUTE FUNCTION notify_events();

-- Désignations by the contingent préfectoral, delivered to the bailleur owning the logement.
CREATE TABLE designations (
  id                uuid PRIMARY KEY,
  numero_unique     text NOT NULL REFERENCES demandes,
  logement          text NOT NULL,
  siren_bailleur    text NOT NULL,
  date_designation  date NOT NULL,
  client_id         text NOT NULL,
  message_id        uuid,
  recorded_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX designations_demande ON designations (numero_unique);

-- DALO searches a person's demandes, active or not, by the normalised identity.
CREATE INDEX demandes_identite ON demandes (identite_hash);

-- The webhook signing secret, encrypted (AES-256-GCM: iv, tag, ciphertext). Never stored in clear.
ALTER TABLE clients ADD COLUMN webhook_secret bytea;

-- Webhook fan-out: how far each subscriber's deliveries have been created in the event log.
CREATE TABLE webhook_cursors (
  client_id      text PRIMARY KEY REFERENCES clients,
  last_sequence  bigint NOT NULL
);

-- One delivery per (subscriber, event). `pending` until a 2xx (`delivered`), or the last retry
-- (`failed`, waits for an operator), or an operator's discard (`discarded`).
CREATE TABLE deliveries (
  id               uuid PRIMARY KEY,
  client_id        text NOT NULL REFERENCES clients,
  event_sequence   bigint NOT NULL REFERENCES events,
  status           text NOT NULL,
  attempts         integer NOT NULL DEFAULT 0,
  -- The attempt count when an operator last replayed it: the retry schedule starts again from there.
  schedule_from    integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  last_error       jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  delivered_at     timestamptz,
  job_id           text,
  UNIQUE (client_id, event_sequence)
);
CREATE INDEX deliveries_pending ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_status ON deliveries (status, client_id, created_at);

-- Each attempt at a delivery: when, the HTTP status or the network error.
CREATE TABLE delivery_attempts (
  delivery_id  uuid NOT NULL REFERENCES deliveries,
  attempt      integer NOT NULL,
  at           timestamptz NOT NULL DEFAULT now(),
  status_code  integer,
  error        text,
  PRIMARY KEY (delivery_id, attempt)
);
