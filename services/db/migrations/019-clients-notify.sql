-- Each API process keeps the clients it authenticated lately in memory (services/api/actor-cache.ts),
-- so that a request costs no PostgreSQL round trip to read its client. Any change to `clients`
-- (a revocation, a rotated token, an operator's own UPDATE) notifies them at its commit, and they
-- forget every client they knew: a revoked token stops working in every process at once.
CREATE FUNCTION clients_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('sne_clients', '');
  RETURN NULL;
END;
$$;

CREATE TRIGGER clients_notify
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON clients
  FOR EACH STATEMENT EXECUTE FUNCTION clients_notify();
