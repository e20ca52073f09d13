-- The retention purge also erases the personal data of messages that never made a demande (rejected,
-- failed, discarded: their raw text and canonical command are the only copy of the people they name),
-- a year after their arrival. `donnees_purgees_le` says that a message's data were erased, by either
-- purge: a replay without a corrected payload refuses such a message instead of applying a command
-- whose names are gone, and the message's detail says why its raw text is empty. Nullable, no
-- default: adding it rewrites nothing.
ALTER TABLE messages ADD COLUMN donnees_purgees_le date;

-- What the purge of such messages reads, oldest first. Applied and pending messages are not in it
-- (the hot path writes no entry), and a purged message leaves it, so a daily run reads only what it
-- erases.
CREATE INDEX messages_a_purger ON messages (received_at)
  WHERE status IN ('rejected', 'failed', 'discarded') AND donnees_purgees_le IS NULL;
