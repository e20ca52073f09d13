import type { Actor } from './actor.ts';

/** The kinds of pièce a demandeur deposits in the dossier unique (interfaces.md §5). */
export const PIECE_TYPES = [
  'identite',
  'ressources',
  'situation-familiale',
  'logement-actuel',
  'autre',
] as const;
export type PieceType = (typeof PIECE_TYPES)[number];

/** The formats accepted, as read from the content (never from a name or a declared type). */
export const PIECE_MEDIA_TYPES = ['application/pdf', 'image/jpeg', 'image/png'] as const;
export type PieceMediaType = (typeof PIECE_MEDIA_TYPES)[number];

/** A pièce as listed: what it is, never what it says. */
export interface PieceSummary {
  pieceId: string;
  numeroUnique: string;
  type: PieceType;
  mediaType: PieceMediaType;
  /** Bytes. */
  size: number;
  /** SHA-256 of the content, lowercase hex. */
  sha256: string;
  /** ISO 8601 time of the deposit. */
  createdAt: string;
}

/** A pièce with its bytes, for a download. */
export interface PieceContent extends PieceSummary {
  content: Buffer;
}

export interface NewPiece {
  numeroUnique: string;
  type: PieceType;
  mediaType: PieceMediaType;
  content: Buffer;
}

/**
 * The dossier unique's storage. Every method takes the actor and treats a demande or a pièce
 * outside its départements as unknown (`undefined` / `false`), as the other reads of the hub do.
 * Each write and each download is written to the audit log in the same transaction as its effect.
 */
export interface PieceStore {
  /**
   * Stores a pièce of a demande; `undefined` when the demande is unknown to the actor, `'purgee'`
   * when the retention purge has erased its personal data (a pièce deposited then would be kept for
   * ever: the purge passes once over a demande).
   */
  add(actor: Actor, piece: NewPiece): Promise<PieceSummary | 'purgee' | undefined>;
  /**
   * The pièces of a demande, oldest first: at most `limit` after the pièce `after`; `undefined` when
   * the demande is unknown to the actor, `'cursor-inconnu'` when `after` names no pièce of it.
   */
  list(
    actor: Actor,
    numeroUnique: string,
    limit: number,
    after?: string,
  ): Promise<PieceSummary[] | 'cursor-inconnu' | undefined>;
  /** A pièce's bytes, the download audited before they are returned; `undefined` when unknown or deleted. */
  download(actor: Actor, pieceId: string): Promise<PieceContent | undefined>;
  /** Deletes a pièce (its content is erased, its row kept); `false` when unknown or already deleted. */
  remove(actor: Actor, pieceId: string): Promise<boolean>;
}
