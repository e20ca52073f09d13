-- UUIDs version 7 made by PostgreSQL, for the rows an INSERT … SELECT creates in the database (a
-- fan-out's deliveries, an attribution's désignations): 48 bits of Unix milliseconds, then the
-- random bits of a v4, its version digit 4 turned into 7 (bits 52 and 53), as `uuidV7` does in
-- services/shared/uuid-v7.ts. With v4 ids each row went to a random page of its primary key; a
-- table of deliveries holds every event times its subscribers, tens of millions of rows a year,
-- and its key no longer fits in memory: v7 ids go to the key's right edge. PostgreSQL 18 has
-- uuidv7(); the hub supports earlier versions.
CREATE FUNCTION sne_uuid_v7() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
  SELECT encode(
    set_bit(set_bit(
      overlay(uuid_send(gen_random_uuid())
              PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
              FROM 1 FOR 6),
      52, 1), 53, 1),
    'hex')::uuid
$$;
