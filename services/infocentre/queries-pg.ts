import type pg from 'pg';
import { TYPOLOGIES, type Typologie } from '../core/commands.ts';
import { territoireCode } from '../core/numero-unique.ts';
import { departementOfCommune } from '../core/territoire.ts';
import { type Queryable, withTransaction } from '../db/pool.ts';
import { cumulVide, type Mouvement } from './flux.ts';
import type {
  AnnuaireFiltre,
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
 * days of its month from the daily one (migration 008), plus the deltas not folded into them yet
 * (migration 017). Départements read the département grain, communes the commune grain; a
 * perimetre has either or both (never overlapping, see unionPerimetre), and a delta, which names
 * both, matches one of them at most. The monthly rows are read once for all the bornes (summed by
 * month first), so a period's two bornes cost one scan.
 */
const CUMULS = `
  WITH b AS (SELECT x, date_trunc('month', x)::date AS m FROM unnest($3::date[]) AS x),
  deltas AS MATERIALIZED (
    SELECT jour, typologie, mouvement, n FROM infocentre_deltas
     WHERE (departement = ANY($1::text[]) OR commune = ANY($2::text[])) AND jour < (SELECT max(x) FROM b)),
  mois AS MATERIALIZED (
    SELECT mois, typologie, mouvement, sum(n) AS n FROM (
      SELECT mois, typologie, mouvement, n FROM infocentre_mois_departement
       WHERE departement = ANY($1::text[]) AND mois < (SELECT max(m) FROM b)
      UNION ALL
      SELECT mois, typologie, mouvement, n FROM infocentre_mois_commune
       WHERE commune = ANY($2::text[]) AND mois < (SELECT max(m) FROM b)
      UNION ALL
      SELECT date_trunc('month', jour)::date, typologie, mouvement, n FROM deltas) t
    GROUP BY 1, 2, 3)
  SELECT x::text AS borne, typologie, mouvement, sum(n)::bigint AS n FROM (
    SELECT b.x, mois.typologie, mois.mouvement, mois.n FROM b JOIN mois ON mois.mois < b.m
    UNION ALL
    SELECT b.x, j.typologie, j.mouvement, j.n FROM b CROSS JOIN LATERAL (
      SELECT typologie, mouvement, n FROM infocentre_jour WHERE departement = ANY($1::text[]) AND jour >= b.m AND jour < b.x
      UNION ALL
      SELECT typologie, mouvement, n FROM infocentre_jour WHERE commune = ANY($2::text[]) AND jour >= b.m AND jour < b.x
      UNION ALL
      SELECT typologie, mouvement, n FROM deltas WHERE jour >= b.m AND jour < b.x) j
  ) z
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

/**
 * Attributions are read from the demandes radiées for attribution (their date_radiation is the bail
 * date), through the partial indexes of migration 008, then their attribution row.
 */
const IN_PERIMETRE = `(d.departement = ANY($1::text[]) OR d.commune_rang1 = ANY($2::text[]))`;

const ATTRIBUTIONS_PAR_MOIS = `
  SELECT to_char(a.date_signature_bail, 'YYYY-MM') AS mois, a.contingent, a.dalo, a.prioritaire, count(*)::bigint AS n
    FROM attributions a JOIN demandes d USING (numero_unique)
   WHERE d.motif_radiation = 'attribution' AND d.date_radiation BETWEEN $3 AND $4 AND ${IN_PERIMETRE}
   GROUP BY 1, 2, 3, 4`;

const DELAIS = `
  SELECT d.departement, d.typologie, d.date_depot::text AS "dateDepot", a.date_signature_bail::text AS "dateSignatureBail"
    FROM attributions a JOIN demandes d USING (numero_unique)
   WHERE d.motif_radiation = 'attribution' AND d.date_radiation BETWEEN $3 AND $4 AND ${IN_PERIMETRE}`;

/** The day a message arrived, in France (business dates are French days). */
const RECU = `(msg.received_at AT TIME ZONE 'Europe/Paris')::date`;

/**
 * Per guichet (a client with a codeGuichet acting on the département): what it registered in the
 * period (by dépôt date) and how late, what it sent (by arrival), and what its messages did (by
 * business date). "Late" is received more than one month after the business date. No part reads a
 * whole table, nor one pass per guichet:
 * - the département's demandes of the period registered by these guichets (not those filed on the
 *   portail, say): one range of `infocentre_demandes_departement`, each demande's first history
 *   line and contact flag looked up (a join on `infocentre_saisies` read all of it: one row per
 *   demande ever registered);
 * - the guichets' messages of the period: one index scan of `infocentre_messages_client`, a range
 *   per guichet, or one pass over the BRIN range of everyone's messages, whichever the planner
 *   finds cheaper;
 * - the history lines of the département's numéros ($4, the territory code every one of them
 *   starts with): one range of `infocentre_historique_client` per guichet, even for a guichet
 *   acting all over France.
 * Each part takes the guichets as an array (`= ANY (ARRAY(SELECT … FROM g))`), not as a semi-join
 * (`IN (SELECT … FROM g)`): with a département's many guichets the planner turned the history
 * lines' semi-join into a parallel pass over all of them (6 million on the bench's registry, about
 * half a second), where the array gives the index its ranges.
 * `npm run bench:registry-reads`: 0.43-0.45 s for the Nord's year on a registry of 3 million
 * demandes (before: 0.4-0.8 s, and 1.3-1.9 s with JIT compiling it).
 */
const QUALITE = `
  WITH g AS (
    SELECT id, nom, code_guichet, role FROM clients
     WHERE code_guichet IS NOT NULL AND revoked_at IS NULL
       AND (departements @> ARRAY[$1::text] OR departements @> ARRAY['*'])),
  e AS (
    SELECT d.code_guichet,
           count(*)::int AS enregistrees,
           count(*) FILTER (WHERE r.recu > (d.date_depot + interval '1 month')::date)::int AS tardifs,
           avg(r.recu - d.date_depot)::float8 AS delai_moyen,
           count(*) FILTER (WHERE (SELECT s.avec_contact FROM infocentre_saisies s
                                    WHERE s.numero_unique = d.numero_unique))::int AS avec_contact,
           count(*) FILTER (WHERE d.ressources_mensuelles > 0)::int AS avec_ressources
      FROM demandes d
      LEFT JOIN LATERAL (
        SELECT ${RECU} AS recu FROM demande_historique h JOIN messages msg ON msg.id = h.message_id
         WHERE h.numero_unique = d.numero_unique AND h.kind = 'enregistrement' LIMIT 1) r ON true
     WHERE d.departement = $1 AND d.date_depot BETWEEN $2 AND $3
       AND d.code_guichet = ANY (ARRAY(SELECT code_guichet FROM g))
     GROUP BY 1),
  m AS (
    SELECT msg.client_id,
           count(*)::int AS recus,
           count(*) FILTER (WHERE msg.status = 'rejected')::int AS rejetes,
           count(*) FILTER (WHERE msg.status = 'failed')::int AS echoues,
           count(*) FILTER (WHERE msg.error->>'code' = 'DOUBLON')::int AS doublons
      FROM messages msg
     WHERE msg.client_id = ANY (ARRAY(SELECT id FROM g))
       AND msg.received_at >= ($2::date::timestamp AT TIME ZONE 'Europe/Paris')
       AND msg.received_at < (($3::date + 1)::timestamp AT TIME ZONE 'Europe/Paris')
     GROUP BY 1),
  h AS MATERIALIZED (
    SELECT h.client_id, h.kind, h.details->>'motif' AS motif, h.date_effet, ${RECU} AS recu
      FROM demande_historique h
      LEFT JOIN messages msg ON msg.id = h.message_id
     WHERE h.client_id = ANY (ARRAY(SELECT id FROM g)) AND left(h.numero_unique, 3) = $4
       AND h.date_effet BETWEEN $2 AND $3
       AND h.kind IN ('modification', 'renouvellement', 'reactivation', 'radiation', 'attribution')),
  hc AS (
    SELECT client_id,
           count(*) FILTER (WHERE kind = 'modification')::int AS modifications,
           count(*) FILTER (WHERE kind IN ('renouvellement', 'reactivation'))::int AS renouvellements,
           count(*) FILTER (WHERE kind = 'radiation' AND recu > (date_effet + interval '1 month')::date)::int
             AS radiations_tardives,
           count(*) FILTER (WHERE kind = 'attribution')::int AS attributions,
           count(*) FILTER (WHERE kind = 'attribution' AND recu > (date_effet + interval '1 month')::date)::int
             AS attributions_tardives,
           (avg(recu - date_effet) FILTER (WHERE kind = 'attribution'))::float8 AS delai_attribution
      FROM h GROUP BY 1),
  r AS (
    SELECT client_id, jsonb_object_agg(motif, n) AS par_motif FROM (
      SELECT client_id, motif, count(*)::int AS n FROM h WHERE kind IN ('radiation', 'attribution') GROUP BY 1, 2) x
     GROUP BY 1)
  SELECT g.id AS "clientId", g.nom, g.code_guichet AS "codeGuichet", g.role,
         coalesce(e.enregistrees, 0) AS enregistrees, coalesce(e.tardifs, 0) AS tardifs, e.delai_moyen,
         coalesce(e.avec_contact, 0) AS avec_contact, coalesce(e.avec_ressources, 0) AS avec_ressources,
         coalesce(m.recus, 0) AS recus, coalesce(m.rejetes, 0) AS rejetes, coalesce(m.echoues, 0) AS echoues,
         coalesce(m.doublons, 0) AS doublons, coalesce(hc.modifications, 0) AS modifications,
         coalesce(hc.renouvellements, 0) AS renouvellements, coalesce(hc.radiations_tardives, 0) AS radiations_tardives,
         coalesce(hc.attributions, 0) AS attributions, coalesce(hc.attributions_tardives, 0) AS attributions_tardives,
         hc.delai_attribution, coalesce(r.par_motif, '{}'::jsonb) AS radiations
    FROM g
    LEFT JOIN e ON e.code_guichet = g.code_guichet
    LEFT JOIN m ON m.client_id = g.id
    LEFT JOIN hc ON hc.client_id = g.id
    LEFT JOIN r ON r.client_id = g.id
   ORDER BY g.code_guichet`;

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
  constructor(
    private readonly pool: pg.Pool,
    /** Where the queries run: the pool, or the one connection of a `snapshot`. */
    private readonly db: Queryable = pool,
  ) {}

  /**
   * `work`'s queries in one `REPEATABLE READ READ ONLY` transaction: one snapshot of the registry,
   * so that a reply made of several queries (a flux table's lines and its total) agrees with itself
   * while messages apply.
   */
  snapshot<T>(work: (queries: InfocentreQueries) => Promise<T>): Promise<T> {
    return withTransaction(this.pool, async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      return work(new PgInfocentreQueries(this.pool, client));
    });
  }

  async cumuls(perimetre: Perimetre, bornes: string[]): Promise<Map<string, CumulParTypologie>> {
    const { rows } = await this.db.query<{
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
    const { rows } = await this.db.query<{ dateDepot: string; n: string }>(DEPOTS_EN_COURS, [
      perimetre.departements,
      perimetre.communes,
      date,
    ]);
    return rows.map((r) => ({ dateDepot: r.dateDepot, n: Number(r.n) }));
  }

  async attributionsParMois(perimetre: Perimetre, du: string, au: string): Promise<AttributionsGroupe[]> {
    const { rows } = await this.db.query<Omit<AttributionsGroupe, 'n'> & { n: string }>(
      ATTRIBUTIONS_PAR_MOIS,
      [perimetre.departements, perimetre.communes, du, au],
    );
    return rows.map((r) => ({ ...r, n: Number(r.n) }));
  }

  async delaisAttribution(perimetre: Perimetre, du: string, au: string): Promise<DelaiAttribution[]> {
    const { rows } = await this.db.query<DelaiAttribution>(DELAIS, [
      perimetre.departements,
      perimetre.communes,
      du,
      au,
    ]);
    return rows;
  }

  async qualiteGuichets(departement: string, du: string, au: string): Promise<QualiteGuichetBrute[]> {
    const { rows } = await this.db.query<QualiteRow>(QUALITE, [
      departement,
      du,
      au,
      territoireCode(departement),
    ]);
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
    const { rows } = await this.db.query<{ logements: string; attributions: string }>(
      `SELECT (SELECT count(*) FROM logements WHERE code_commune = $1 AND statut = 'en-parc') AS logements,
              (SELECT coalesce(sum(n), 0) FROM infocentre_attributions_commune
                WHERE commune = $1 AND annee = $2) AS attributions`,
      [insee, annee],
    );
    return {
      logementsSociaux: Number(rows[0]?.logements ?? 0),
      attributions: Number(rows[0]?.attributions ?? 0),
    };
  }

  async annuaire(filtre: AnnuaireFiltre, rows: number, after?: string): Promise<GuichetAnnuaire[]> {
    const { rows: guichets } = await this.db.query<GuichetAnnuaire>(
      `SELECT nom, code_guichet AS "codeGuichet", role, adresse, departements, communes
         FROM clients
        WHERE role IN ('guichet', 'bailleur', 'pgp') AND code_guichet IS NOT NULL AND revoked_at IS NULL
          AND ($1::text IS NULL OR departements @> ARRAY[$1::text] OR departements @> ARRAY['*'])
          AND ($2::text IS NULL OR communes @> ARRAY[$2::text]
               OR (communes = '{}' AND (departements @> ARRAY[$3::text] OR departements @> ARRAY['*'])))
          AND ($4::text IS NULL OR (nom, code_guichet) > (SELECT nom, code_guichet FROM clients WHERE code_guichet = $4))
        ORDER BY nom, code_guichet
        LIMIT $5`,
      [
        filtre.departement ?? null,
        filtre.commune ?? null,
        filtre.commune ? (departementOfCommune(filtre.commune) ?? null) : null,
        after ?? null,
        rows,
      ],
    );
    return guichets;
  }
}
