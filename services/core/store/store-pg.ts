import {
  arrayLiteral,
  booleanText,
  type Column,
  columnParameters,
  jsonText,
  numberText,
  unnestColumns,
} from '../../db/binary-arrays.ts';
import { LOCK_KEYS } from '../../db/lock-keys.ts';
import type { Queryable } from '../../db/pool.ts';
import { uuidV7 } from '../../shared/uuid-v7.ts';
import type { Demande, Logement } from '../demande.ts';
import { sequenceKeyId } from '../numero-unique.ts';
import type { PrioritesRecues } from '../rules/index.ts';
import type { RegistryNeeds, RegistryStore, RegistryWrites } from '../store.ts';

import type { LoadedState } from '../working-set.ts';

/** Writers of events hold this advisory lock from their insert to their commit: sequences commit in order. */
export const EVENTS_LOCK = LOCK_KEYS.events;

export interface DemandeRow {
  numero_unique: string;
  departement: string;
  date_depot: string;
  code_guichet: string;
  organisme: string;
  reference_guichet: string | null;
  identite_hash: string | null;
  demandeur: Demande['demandeur'];
  menage: Demande['menage'];
  ressources_mensuelles: string;
  typologie: Demande['typologie'];
  communes_souhaitees: string[];
  motif: Demande['motif'];
  statut: Demande['statut'];
  date_renouvellement: string | null;
  date_echeance: string;
  radiation: Demande['radiation'] | null;
  dalo: Demande['dalo'] | null;
  prioritaire: Demande['prioritaire'] | null;
}

export function demandeFromRow(row: DemandeRow): Demande {
  return {
    numeroUnique: row.numero_unique,
    departement: row.departement,
    dateDepot: row.date_depot,
    codeGuichet: row.code_guichet,
    organisme: row.organisme,
    ...(row.reference_guichet ? { referenceGuichet: row.reference_guichet } : {}),
    identiteHash: row.identite_hash,
    demandeur: row.demandeur,
    menage: row.menage,
    ressourcesMensuelles: Number(row.ressources_mensuelles),
    typologie: row.typologie,
    communesSouhaitees: row.communes_souhaitees,
    motif: row.motif,
    statut: row.statut,
    ...(row.date_renouvellement ? { dateRenouvellement: row.date_renouvellement } : {}),
    dateEcheance: row.date_echeance,
    ...(row.radiation ? { radiation: row.radiation } : {}),
    ...(row.dalo ? { dalo: row.dalo } : {}),
    ...(row.prioritaire ? { prioritaire: row.prioritaire } : {}),
  };
}

/**
 * The demandes a batch needs, locked in numéro order so that two batches cannot deadlock on them: by
 * numéro, by the guichet's reference, by identity among the active ones. Each key is one probe of its
 * unique index, and each demande found one probe of the primary key (`OFFSET 0` and the lock keep
 * each probe a subquery of its own, taken in the sorted order of `wanted`): joined as sets, the
 * planner judged by statistics that lag behind a fast-growing table and scanned it whole (every
 * active demande, to find a lot's 500 identities).
 */
const LOAD_DEMANDES = `
  WITH wanted AS MATERIALIZED (
    SELECT x.numero_unique FROM unnest($1::text[]) AS n(numero)
      CROSS JOIN LATERAL (SELECT numero_unique FROM demandes WHERE numero_unique = n.numero OFFSET 0) x
    UNION
    SELECT x.numero_unique FROM unnest($2::text[], $3::text[]) AS r(organisme, reference)
      CROSS JOIN LATERAL (SELECT numero_unique FROM demandes
                           WHERE organisme = r.organisme AND reference_guichet = r.reference OFFSET 0) x
    UNION
    SELECT x.numero_unique FROM unnest($4::text[], $5::text[]) AS i(departement, hash)
      CROSS JOIN LATERAL (SELECT numero_unique FROM demandes
                           WHERE departement = i.departement AND identite_hash = i.hash AND statut = 'active'
                          OFFSET 0) x
    ORDER BY 1)
  SELECT d.* FROM wanted w
    CROSS JOIN LATERAL (SELECT * FROM demandes WHERE numero_unique = w.numero_unique FOR UPDATE) d
   ORDER BY d.numero_unique`;

