import type pg from 'pg';
import { TYPOLOGIES, type Typologie } from '../core/commands.ts';
import { departementOfCommune } from '../core/territoire.ts';
import { cumulVide, type Mouvement } from './flux.ts';
import type {
  AttributionsGroupe,
  ChiffresClesBruts,
  CumulParTypologie,
  DelaiAttribution,
  DepotsEnCours,
  GuichetAnnuaire,
  InfocentreQueries,
  QualiteGuichetBrute,
} from './queries.ts';
import type { Perimetre } from './territoire.ts';

/**
 * Facts dated before each borne: whole months before the borne's month from a monthly table, the
 * days of its month from the daily one (migration 008). Départements read the département grain,
 * communes the commune grain; a perimetre has either or both (never overlapping, see unionPerimetre).
 */
const CUMULS = `
  WITH b AS (SELECT x, date_trunc('month', x)::date AS m FROM unnest($3::date[]) AS x)
  SELECT b.x::text AS borne, t.typologie, t.mouvement, sum(t.n)::bigint AS n
  FROM b CROSS JOIN LATERAL (
    SELECT typologie, mouvement, n FROM infocentre_mois_departement WHERE departement = ANY($1::text[]) AND mois < b.m
    UNION ALL
    SELECT typologie, mouvement, n FROM infocentre_jour WHERE departement = ANY($1::text[]) AND jour >= b.m AND jour < b.x
    UNION ALL
    SELECT typologie, mouvement, n FROM infocentre_mois_commune WHERE commune = ANY($2::text[]) AND mois < b.m
    UNION ALL
    SELECT typologie, mouvement, n FROM infocentre_jour WHERE commune = ANY($2::text[]) AND jour >= b.m AND jour < b.x
  ) t
  GROUP BY 1, 2, 3`;

/** En cours at the end of $3, through the covering indexes (département, dépôt) and (commune, dépôt). */
const DEPOTS_EN_COURS = `
  SELECT date_depot::text AS "dateDepot", sum(n)::bigint AS n FROM (
    SELECT date_depot, count(*) AS n FROM demandes
     WHERE departement = ANY($1::text[]) AND date_depot <= $3 AND (date_radiation IS NULL OR date_radiation > $3)
     GROUP BY 1
    UNION ALL
    SELECT date_depot, count(*) FROM demandes
     WHERE commune_rang1 = ANY($2::text[]) AND date_depot <= $3 AND (date_radiation IS NULL OR date_radiation > $3)
     GROUP BY 1) x
  GROUP BY 1 ORDER BY 1`;

/** The demande still radiée for attribution: the attribution row and the radiation agree. */
const IN_PERIMETRE = `(d.departement = ANY($1::text[]) OR d.commune_rang1 = ANY($2::text[]))`;

const ATTRIBUTIONS_PAR_MOIS = `
  SELECT to_char(a.date_signature_bail, 'YYYY-MM') AS mois, a.contingent, a.dalo, a.prioritaire, count(*)::bigint AS n
    FROM attributions a JOIN demandes d USING (numero_unique)
   WHERE a.date_signature_bail BETWEEN $3 AND $4 AND d.motif_radiation = 'attribution' AND ${IN_PERIMETRE}
   GROUP BY 1, 2, 3, 4`;

const DELAIS = `
  SELECT d.departement, d.typologie, d.date_depot::text AS "dateDepot", a.date_signature_bail::text AS "dateSignatureBail"
    FROM attributions a JOIN demandes d USING (numero_unique)
   WHERE a.date_signature_bail BETWEEN $3 AND $4 AND d.motif_radiation = 'attribution' AND ${IN_PERIMETRE}`;

/** The day a message arrived, in France (business dates are French days). */
const RECU = `(msg.received_at AT TIME ZONE 'Europe/Paris')::date`;

/**
 * Per guichet (a client with a codeGuichet acting on the département): what it registered in the
 * period (by dépôt date) and how late, what it sent (by arrival), and what its messages did (by
 * business date). "Late" is received more than one month after the business date.
 */
