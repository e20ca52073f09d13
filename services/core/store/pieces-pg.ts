import { createHash } from 'node:crypto';
import type pg from 'pg';
import { withTransaction } from '../../db/pool.ts';
import { uuidV7 } from '../../shared/uuid-v7.ts';
import { type Actor, actsOn } from '../actor.ts';
import type { NewPiece, PieceContent, PieceStore, PieceSummary } from '../pieces.ts';

interface PieceRow {
  id: string;
  numero_unique: string;
  type: PieceSummary['type'];
  media_type: PieceSummary['mediaType'];
  size: number;
  sha256: string;
  created_at: Date;
  departement: string;
}

const COLUMNS = `p.id, p.numero_unique, p.type, p.media_type, p.size, p.sha256, p.created_at, d.departement`;

/** The dossier unique in PostgreSQL (table `pieces`, migration 004), audited in table `audit`. */
export class PgPieceStore implements PieceStore {
  constructor(private readonly pool: pg.Pool) {}

  async add(actor: Actor, piece: NewPiece): Promise<PieceSummary | 'purgee' | undefined> {
    return withTransaction(this.pool, async (db) => {
      // FOR SHARE: the retention purge updates the demande, then erases its pièces, in one transaction.
      // Either it waits for this pièce and erases it too, or this upload waits for it and sees the
      // demande purged (a pièce inserted beside the purge would be kept for ever).
      const { rows } = await db.query<{ departement: string; purgee: boolean }>(
        `SELECT departement, donnees_purgees_le IS NOT NULL AS purgee FROM demandes
          WHERE numero_unique = $1 FOR SHARE`,
        [piece.numeroUnique],
      );
      const demande = rows[0];
      if (!demande || !actsOn(actor, demande.departement)) return undefined;
      if (demande.purgee) return 'purgee';
      const sha256 = createHash('sha256').update(piece.content).digest('hex');
      const inserted = await db.query<Omit<PieceRow, 'departement'>>(
        `INSERT INTO pieces (id, numero_unique, type, media_type, size, sha256, content, client_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         RETURNING id, numero_unique, type, media_type, size, sha256, created_at`,
        [
          // Time-ordered: the key of a table of millions of pièces grows at its right edge.
          uuidV7(),
          piece.numeroUnique,
          piece.type,
          piece.mediaType,
          piece.content.length,
          sha256,
          piece.content,
          actor.clientId,
        ],
      );
      const summary = summaryOf(inserted.rows[0] as Omit<PieceRow, 'departement'>);
      await audit(db, actor, 'piece.upload', summary);
      return summary;
    });
  }

  async list(
    actor: Actor,
    numeroUnique: string,
    limit: number,
    after?: string,
  ): Promise<PieceSummary[] | 'cursor-inconnu' | undefined> {
    const { rows } = await this.pool.query<{ departement: string; cursor_known: boolean }>(
      `SELECT departement,
              $2::uuid IS NULL OR EXISTS (SELECT 1 FROM pieces WHERE id = $2 AND numero_unique = $1) AS cursor_known
         FROM demandes WHERE numero_unique = $1`,
      [numeroUnique, after ?? null],
    );
    const demande = rows[0];
    if (!demande || !actsOn(actor, demande.departement)) return undefined;
    // A cursor that names no pièce of this demande would give an empty page, as if the list ended.
    if (!demande.cursor_known) return 'cursor-inconnu';
    const pieces = await this.pool.query<PieceRow>(
      `SELECT ${COLUMNS} FROM pieces p JOIN demandes d USING (numero_unique)
        WHERE p.numero_unique = $1 AND p.deleted_at IS NULL
          AND ($2::uuid IS NULL OR (p.created_at, p.id) > (SELECT created_at, id FROM pieces WHERE id = $2))
        ORDER BY p.created_at, p.id
        LIMIT $3`,
      [numeroUnique, after ?? null, limit],
    );
    return pieces.rows.map(summaryOf);
  }

  async download(actor: Actor, pieceId: string): Promise<PieceContent | undefined> {
    return withTransaction(this.pool, async (db) => {
      const { rows } = await db.query<PieceRow & { content: Buffer }>(
        `SELECT ${COLUMNS}, p.content FROM pieces p JOIN demandes d USING (numero_unique)
          WHERE p.id = $1 AND p.deleted_at IS NULL`,
        [pieceId],
      );
      const row = rows[0];
      if (!row || !actsOn(actor, row.departement)) return undefined;
      const summary = summaryOf(row);
      // Committed with the read: no bytes leave without their audit line.
      await audit(db, actor, 'piece.download', summary);
      return { ...summary, content: row.content };
    });
  }

  async remove(actor: Actor, pieceId: string): Promise<boolean> {
    return withTransaction(this.pool, async (db) => {
      const { rows } = await db.query<PieceRow>(
        `SELECT ${COLUMNS} FROM pieces p JOIN demandes d USING (numero_unique)
          WHERE p.id = $1 AND p.deleted_at IS NULL FOR UPDATE OF p`,
        [pieceId],
      );
      const row = rows[0];
      if (!row || !actsOn(actor, row.departement)) return false;
      await db.query('UPDATE pieces SET deleted_at = now(), content = NULL WHERE id = $1', [pieceId]);
      await audit(db, actor, 'piece.delete', summaryOf(row));
      return true;
    });
  }
}

/** One audit line: who did what to which pièce; the details name the demande, never its content. */
async function audit(db: pg.PoolClient, actor: Actor, action: string, piece: PieceSummary): Promise<void> {
  await db.query('INSERT INTO audit (actor, action, target, details) VALUES ($1, $2, $3, $4)', [
    actor.clientId,
    action,
    piece.pieceId,
    { numeroUnique: piece.numeroUnique, type: piece.type },
  ]);
}

function summaryOf(row: Omit<PieceRow, 'departement'>): PieceSummary {
  return {
    pieceId: row.id,
    numeroUnique: row.numero_unique,
    type: row.type,
    mediaType: row.media_type,
    size: row.size,
    sha256: row.sha256,
    createdAt: row.created_at.toISOString(),
  };
}