/** A demande's columns as its batch writes them: its fields by their names in `Demande`. */
const DEMANDE_COLUMNS: Column<Demande>[] = [
  { name: 'numeroUnique', type: 'text', value: (d) => d.numeroUnique },
  { name: 'departement', type: 'text', value: (d) => d.departement },
  { name: 'dateDepot', type: 'date', value: (d) => d.dateDepot },
  { name: 'codeGuichet', type: 'text', value: (d) => d.codeGuichet },
  { name: 'organisme', type: 'text', value: (d) => d.organisme },
  { name: 'referenceGuichet', type: 'text', value: (d) => d.referenceGuichet },
  { name: 'identiteHash', type: 'text', value: (d) => d.identiteHash },
  { name: 'demandeur', type: 'jsonb', value: (d) => jsonText(d.demandeur) },
  { name: 'menage', type: 'jsonb', value: (d) => jsonText(d.menage) },
  { name: 'ressourcesMensuelles', type: 'numeric', value: (d) => numberText(d.ressourcesMensuelles) },
  { name: 'typologie', type: 'text', value: (d) => d.typologie },
  { name: 'communesSouhaitees', type: 'text[]', value: (d) => arrayLiteral(d.communesSouhaitees) },
  { name: 'motif', type: 'text', value: (d) => d.motif },
  { name: 'statut', type: 'text', value: (d) => d.statut },
  { name: 'dateRenouvellement', type: 'date', value: (d) => d.dateRenouvellement },
  { name: 'dateEcheance', type: 'date', value: (d) => d.dateEcheance },
  { name: 'radiation', type: 'jsonb', value: (d) => jsonText(d.radiation) },
  { name: 'dalo', type: 'jsonb', value: (d) => jsonText(d.dalo) },
  { name: 'prioritaire', type: 'jsonb', value: (d) => jsonText(d.prioritaire) },
];

/** The demandes a batch wrote, as rows `d`: their columns are the parameters (`DEMANDE_COLUMNS`). */
const DEMANDE_RECORDS = `${unnestColumns(DEMANDE_COLUMNS)} AS d`;

/**
 * New demandes: a plain INSERT. As an upsert (`ON CONFLICT … DO UPDATE`) each row cost a probe of
 * the primary key before its insert and a speculative insertion confirmed after it (bench:pipeline's
 * perf profile: 3 to 4 % of the machine's CPU for the hot path's upserts); a numéro the store just
 * reserved is never in the table.
 */
const INSERT_DEMANDES = `
  INSERT INTO demandes (numero_unique, departement, date_depot, code_guichet, organisme, reference_guichet,
    identite_hash, demandeur, menage, nombre_personnes, ressources_mensuelles, typologie, communes_souhaitees,
    commune_rang1, motif, statut, date_renouvellement, date_echeance, date_radiation, motif_radiation,
    sous_motif_radiation, radiation, dalo, prioritaire)
  SELECT d."numeroUnique", d.departement, d."dateDepot", d."codeGuichet", d.organisme, d."referenceGuichet",
    d."identiteHash", d.demandeur, d.menage, (d.menage->>'nombrePersonnes')::smallint, d."ressourcesMensuelles",
    d.typologie, d."communesSouhaitees", d."communesSouhaitees"[1], d.motif, d.statut, d."dateRenouvellement",
    d."dateEcheance", (d.radiation->>'dateRadiation')::date, d.radiation->>'motif', d.radiation->>'sousMotif',
    d.radiation, d.dalo, d.prioritaire
  FROM ${DEMANDE_RECORDS}`;

/** Demandes read from the registry (and locked) by this store: what may change of them. */
const UPDATE_DEMANDES = `
  UPDATE demandes SET
    identite_hash = d."identiteHash", demandeur = d.demandeur, menage = d.menage,
    nombre_personnes = (d.menage->>'nombrePersonnes')::smallint, ressources_mensuelles = d."ressourcesMensuelles",
    typologie = d.typologie, communes_souhaitees = d."communesSouhaitees", commune_rang1 = d."communesSouhaitees"[1],
    motif = d.motif, statut = d.statut, date_renouvellement = d."dateRenouvellement", date_echeance = d."dateEcheance",
    date_radiation = (d.radiation->>'dateRadiation')::date, motif_radiation = d.radiation->>'motif',
    sous_motif_radiation = d.radiation->>'sousMotif', radiation = d.radiation, dalo = d.dalo,
    prioritaire = d.prioritaire, updated_at = now()
  FROM ${DEMANDE_RECORDS}
  WHERE demandes.numero_unique = d."numeroUnique"`;

