-- The guichets' quality indicator "with email or téléphone" (`infocentre_saisies.avec_contact`)
-- follows the demande's current data, as every statistic does (domain.md, Modification: "Statistics
-- always use the current values"): a contact added by a modification now counts, one removed no
-- longer does. Migration 008 recorded it at enregistrement only. The retention purge, which erases
-- the contacts, still leaves it alone: a purged row (`donnees_purgees_le` set) is never looked at.
--
-- A trigger of its own, per statement: the rows whose contact presence changed, found by joining
-- the statement's two transition tables (a statement's rows), then set by their primary key
-- (`= ANY`, one probe each, whatever the table's statistics say).
CREATE FUNCTION infocentre_contact_modifie() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_avec text[]; v_sans text[];
BEGIN
  SELECT array_agg(numero_unique) FILTER (WHERE avec), array_agg(numero_unique) FILTER (WHERE NOT avec)
    INTO v_avec, v_sans
    FROM (SELECT n.numero_unique, n.demandeur ? 'email' OR n.demandeur ? 'telephone' AS avec,
                 a.demandeur ? 'email' OR a.demandeur ? 'telephone' AS avant
            FROM nouvelles n JOIN anciennes a USING (numero_unique)
           WHERE n.donnees_purgees_le IS NULL) c
   WHERE avec <> avant;
  IF v_avec IS NOT NULL THEN
    UPDATE infocentre_saisies SET avec_contact = true WHERE numero_unique = ANY (v_avec) AND NOT avec_contact;
  END IF;
  IF v_sans IS NOT NULL THEN
    UPDATE infocentre_saisies SET avec_contact = false WHERE numero_unique = ANY (v_sans) AND avec_contact;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER infocentre_contact_modifie AFTER UPDATE ON demandes
  REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
  FOR EACH STATEMENT EXECUTE FUNCTION infocentre_contact_modifie();

-- The demandes modified before this migration, not purged: their current contacts.
UPDATE infocentre_saisies s SET avec_contact = NOT s.avec_contact
  FROM demandes d
 WHERE d.numero_unique = s.numero_unique AND d.donnees_purgees_le IS NULL
   AND s.avec_contact <> (d.demandeur ? 'email' OR d.demandeur ? 'telephone');
