-- Infocentre: the counts the statistics read, kept exact by triggers in the transaction that changes
-- a demande (so a figure read right after a message was applied includes it).
--
-- Every statistic of domain.md "Dates and statistics" is a difference of cumulative counts of two
-- kinds of dated facts about each demande, taken with its CURRENT values (business dates only):
--   its dépôt (`mouvement = 'depot'`, on `date_depot`), and its radiation if it is radiée now
--   (`mouvement = <motif>`, on `date_radiation`).
-- A catch-up radiation that replaces a non-renouvellement moves the demande's one radiation; a
-- reactivation removes it; a typologie or commune change moves both facts: the triggers subtract the
-- old row's facts and add the new row's, so the counts always equal a full recount of `demandes`.
--
-- Three grains, so that any period reads few rows: whole months before the month of a bound come
-- from a monthly table, the days of that month from the daily one.
--   infocentre_jour                 commune × day   (communes, EPCI; the days of a bound's month)
--   infocentre_mois_commune         commune × month (communes, EPCI)
--   infocentre_mois_departement     département × month (départements, régions, France)
CREATE TABLE infocentre_jour (
  commune      text NOT NULL,
  jour         date NOT NULL,
  typologie    text NOT NULL,
  mouvement    text NOT NULL,
  departement  text NOT NULL,
  n            integer NOT NULL,
  PRIMARY KEY (commune, jour, typologie, mouvement)
) WITH (fillfactor = 90);
-- `n` stays out of every index (and pages keep room): a count's update is then a HOT update, which
-- writes no index entry — the triggers' cost on the apply worker's transaction stays small.
CREATE INDEX infocentre_jour_departement ON infocentre_jour (departement, jour);

CREATE TABLE infocentre_mois_commune (
  commune      text NOT NULL,
  mois         date NOT NULL,
  typologie    text NOT NULL,
  mouvement    text NOT NULL,
  n            integer NOT NULL,
  PRIMARY KEY (commune, mois, typologie, mouvement)
) WITH (fillfactor = 90);

CREATE TABLE infocentre_mois_departement (
  departement  text NOT NULL,
  mois         date NOT NULL,
  typologie    text NOT NULL,
  mouvement    text NOT NULL,
  n            integer NOT NULL,
  PRIMARY KEY (departement, mois, typologie, mouvement)
) WITH (fillfactor = 90);

-- What the guichet entered at enregistrement that the retention purge later erases: whether the
-- demandeur gave an email or a téléphone (the quality indicator keeps its value after the purge).
CREATE TABLE infocentre_saisies (
  numero_unique  text PRIMARY KEY,
  avec_contact   boolean NOT NULL
);
INSERT INTO infocentre_saisies (numero_unique, avec_contact)
SELECT numero_unique, demandeur ? 'email' OR demandeur ? 'telephone' FROM demandes;

-- Adds signed counts to the three tables. Keys are grouped first (an upsert may not touch a row
-- twice) and written in key order, table after table, so that two transactions lock shared rows in
-- the same order and do not deadlock.
CREATE FUNCTION infocentre_ajouter(
  departements text[], communes text[], typologies text[], mouvements text[], jours date[], ns integer[]
) RETURNS void LANGUAGE sql AS $$
  INSERT INTO infocentre_jour AS t (commune, jour, typologie, mouvement, departement, n)
  SELECT c, j, ty, m, min(d), sum(n) FROM unnest(departements, communes, typologies, mouvements, jours, ns)
    AS u(d, c, ty, m, j, n)
  GROUP BY c, j, ty, m ORDER BY c, j, ty, m
  ON CONFLICT (commune, jour, typologie, mouvement) DO UPDATE SET n = t.n + EXCLUDED.n;

  INSERT INTO infocentre_mois_commune AS t (commune, mois, typologie, mouvement, n)
  SELECT c, date_trunc('month', j)::date, ty, m, sum(n) FROM unnest(communes, typologies, mouvements, jours, ns)
    AS u(c, ty, m, j, n)
  GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
  ON CONFLICT (commune, mois, typologie, mouvement) DO UPDATE SET n = t.n + EXCLUDED.n;

  INSERT INTO infocentre_mois_departement AS t (departement, mois, typologie, mouvement, n)
  SELECT d, date_trunc('month', j)::date, ty, m, sum(n) FROM unnest(departements, typologies, mouvements, jours, ns)
    AS u(d, ty, m, j, n)
  GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
  ON CONFLICT (departement, mois, typologie, mouvement) DO UPDATE SET n = t.n + EXCLUDED.n;
$$;

-- Statement-level triggers (one run per statement, however many demandes it writes): the facts of
-- the rows before (−1) and after (+1); facts that did not change cancel out in the grouping.
CREATE FUNCTION infocentre_demandes_changees() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_d text[]; v_c text[]; v_ty text[]; v_m text[]; v_j date[]; v_n integer[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(f.departement), array_agg(f.commune), array_agg(f.typologie), array_agg(f.mouvement),
           array_agg(f.jour), array_agg(f.n)
      INTO v_d, v_c, v_ty, v_m, v_j, v_n
      FROM (SELECT departement, commune_rang1 AS commune, typologie, 'depot' AS mouvement, date_depot AS jour, 1 AS n
              FROM nouvelles
            UNION ALL
            SELECT departement, commune_rang1, typologie, motif_radiation, date_radiation, 1
              FROM nouvelles WHERE date_radiation IS NOT NULL) f;
    INSERT INTO infocentre_saisies (numero_unique, avec_contact)
    SELECT numero_unique, demandeur ? 'email' OR demandeur ? 'telephone' FROM nouvelles
    ON CONFLICT DO NOTHING;
  ELSIF TG_OP = 'UPDATE' THEN
    SELECT array_agg(f.departement), array_agg(f.commune), array_agg(f.typologie), array_agg(f.mouvement),
           array_agg(f.jour), array_agg(f.n)
      INTO v_d, v_c, v_ty, v_m, v_j, v_n
      FROM (SELECT departement, commune, typologie, mouvement, jour, sum(n)::integer AS n FROM (
              SELECT departement, commune_rang1 AS commune, typologie, 'depot' AS mouvement, date_depot AS jour, -1 AS n
                FROM anciennes
              UNION ALL
              SELECT departement, commune_rang1, typologie, motif_radiation, date_radiation, -1
                FROM anciennes WHERE date_radiation IS NOT NULL
              UNION ALL
              SELECT departement, commune_rang1, typologie, 'depot', date_depot, 1 FROM nouvelles
              UNION ALL
              SELECT departement, commune_rang1, typologie, motif_radiation, date_radiation, 1
                FROM nouvelles WHERE date_radiation IS NOT NULL) x
            GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0) f;
  ELSE
    SELECT array_agg(f.departement), array_agg(f.commune), array_agg(f.typologie), array_agg(f.mouvement),
           array_agg(f.jour), array_agg(f.n)
      INTO v_d, v_c, v_ty, v_m, v_j, v_n
      FROM (SELECT departement, commune_rang1 AS commune, typologie, 'depot' AS mouvement, date_depot AS jour, -1 AS n
              FROM anciennes
            UNION ALL
            SELECT departement, commune_rang1, typologie, motif_radiation, date_radiation, -1
              FROM anciennes WHERE date_radiation IS NOT NULL) f;
  END IF;
  IF v_d IS NOT NULL THEN
    PERFORM infocentre_ajouter(v_d, v_c, v_ty, v_m, v_j, v_n);
  END IF;
  RETURN NULL;
END $$;

-- Transition tables allow one event per trigger: three triggers, one function.
CREATE TRIGGER infocentre_demandes_inserees AFTER INSERT ON demandes
  REFERENCING NEW TABLE AS nouvelles FOR EACH STATEMENT EXECUTE FUNCTION infocentre_demandes_changees();
CREATE TRIGGER infocentre_demandes_modifiees AFTER UPDATE ON demandes
  REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles FOR EACH STATEMENT EXECUTE FUNCTION infocentre_demandes_changees();
CREATE TRIGGER infocentre_demandes_supprimees AFTER DELETE ON demandes
  REFERENCING OLD TABLE AS anciennes FOR EACH STATEMENT EXECUTE FUNCTION infocentre_demandes_changees();

-- The demandes already there.
SELECT infocentre_ajouter(array_agg(departement), array_agg(commune), array_agg(typologie),
                          array_agg(mouvement), array_agg(jour), array_agg(n))
  FROM (SELECT departement, commune_rang1 AS commune, typologie, 'depot' AS mouvement, date_depot AS jour, 1 AS n
          FROM demandes
        UNION ALL
        SELECT departement, commune_rang1, typologie, motif_radiation, date_radiation, 1
          FROM demandes WHERE date_radiation IS NOT NULL) f
  HAVING count(*) > 0;

-- Attributions by the commune of their logement and the year of the bail (the public chiffres-clés
-- of a commune): kept by triggers on `attributions` like the counts above. The commune is the
-- logement's when the attribution is written.
CREATE TABLE infocentre_attributions_commune (
  commune  text NOT NULL,
  annee    smallint NOT NULL,
  n        integer NOT NULL,
  PRIMARY KEY (commune, annee)
) WITH (fillfactor = 90);

CREATE FUNCTION infocentre_attributions_ajouter(communes text[], annees smallint[], ns integer[])
RETURNS void LANGUAGE sql AS $$
  INSERT INTO infocentre_attributions_commune AS t (commune, annee, n)
  SELECT c, a, sum(n) FROM unnest(communes, annees, ns) AS u(c, a, n)
  GROUP BY 1, 2 HAVING sum(n) <> 0 ORDER BY 1, 2
  ON CONFLICT (commune, annee) DO UPDATE SET n = t.n + EXCLUDED.n;
$$;

CREATE FUNCTION infocentre_attributions_changees() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_c text[]; v_a smallint[]; v_n integer[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(l.code_commune), array_agg(extract(year FROM x.date_signature_bail)::smallint), array_agg(1)
      INTO v_c, v_a, v_n FROM nouvelles x JOIN logements l ON l.identifiant_rpls = x.logement;
  ELSIF TG_OP = 'UPDATE' THEN
    SELECT array_agg(f.c), array_agg(f.a), array_agg(f.n) INTO v_c, v_a, v_n FROM (
      SELECT l.code_commune AS c, extract(year FROM x.date_signature_bail)::smallint AS a, -1 AS n
        FROM anciennes x JOIN logements l ON l.identifiant_rpls = x.logement
      UNION ALL
      SELECT l.code_commune, extract(year FROM x.date_signature_bail)::smallint, 1
        FROM nouvelles x JOIN logements l ON l.identifiant_rpls = x.logement) f;
  ELSE
    SELECT array_agg(l.code_commune), array_agg(extract(year FROM x.date_signature_bail)::smallint), array_agg(-1)
      INTO v_c, v_a, v_n FROM anciennes x JOIN logements l ON l.identifiant_rpls = x.logement;
  END IF;
  IF v_c IS NOT NULL THEN
    PERFORM infocentre_attributions_ajouter(v_c, v_a, v_n);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER infocentre_attributions_inserees AFTER INSERT ON attributions
  REFERENCING NEW TABLE AS nouvelles FOR EACH STATEMENT EXECUTE FUNCTION infocentre_attributions_changees();
CREATE TRIGGER infocentre_attributions_modifiees AFTER UPDATE ON attributions
  REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles FOR EACH STATEMENT EXECUTE FUNCTION infocentre_attributions_changees();
CREATE TRIGGER infocentre_attributions_supprimees AFTER DELETE ON attributions
  REFERENCING OLD TABLE AS anciennes FOR EACH STATEMENT EXECUTE FUNCTION infocentre_attributions_changees();

INSERT INTO infocentre_attributions_commune (commune, annee, n)
SELECT l.code_commune, extract(year FROM a.date_signature_bail)::smallint, count(*)
  FROM attributions a JOIN logements l ON l.identifiant_rpls = a.logement GROUP BY 1, 2;

-- Ancienneté (the dépôt dates of the demandes en cours at a date) reads `demandes` through these
-- covering indexes, by département or by rank-1 commune, without touching the table.
CREATE INDEX infocentre_demandes_departement ON demandes (departement, date_depot) INCLUDE (date_radiation);
CREATE INDEX infocentre_demandes_commune ON demandes (commune_rang1, date_depot) INCLUDE (date_radiation);

-- The demandes radiées for attribution by territory and date (monthly rhythm, délais): small partial
-- indexes, the demande's date_radiation being its bail date.
CREATE INDEX infocentre_attribuees_departement ON demandes (departement, date_radiation) WHERE motif_radiation = 'attribution';
CREATE INDEX infocentre_attribuees_commune ON demandes (commune_rang1, date_radiation) WHERE motif_radiation = 'attribution';
-- The parc of a commune (chiffres-clés).
CREATE INDEX infocentre_logements_commune ON logements (code_commune, statut);

-- Guichets' quality: each client's messages over a period, and what its messages did.
CREATE INDEX infocentre_messages_client ON messages (client_id, received_at);
CREATE INDEX infocentre_historique_client ON demande_historique (client_id, date_effet) INCLUDE (kind);