type Written<K extends keyof RegistryWrites> = RegistryWrites[K][number];

const HISTORY_COLUMNS: Column<Written<'history'>>[] = [
  { name: 'numeroUnique', type: 'text', value: (h) => h.numeroUnique },
  { name: 'kind', type: 'text', value: (h) => h.kind },
  { name: 'dateEffet', type: 'date', value: (h) => h.dateEffet },
  { name: 'clientId', type: 'text', value: (h) => h.clientId },
  { name: 'messageId', type: 'uuid', value: (h) => h.messageId },
  { name: 'details', type: 'jsonb', value: (h) => jsonText(h.details) },
];

const ATTRIBUTION_COLUMNS: Column<Written<'attributions'>>[] = [
  { name: 'numeroUnique', type: 'text', value: (a) => a.numeroUnique },
  { name: 'logement', type: 'text', value: (a) => a.logement },
  { name: 'dateSignatureBail', type: 'date', value: (a) => a.dateSignatureBail },
  { name: 'contingent', type: 'text', value: (a) => a.contingent },
  { name: 'accordCollectif', type: 'boolean', value: (a) => booleanText(a.accordCollectif) },
  { name: 'dalo', type: 'boolean', value: (a) => booleanText(a.dalo) },
  { name: 'prioritaire', type: 'boolean', value: (a) => booleanText(a.prioritaire) },
  { name: 'clientId', type: 'text', value: (a) => a.clientId },
  { name: 'messageId', type: 'uuid', value: (a) => a.messageId },
];

const DESIGNATION_COLUMNS: Column<Written<'designations'>>[] = [
  { name: 'numeroUnique', type: 'text', value: (d) => d.numeroUnique },
  { name: 'logement', type: 'text', value: (d) => d.logement },
  { name: 'sirenBailleur', type: 'text', value: (d) => d.sirenBailleur },
  { name: 'dateDesignation', type: 'date', value: (d) => d.dateDesignation },
  { name: 'clientId', type: 'text', value: (d) => d.clientId },
  { name: 'messageId', type: 'uuid', value: (d) => d.messageId },
];

/** An event's columns; its id is drawn here (uuidV7, in the order of the batch). */
const EVENT_COLUMNS: Column<Written<'events'>>[] = [
  { name: 'id', type: 'uuid', value: () => uuidV7() },
  { name: 'name', type: 'text', value: (e) => e.name },
  { name: 'subject', type: 'text', value: (e) => e.subject },
  { name: 'departement', type: 'text', value: (e) => e.departement },
  { name: 'data', type: 'jsonb', value: (e) => jsonText(e.data) },
  { name: 'clientId', type: 'text', value: (e) => e.clientId },
  { name: 'daloDecision', type: 'text', value: (e) => e.audience.daloDecision },
  { name: 'prioritaire', type: 'boolean', value: (e) => booleanText(e.audience.prioritaire) },
  { name: 'bailleur', type: 'text', value: (e) => e.audience.bailleur },
];

/** Numbers of one counter, `premier` to `dernier`; `id` is the counter's `TTTMMAA`. */
interface NumeroBlock {
  id: string;
  premier: number;
  dernier: number;
}

/** Draws outside at most, in case one is not found again (it never should be), before one inside. */
const DRAWS_OUTSIDE = 3;

/** `$1..$3`: the counters' territoire, mois, annee; `$4`: how many numbers each. */
const DRAWN = `
  WITH wanted AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) AS w(territoire, mois, annee, n)),
  drawn AS (
    INSERT INTO numero_sequences AS s (territoire, mois, annee, dernier)
    SELECT territoire, mois, annee, n FROM wanted ORDER BY 1, 2, 3
    ON CONFLICT (territoire, mois, annee) DO UPDATE SET dernier = s.dernier + EXCLUDED.dernier
    RETURNING s.territoire, s.mois, s.annee, s.dernier),
  blocks AS (
    SELECT d.territoire, d.mois, d.annee, d.dernier - w.n + 1 AS premier, d.dernier
      FROM drawn d JOIN wanted w USING (territoire, mois, annee))`;