const QUALITE = `
  SELECT c.id AS "clientId", c.nom, c.code_guichet AS "codeGuichet", c.role,
         e.enregistrees, e.tardifs, e.delai_moyen, e.avec_contact, e.avec_ressources,
         m.recus, m.rejetes, m.echoues, m.doublons,
         h.modifications, h.renouvellements, h.radiations_tardives, h.attributions, h.attributions_tardives,
         h.delai_attribution, coalesce(r.par_motif, '{}'::jsonb) AS radiations
    FROM clients c
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS enregistrees,
             count(*) FILTER (WHERE e.recu > (d.date_depot + interval '1 month')::date)::int AS tardifs,
             avg(e.recu - d.date_depot)::float8 AS delai_moyen,
             count(*) FILTER (WHERE s.avec_contact)::int AS avec_contact,
             count(*) FILTER (WHERE d.ressources_mensuelles > 0)::int AS avec_ressources
        FROM demandes d
        LEFT JOIN infocentre_saisies s USING (numero_unique)
        LEFT JOIN LATERAL (
          SELECT ${RECU} AS recu FROM demande_historique h JOIN messages msg ON msg.id = h.message_id
           WHERE h.numero_unique = d.numero_unique AND h.kind = 'enregistrement' LIMIT 1) e ON true
       WHERE d.departement = $1 AND d.code_guichet = c.code_guichet AND d.date_depot BETWEEN $2 AND $3) e
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS recus,
             count(*) FILTER (WHERE msg.status = 'rejected')::int AS rejetes,
             count(*) FILTER (WHERE msg.status = 'failed')::int AS echoues,
             count(*) FILTER (WHERE msg.error->>'code' = 'DOUBLON')::int AS doublons
        FROM messages msg
       WHERE msg.client_id = c.id
         AND msg.received_at >= ($2::date::timestamp AT TIME ZONE 'Europe/Paris')
         AND msg.received_at < (($3::date + 1)::timestamp AT TIME ZONE 'Europe/Paris')) m
    CROSS JOIN LATERAL (
      SELECT count(*) FILTER (WHERE h.kind = 'modification')::int AS modifications,
             count(*) FILTER (WHERE h.kind IN ('renouvellement', 'reactivation'))::int AS renouvellements,
             count(*) FILTER (WHERE h.kind = 'radiation' AND ${RECU} > (h.date_effet + interval '1 month')::date)::int
               AS radiations_tardives,
             count(*) FILTER (WHERE h.kind = 'attribution')::int AS attributions,
             count(*) FILTER (WHERE h.kind = 'attribution' AND ${RECU} > (h.date_effet + interval '1 month')::date)::int
               AS attributions_tardives,
             (avg(${RECU} - h.date_effet) FILTER (WHERE h.kind = 'attribution'))::float8 AS delai_attribution
        FROM demande_historique h
        JOIN demandes d ON d.numero_unique = h.numero_unique AND d.departement = $1
        LEFT JOIN messages msg ON msg.id = h.message_id
       WHERE h.client_id = c.id AND h.date_effet BETWEEN $2 AND $3
         AND h.kind IN ('modification', 'renouvellement', 'reactivation', 'radiation', 'attribution')) h
    CROSS JOIN LATERAL (
      SELECT jsonb_object_agg(motif, n) AS par_motif FROM (
        SELECT h.details->>'motif' AS motif, count(*)::int AS n
          FROM demande_historique h JOIN demandes d ON d.numero_unique = h.numero_unique AND d.departement = $1
         WHERE h.client_id = c.id AND h.date_effet BETWEEN $2 AND $3 AND h.kind IN ('radiation', 'attribution')
         GROUP BY 1) x) r
   WHERE c.code_guichet IS NOT NULL AND c.revoked_at IS NULL
     AND (c.departements @> ARRAY[$1::text] OR c.departements @> ARRAY['*'])
   ORDER BY c.code_guichet`;

interface QualiteRow {
  clientId: string;
  nom: string;
  codeGuichet: string;
  role: string;
  enregistrees: number;
  tardifs: number;
  delai_moyen: number | null;
  avec_contact: number;
  avec_ressources: number;
  recus: number;
  rejetes: number;
  echoues: number;
  doublons: number;
  modifications: number;
  renouvellements: number;
  radiations_tardives: number;
  attributions: number;
  attributions_tardives: number;
  delai_attribution: number | null;
  radiations: Record<string, number>;
}

/** The infocentre's reads in PostgreSQL. */
export class PgInfocentreQueries implements InfocentreQueries {
  constructor(private readonly pool: pg.Pool) {}

