-- Numbers drawn from a numéro counter that no demande holds yet. The apply worker draws a batch's
-- numbers in a short transaction of its own (store-pg.ts, `reserveNumeros`) and records them here;
-- the batch's transaction takes them (deletes their row) and commits them with its demandes; no
-- other transaction takes them while it runs (`tirees_par`). So a
-- counter's row is locked for the draw alone, not until the batch commits: a single portail filing
-- no longer waits for a lot of 500 of the same département and month to commit (`npm run
-- bench:singles`). A batch that rolls back gives its numbers back (its delete is undone); the next
-- batch of that territory and month takes free numbers before it draws new ones, lowest first.
-- At rest, every number up to a counter's `dernier` is a demande's or a row here, and a row here
-- outlives only a batch that rolled back and whose messages then needed fewer numbers.
CREATE TABLE numero_blocs (
  territoire text NOT NULL,
  mois       text NOT NULL,
  annee      text NOT NULL,
  premier    integer NOT NULL,
  dernier    integer NOT NULL CHECK (dernier >= premier),
  -- The transaction that drew them outside itself: no other takes them while it runs.
  tirees_par xid8,
  PRIMARY KEY (territoire, mois, annee, premier)
);