/** Draws numbers inside the transaction: its own, the counter locked until it ends. */
const DRAW_NUMEROS = `${DRAWN}
  SELECT territoire || mois || annee AS id, premier, dernier FROM blocks`;

/**
 * Draws numbers in a transaction of their own and records them free, for the transaction `$5` that
 * drew them to take (no other takes them while it runs). Its commit need not wait for the disk
 * (`synchronous_commit` off for it alone): the demandes that use the numbers commit after it, and
 * that commit flushes the WAL up to theirs, this draw's included. Lost in a crash before, the draw
 * is lost whole, counter and block together.
 */
const DRAW_FREE_NUMEROS = `${DRAWN},
  settings AS (SELECT set_config('synchronous_commit', 'off', true))
  INSERT INTO numero_blocs (territoire, mois, annee, premier, dernier, tirees_par)
  SELECT territoire, mois, annee, premier, dernier, $5::xid8 FROM blocks, settings`;

/**
 * Takes free numbers of counters `$1..$3` into this transaction: those it drew outside, and those no
 * running transaction drew (a rolled-back one's, SKIP LOCKED past those another is taking). Returns
 * them with this transaction's id, which its draws outside record.
 */
const TAKE_FREE_NUMEROS = `
  WITH me AS MATERIALIZED (SELECT pg_current_xact_id() AS xid),
  taken AS (
    DELETE FROM numero_blocs b
     USING (SELECT f.territoire, f.mois, f.annee, f.premier
              FROM unnest($1::text[], $2::text[], $3::text[]) AS k(territoire, mois, annee)
              CROSS JOIN LATERAL (SELECT * FROM numero_blocs
                                   WHERE (territoire, mois, annee) = (k.territoire, k.mois, k.annee)
                                     AND (tirees_par IS NULL OR tirees_par = (SELECT xid FROM me)
                                          OR pg_xact_status(tirees_par) IS DISTINCT FROM 'in progress')
                                     FOR UPDATE SKIP LOCKED) f) t
     WHERE (b.territoire, b.mois, b.annee, b.premier) = (t.territoire, t.mois, t.annee, t.premier)
    RETURNING b.territoire || b.mois || b.annee AS id, b.premier, b.dernier)
  SELECT (SELECT xid::text FROM me) AS xid, COALESCE((SELECT json_agg(taken) FROM taken), '[]') AS blocks`;

/** Records numbers free: `$1..$3` the counters, `$4..$5` the blocks. */
const FREE_NUMEROS = `
  INSERT INTO numero_blocs (territoire, mois, annee, premier, dernier)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[])`;

/** A counter's `TTTMMAA` id as the three columns of its key, each a parameter array. */
function keyParameters(ids: string[]): [string[], string[], string[]] {
  return [ids.map((id) => id.slice(0, 3)), ids.map((id) => id.slice(3, 5)), ids.map((id) => id.slice(5, 7))];
}

function drawParameters(counts: Map<string, number>): unknown[] {
  return [...keyParameters([...counts.keys()]), [...counts.values()]];
}

function blockParameters(blocks: NumeroBlock[]): unknown[] {
  return [
    ...keyParameters(blocks.map((b) => b.id)),
    blocks.map((b) => b.premier),
    blocks.map((b) => b.dernier),
  ];
}

function addBlocks(held: Map<string, number[]>, blocks: NumeroBlock[]): void {
  for (const { id, premier, dernier } of blocks) {
    const numbers = held.get(id) ?? [];
    for (let n = premier; n <= dernier; n++) numbers.push(n);
    held.set(id, numbers);
  }
}

/** Ascending numbers of one counter as blocks of consecutive numbers. */
function blocksOf(id: string, numbers: number[]): NumeroBlock[] {
  const blocks: NumeroBlock[] = [];
  for (const n of numbers) {
    const last = blocks.at(-1);
    if (last && last.dernier === n - 1) last.dernier = n;
    else blocks.push({ id, premier: n, dernier: n });
  }
  return blocks;
}

