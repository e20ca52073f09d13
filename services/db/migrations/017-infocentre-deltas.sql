-- The infocentre's counts (migration 008) were upserted by the triggers on `demandes`, in the
-- transaction that changed a demande: every new demande of a département and month (and of a
-- commune and day) updated the same rows, and held them until its transaction committed. So a
-- single portail filing waited for the commit of a lot of 500 of the same département and month,
-- as it did for the numéro counter (migration 016). As the metrics counters already do (migration
-- 007), the triggers now append signed deltas (insert only: no writer waits for another), and
-- `infocentre_replier()` folds them into the three tables now and then, in a short transaction of
-- its own (the apply worker, at most once a second). The statistics read the tables and the deltas
-- not yet folded: a figure read right after a message was applied still includes it.
CREATE TABLE infocentre_deltas (
  departement  text NOT NULL,
  commune      text NOT NULL,
  jour         date NOT NULL,
  typologie    text NOT NULL,
  mouvement    text NOT NULL,
  n            integer NOT NULL
);

CREATE OR REPLACE FUNCTION infocentre_ajouter(
  departements text[], communes text[], typologies text[], mouvements text[], jours date[], ns integer[]
) RETURNS void LANGUAGE sql AS $$
  INSERT INTO infocentre_deltas (departement, commune, jour, typologie, mouvement, n)
  SELECT min(d), c, j, ty, m, sum(n) FROM unnest(departements, communes, typologies, mouvements, jours, ns)
    AS u(d, c, ty, m, j, n)
  GROUP BY c, j, ty, m HAVING sum(n) <> 0;
$$;

-- Adds signed counts to the three tables: the body of migration 008's `infocentre_ajouter`. Keys
-- grouped first and written in key order, table after table, so that two folds cannot deadlock.
CREATE FUNCTION infocentre_compter(
  departements text[], communes text[], typologies text[], mouvements text[], jours date[], ns integer[]
) RETURNS void LANGUAGE sql AS $$
  INSERT INTO infocentre_jour AS t (commune, jour, typologie, mouvement, departement, n)
  SELECT c, j, ty, m, min(d), sum(n) FROM unnest(departements, communes, typologies, mouvements, jours, ns)
    AS u(d, c, ty, m, j, n)
  GROUP BY c, j, ty, m HAVING sum(n) <> 0 ORDER BY c, j, ty, m
  ON CONFLICT (commune, jour, typologie, mouvement) DO UPDATE SET n = t.n + EXCLUDED.n;

  INSERT INTO infocentre_mois_commune AS t (commune, mois, typologie, mouvement, n)
  SELECT c, date_trunc('month', j)::date, ty, m, sum(n) FROM unnest(communes, typologies, mouvements, jours, ns)
    AS u(c, ty, m, j, n)
  GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4
  ON CONFLICT (commune, mois, typologie, mouvement) DO UPDATE SET n = t.n + EXCLUDED.n;

  INSERT INTO infocentre_mois_departement AS t (departement, mois, typologie, mouvement, n)
  SELECT d, date_trunc('month', j)::date, ty, m, sum(n) FROM unnest(departements, typologies, mouvements, jours, ns)
    AS u(d, ty, m, j, n)
  GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4
  ON CONFLICT (departement, mois, typologie, mouvement) DO UPDATE SET n = t.n + EXCLUDED.n;
$$;

-- Folds the deltas committed so far into the three tables; returns how many it folded. Deltas
-- committed meanwhile stay for the next fold.
CREATE FUNCTION infocentre_replier() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  v_d text[]; v_c text[]; v_ty text[]; v_m text[]; v_j date[]; v_n integer[]; folded bigint;
BEGIN
  WITH taken AS (DELETE FROM infocentre_deltas RETURNING *)
  SELECT array_agg(departement), array_agg(commune), array_agg(typologie), array_agg(mouvement),
         array_agg(jour), array_agg(n), count(*)
    INTO v_d, v_c, v_ty, v_m, v_j, v_n, folded
    FROM taken;
  IF folded > 0 THEN
    PERFORM infocentre_compter(v_d, v_c, v_ty, v_m, v_j, v_n);
  END IF;
  RETURN folded;
END $$;