  async cumuls(perimetre: Perimetre, bornes: string[]): Promise<Map<string, CumulParTypologie>> {
    const { rows } = await this.pool.query<{
      borne: string;
      typologie: Typologie;
      mouvement: Mouvement;
      n: string;
    }>(CUMULS, [perimetre.departements, perimetre.communes, bornes]);
    const out = new Map<string, CumulParTypologie>();
    for (const borne of bornes) {
      out.set(borne, Object.fromEntries(TYPOLOGIES.map((t) => [t, cumulVide()])) as CumulParTypologie);
    }
    for (const row of rows) {
      const cumul = out.get(row.borne)?.[row.typologie];
      if (cumul && row.mouvement in cumul) cumul[row.mouvement] += Number(row.n);
    }
    return out;
  }

  async depotsEnCours(perimetre: Perimetre, date: string): Promise<DepotsEnCours[]> {
    const { rows } = await this.pool.query<{ dateDepot: string; n: string }>(DEPOTS_EN_COURS, [
      perimetre.departements,
      perimetre.communes,
      date,
    ]);
    return rows.map((r) => ({ dateDepot: r.dateDepot, n: Number(r.n) }));
  }

  async attributionsParMois(perimetre: Perimetre, du: string, au: string): Promise<AttributionsGroupe[]> {
    const { rows } = await this.pool.query<Omit<AttributionsGroupe, 'n'> & { n: string }>(
      ATTRIBUTIONS_PAR_MOIS,
      [perimetre.departements, perimetre.communes, du, au],
    );
    return rows.map((r) => ({ ...r, n: Number(r.n) }));
  }

  async delaisAttribution(perimetre: Perimetre, du: string, au: string): Promise<DelaiAttribution[]> {
    const { rows } = await this.pool.query<DelaiAttribution>(DELAIS, [
      perimetre.departements,
      perimetre.communes,
      du,
      au,
    ]);
    return rows;
  }

  async qualiteGuichets(departement: string, du: string, au: string): Promise<QualiteGuichetBrute[]> {
    const { rows } = await this.pool.query<QualiteRow>(QUALITE, [departement, du, au]);
    return rows.map((r) => ({
      clientId: r.clientId,
      nom: r.nom,
      codeGuichet: r.codeGuichet,
      role: r.role,
      demandesEnregistrees: r.enregistrees,
      enregistrementsTardifs: r.tardifs,
      delaiMoyenEnregistrementJours: r.delai_moyen,
      avecContact: r.avec_contact,
      avecRessources: r.avec_ressources,
      messagesRecus: r.recus,
      messagesRejetes: r.rejetes,
      messagesEchoues: r.echoues,
      doublonsRefuses: r.doublons,
      modifications: r.modifications,
      renouvellements: r.renouvellements,
      radiations: r.radiations,
      radiationsTardives: r.radiations_tardives,
      attributions: r.attributions,
      attributionsTardives: r.attributions_tardives,
      delaiMoyenAttributionJours: r.delai_attribution,
    }));
  }

  async chiffresCles(insee: string, annee: number): Promise<ChiffresClesBruts> {
    const { rows } = await this.pool.query<{ logements: string; attributions: string }>(
      `SELECT (SELECT count(*) FROM logements WHERE code_commune = $1 AND statut = 'en-parc') AS logements,
              (SELECT count(*) FROM attributions a JOIN logements l ON l.identifiant_rpls = a.logement
                WHERE l.code_commune = $1 AND a.date_signature_bail BETWEEN $2 AND $3) AS attributions`,
      [insee, `${annee}-01-01`, `${annee}-12-31`],
    );
    return {
      logementsSociaux: Number(rows[0]?.logements ?? 0),
      attributions: Number(rows[0]?.attributions ?? 0),
    };
  }

  async annuaire(filtre: { departement?: string; commune?: string }): Promise<GuichetAnnuaire[]> {
    const { rows } = await this.pool.query<GuichetAnnuaire>(
      `SELECT nom, code_guichet AS "codeGuichet", role, adresse, departements, communes
         FROM clients
        WHERE role IN ('guichet', 'bailleur', 'pgp') AND code_guichet IS NOT NULL AND revoked_at IS NULL
          AND ($1::text IS NULL OR departements @> ARRAY[$1::text] OR departements @> ARRAY['*'])
          AND ($2::text IS NULL OR communes @> ARRAY[$2::text]
               OR (communes = '{}' AND (departements @> ARRAY[$3::text] OR departements @> ARRAY['*'])))
        ORDER BY nom, code_guichet`,
      [
        filtre.departement ?? null,
        filtre.commune ?? null,
        filtre.commune ? (departementOfCommune(filtre.commune) ?? null) : null,
      ],
    );
    return rows;
  }
}