/**
 * Runs one statement as a transaction of its own, outside the store's, on a connection free right
 * now; resolves `undefined`, running nothing, when none is (the store then does the work inside).
 */
export type OutsideQuery = (text: string, values: unknown[]) => Promise<{ rows: unknown[] } | undefined>;

export interface PgRegistryStoreOptions {
  /**
   * `save` keeps the events instead of inserting them; the caller writes its own rows, then
   * `writeHeldEvents()` last (the apply worker: the messages' outcomes before the events).
   */
  holdEvents?: boolean;
  /**
   * Where new numéros are drawn from their counter. Outside, a counter's row is locked for that
   * draw alone, and the numbers drawn are recorded free (`numero_blocs`) until this transaction
   * takes them: every batch of a territory and month no longer waits for the commit of the one
   * that drew before it. Without it, the draw is made inside the transaction, which then holds the
   * counter until it ends.
   */
  drawOutside?: OutsideQuery;
}

/** The registry in PostgreSQL, inside the transaction of the client given. */
export class PgRegistryStore implements RegistryStore {
  private heldEvents: RegistryWrites['events'] = [];
  /** The numéros of the demandes in the registry this store read or wrote: `save` updates those, inserts the others. */
  private readonly stored = new Set<string>();

  constructor(
    private readonly db: Queryable,
    private readonly options: PgRegistryStoreOptions = {},
  ) {}

  async load(needs: RegistryNeeds): Promise<LoadedState> {
    const { rows } = await this.db.query<DemandeRow>(LOAD_DEMANDES, [
      needs.numeros,
      needs.references.map((r) => r.organisme),
      needs.references.map((r) => r.referenceGuichet),
      needs.identites.map((i) => i.departement),
      needs.identites.map((i) => i.identiteHash),
    ]);
    const demandes = this.remember(rows.map(demandeFromRow));
    // A reactivation must see the person's other active demande, which the first query did not name.
    const reactivables = identitesToCheck(demandes);
    if (reactivables.length > 0) {
      const loaded = new Set(demandes.map((d) => d.numeroUnique));
      const more = await this.db.query<DemandeRow>(LOAD_DEMANDES, [
        [],
        [],
        [],
        reactivables.map((i) => i.departement),
        reactivables.map((i) => i.identiteHash),
      ]);
      demandes.push(
        ...this.remember(more.rows.map(demandeFromRow)).filter((d) => !loaded.has(d.numeroUnique)),
      );
    }
    return {
      demandes,
      logements: await this.loadLogements(needs.logements),
      sequences: await this.readSequences(needs),
      ...(needs.prioritesRecues ? { priorites: await this.loadPriorites(demandes) } : {}),
    };
  }

  /** Notes that these demandes are in the registry (read from it): `save` updates them. */
  protected remember(demandes: Demande[]): Demande[] {
    for (const d of demandes) this.stored.add(d.numeroUnique);
    return demandes;
  }

  /** The DALO decisions and labellisations of these demandes, from their history, in the order recorded. */
  private async loadPriorites(demandes: Demande[]): Promise<Map<string, PrioritesRecues>> {
    const priorites = new Map<string, PrioritesRecues>();
    if (demandes.length === 0) return priorites;
    const { rows } = await this.db.query<{ numero_unique: string; kind: string; details: never }>(
      `SELECT numero_unique, kind, details FROM demande_historique
        WHERE numero_unique = ANY($1::text[]) AND kind IN ('dalo-decision', 'labellisation')
        ORDER BY numero_unique, id`,
      [demandes.map((d) => d.numeroUnique)],
    );
    for (const row of rows) {
      const recues = priorites.get(row.numero_unique) ?? { dalo: [], labellisations: [] };
      if (row.kind === 'dalo-decision') recues.dalo.push(row.details);
      else recues.labellisations.push(row.details);
      priorites.set(row.numero_unique, recues);
    }
    return priorites;
  }

