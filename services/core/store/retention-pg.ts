import type { Queryable } from '../../db/pool.ts';
import type { IsoDate } from '../commands.ts';
import { PERSONAL_KEYS, type RetentionStore } from '../retention.ts';

/**
 * The retention purge in PostgreSQL. Per page of demandes, in one transaction:
 * - `demandes`: the demandeur keeps its nationalité and whether it had an email or a telephone
 *   (a guichet quality indicator), names and birth date become empty strings; the ménage keeps its
 *   size; the identity hash (a pseudonym of name and birth date) is dropped;
 * - `messages` that made the demande (its history's and attribution's messages): the raw text is
 *   emptied (an XML element cannot be partly kept) and the canonical command loses its personal keys;
 * - `demande_historique.details` and `events.data`: personal keys removed (events carry none by
 *   design; the purge makes sure);
 * - `pieces`: the content is erased (the row, who deposited what and when, stays, as after a delete).
 * Webhook deliveries store no body: they are built from `events` when sent.
 *
 * A purged message keeps its `updated_at` (its last change of status, which the operators' `from`
 * and `to` filter on) and records the purge in `donnees_purgees_le`.
 *
 * `donnees_purgees_le` is the business date the purge runs as (`purgedOn`, a day in Paris), not the
 * database's `current_date`, which is the day in the server's time zone: between midnight in Paris
 * and midnight UTC, a purge of the 1st recorded the 31st.
 */
export class PgRetentionStore implements RetentionStore {
  constructor(
    private readonly db: Queryable,
    private readonly purgedOn: IsoDate,
  ) {}

  async purge(bound: IsoDate, limit: number): Promise<number> {
    // SKIP LOCKED: a demande a batch is reactivating right now is left for the next run.
    const { rows } = await this.db.query<{ numero_unique: string }>(
      `UPDATE demandes d SET
          demandeur = jsonb_build_object('nom', '', 'prenom', '', 'dateNaissance', '',
            'nationalite', d.demandeur->'nationalite',
            'avecEmail', d.demandeur ? 'email', 'avecTelephone', d.demandeur ? 'telephone'),
          menage = jsonb_build_object('nombrePersonnes', d.menage->'nombrePersonnes'),
          identite_hash = NULL, donnees_purgees_le = $3::date, updated_at = now()
        WHERE d.numero_unique IN (
          SELECT numero_unique FROM demandes
           WHERE statut = 'radiee' AND donnees_purgees_le IS NULL AND date_radiation <= $1::date
           ORDER BY date_radiation, numero_unique LIMIT $2 FOR UPDATE SKIP LOCKED)
        RETURNING d.numero_unique`,
      [bound, limit, this.purgedOn],
    );
    const numeros = rows.map((r) => r.numero_unique);
    if (numeros.length === 0) return 0;
    const keys = [...PERSONAL_KEYS];
    // The demande's messages, and the operators' revisions of them (corrected payloads).
    await this.db.query(
      erasingMessages(
        `SELECT message_id AS id FROM demande_historique WHERE numero_unique = ANY($1::text[]) AND message_id IS NOT NULL
         UNION SELECT message_id FROM attributions WHERE numero_unique = ANY($1::text[]) AND message_id IS NOT NULL
         UNION SELECT message_id FROM designations WHERE numero_unique = ANY($1::text[]) AND message_id IS NOT NULL`,
        '$2',
        '$3',
      ),
      [numeros, keys, this.purgedOn],
    );
    await this.db.query(
      `UPDATE demande_historique SET details = sne_sans_cles(details, $2::text[])
        WHERE numero_unique = ANY($1::text[]) AND details <> sne_sans_cles(details, $2::text[])`,
      [numeros, keys],
    );
    await this.db.query(
      `UPDATE events SET data = sne_sans_cles(data, $2::text[])
        WHERE subject = ANY($1::text[]) AND data <> sne_sans_cles(data, $2::text[])`,
      [numeros, keys],
    );
    await this.db.query(
      // `deleted_at IS NULL` (the same rows, by pieces_content_until_deleted) is what the partial
      // index pieces_demande holds: written as `content IS NOT NULL`, every page read the whole table.
      `UPDATE pieces SET content = NULL, deleted_at = now()
        WHERE numero_unique = ANY($1::text[]) AND deleted_at IS NULL`,
      [numeros],
    );
    return numeros.length;
  }

  async purgeMessages(bound: IsoDate, limit: number): Promise<number> {
    // Received on or before `bound`, a day in Paris time; their revisions too. SKIP LOCKED: a
    // message an operator is replaying right now is left for the next run.
    const { rowCount } = await this.db.query(
      erasingMessages(
        `SELECT id FROM messages
          WHERE status IN ('rejected', 'failed', 'discarded') AND donnees_purgees_le IS NULL
            AND received_at < (($1::date + 1)::timestamp AT TIME ZONE 'Europe/Paris')
          ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        '$3',
        '$4',
      ),
      [bound, limit, [...PERSONAL_KEYS], this.purgedOn],
    );
    return rowCount ?? 0;
  }
}

/**
 * The statement that erases the personal data of the messages `chosen` selects (a query giving
 * `id`), and of their operators' revisions (corrected payloads): the raw text emptied (an XML
 * element cannot be partly kept), the canonical command without the personal keys (`keys`, the
 * parameter that holds them), the ordering keys, the purge's date recorded (`purgedOn`, the
 * parameter that holds it).
 */
function erasingMessages(chosen: string, keys: string, purgedOn: string): string {
  return `WITH chosen AS (${chosen}),
       revisions AS (
         UPDATE message_revisions r SET raw = '', canonical = sne_sans_cles(r.canonical, ${keys}::text[])
          WHERE r.message_id IN (SELECT id FROM chosen)),
       payloads AS (
         -- The ordering keys name the demandeur's identity (a hash): erased too, unless the message is
         -- still to apply (an operator's replay under way), whose apply releases its keys by them.
         UPDATE message_payloads p SET raw = '', canonical = sne_sans_cles(p.canonical, ${keys}::text[]),
                ordering_keys = CASE WHEN m.status IN ('accepted', 'processing') THEN p.ordering_keys END
           FROM messages m
          WHERE m.id = p.message_id AND p.message_id IN (SELECT id FROM chosen))
     UPDATE messages m SET donnees_purgees_le = ${purgedOn}::date
      WHERE m.id IN (SELECT id FROM chosen)`;
}