  private async loadLogements(ids: string[]): Promise<Logement[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.db.query<Logement>(
      `SELECT identifiant_rpls AS "identifiantRpls", siren_bailleur AS "sirenBailleur",
              code_commune AS "codeCommune", departement, statut
         FROM logements WHERE identifiant_rpls = ANY($1::text[])`,
      [ids],
    );
    return rows;
  }

  private async readSequences(needs: RegistryNeeds): Promise<Map<string, number>> {
    if (needs.sequences.length === 0) return new Map();
    const { rows } = await this.db.query<{ id: string; dernier: number }>(
      `SELECT territoire || mois || annee AS id, dernier FROM numero_sequences
        WHERE territoire || mois || annee = ANY($1::text[])`,
      [[...new Set(needs.sequences.map(sequenceKeyId))]],
    );
    return new Map(rows.map((r) => [r.id, r.dernier]));
  }

  async reserveNumeros(counts: Map<string, number>): Promise<Map<string, number[]>> {
    const held = new Map<string, number[]>();
    const missing = () =>
      new Map(
        [...counts].map(([id, n]) => [id, n - (held.get(id)?.length ?? 0)] as const).filter(([, n]) => n > 0),
      );
    for (let round = 1; ; round++) {
      // Free numbers first (a rolled-back transaction's, or this one's draw outside), lowest first.
      const xid = await this.takeFreeNumeros([...missing().keys()], held);
      const short = missing();
      if (short.size === 0) break;
      const drawnOutside =
        round <= DRAWS_OUTSIDE && this.options.drawOutside
          ? await this.options.drawOutside(DRAW_FREE_NUMEROS, [...drawParameters(short), xid])
          : undefined;
      if (drawnOutside) continue;
      const { rows } = await this.db.query<NumeroBlock>(DRAW_NUMEROS, drawParameters(short));
      addBlocks(held, rows);
    }
    // A free block larger than the need: the numbers beyond it are free again once this transaction commits.
    const reserved = new Map<string, number[]>();
    const excess: NumeroBlock[] = [];
    for (const [id, n] of counts) {
      const numbers = (held.get(id) ?? []).sort((a, b) => a - b);
      reserved.set(id, numbers.slice(0, n));
      excess.push(...blocksOf(id, numbers.slice(n)));
    }
    if (excess.length > 0) await this.db.query(FREE_NUMEROS, blockParameters(excess));
    return reserved;
  }

  /** Takes the free numbers of these counters this transaction may take, into `held`; returns its id. */
  private async takeFreeNumeros(ids: string[], held: Map<string, number[]>): Promise<string> {
    const { rows } = await this.db.query<{ xid: string; blocks: NumeroBlock[] }>(
      TAKE_FREE_NUMEROS,
      keyParameters(ids),
    );
    addBlocks(held, rows[0]?.blocks ?? []);
    return rows[0]?.xid as string;
  }

  async save(writes: RegistryWrites): Promise<void> {
    // A demande changed twice in one batch is written once, in its last state.
    const latest = [...new Map(writes.demandes.map((d) => [d.numeroUnique, d])).values()];
    const changed = latest.filter((d) => this.stored.has(d.numeroUnique));
    const created = latest.filter((d) => !this.stored.has(d.numeroUnique));
    if (changed.length > 0) await this.db.query(UPDATE_DEMANDES, columnParameters(DEMANDE_COLUMNS, changed));
    if (created.length > 0) {
      await this.db.query(INSERT_DEMANDES, columnParameters(DEMANDE_COLUMNS, created));
      this.remember(created);
    }

    if (writes.history.length > 0) {
      await this.db.query(
        `INSERT INTO demande_historique (numero_unique, kind, date_effet, client_id, message_id, details)
         SELECT h."numeroUnique", h.kind, h."dateEffet", h."clientId", h."messageId", h.details
           FROM ${unnestColumns(HISTORY_COLUMNS)} AS h
          ORDER BY n`,
        columnParameters(HISTORY_COLUMNS, writes.history),
      );
    }
    if (writes.attributions.length > 0) {
      await this.db.query(
        `INSERT INTO attributions (numero_unique, logement, date_signature_bail, contingent, accord_collectif, dalo,
           prioritaire, client_id, message_id)
         SELECT a."numeroUnique", a.logement, a."dateSignatureBail", a.contingent, a."accordCollectif", a.dalo,
           a.prioritaire, a."clientId", a."messageId"
           FROM ${unnestColumns(ATTRIBUTION_COLUMNS)} AS a
         ON CONFLICT (numero_unique) DO UPDATE SET logement = EXCLUDED.logement,
           date_signature_bail = EXCLUDED.date_signature_bail, contingent = EXCLUDED.contingent,
           accord_collectif = EXCLUDED.accord_collectif, dalo = EXCLUDED.dalo, prioritaire = EXCLUDED.prioritaire,
           client_id = EXCLUDED.client_id, message_id = EXCLUDED.message_id`,
        columnParameters(ATTRIBUTION_COLUMNS, writes.attributions),
      );
    }
    if (writes.attributionStatuts.length > 0) {
      // The last status of each attribution: of two rows for one target, UPDATE … FROM takes either.
      const statuts = [...new Map(writes.attributionStatuts.map((s) => [s.numeroUnique, s])).values()];
      await this.db.query(
        `UPDATE attributions a SET dalo = s.dalo, prioritaire = s.prioritaire
           FROM unnest($1::text[], $2::boolean[], $3::boolean[]) AS s(numero_unique, dalo, prioritaire)
          WHERE a.numero_unique = s.numero_unique`,
        [statuts.map((s) => s.numeroUnique), statuts.map((s) => s.dalo), statuts.map((s) => s.prioritaire)],
      );
    }
    if (writes.preavis.length > 0) {
      await this.db.query(
        `INSERT INTO preavis (numero_unique, date_echeance)
         SELECT * FROM unnest($1::text[], $2::date[]) ON CONFLICT DO NOTHING`,
        [writes.preavis.map((p) => p.numeroUnique), writes.preavis.map((p) => p.dateEcheance)],
      );
    }
    if (writes.designations.length > 0) {
      await this.db.query(
        `INSERT INTO designations (id, numero_unique, logement, siren_bailleur, date_designation, client_id, message_id)
         SELECT sne_uuid_v7(), d."numeroUnique", d.logement, d."sirenBailleur", d."dateDesignation", d."clientId",
           d."messageId"
           FROM ${unnestColumns(DESIGNATION_COLUMNS)} AS d`,
        columnParameters(DESIGNATION_COLUMNS, writes.designations),
      );
    }
    if (writes.events.length === 0) return;
    if (this.options.holdEvents) this.heldEvents.push(...writes.events);
    else await this.insertEvents(writes.events);
  }

  /**
   * Writes the events `save` held (`holdEvents`): the caller's last statement before its COMMIT, so
   * that EVENTS_LOCK is held only from this insert to that commit.
   */
  async writeHeldEvents(): Promise<void> {
    const events = this.heldEvents;
    this.heldEvents = [];
    if (events.length > 0) await this.insertEvents(events);
  }

  /**
   * Last in its transaction: takes EVENTS_LOCK, held to the commit, so that sequences commit in
   * order. One statement: every row waits for `locked` (the sort reads them all before the first
   * is inserted), so no `sequence` is drawn before the lock is granted.
   */
  private async insertEvents(events: RegistryWrites['events']): Promise<void> {
    await this.db.query(
      `WITH locked AS MATERIALIZED (SELECT pg_advisory_xact_lock($1))
       INSERT INTO events (id, type, subject, departement, data, client_id, dalo_decision, prioritaire, bailleur)
       SELECT e.id, 'fr.sne.' || e.name || '.v1', e.subject, e.departement, e.data, e."clientId",
         e."daloDecision", e.prioritaire, e.bailleur
         FROM ${unnestColumns(EVENT_COLUMNS, 2)} AS e
         CROSS JOIN locked
        ORDER BY n`,
      [EVENTS_LOCK, ...columnParameters(EVENT_COLUMNS, events)],
    );
  }
}

/** The identities of radiée demandes a reactivation would check against (the store loads them too). */
function identitesToCheck(demandes: Demande[]): { departement: string; identiteHash: string }[] {
  return demandes
    .filter((d) => d.statut === 'radiee' && d.identiteHash)
    .map((d) => ({ departement: d.departement, identiteHash: d.identiteHash as string }));
}
