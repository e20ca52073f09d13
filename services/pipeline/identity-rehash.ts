import type pg from 'pg';
import type { Demandeur } from '../core/commands.ts';
import { identiteHash } from '../core/identite.ts';
import { isUniqueViolation } from '../db/safe-error.ts';

/** Demandes read per statement: a keyset page of the primary key. */
const PAGE = 5000;

export interface RehashReport {
  /** Demandes read (those with an identity: a purged one has none). */
  read: number;
  /** Demandes whose stored hash changed. */
  rehashed: number;
  /**
   * Active demandes left with their old hash: with the new one, each is an active doublon of another
   * of its département (the unique index `demandes_identite_active`), which the former rule let in.
   * By numéro (no personal data); an operator settles each pair.
   */
  doublons: string[];
}

/**
 * Recomputes the identity hash stored with each demande (`demandes.identite_hash`) by the doublon
 * rule in force (`identiteHash`), for a registry filled before that rule changed (a new way of
 * writing one name counted as the same). Reads every demande by numéro, a page at a time, and
 * updates only those whose hash differs, one by one (they are few): the hub may run meanwhile, and a
 * doublon found does not undo the others. Run again, it changes nothing.
 */
export async function rehashIdentities(pool: pg.Pool, page = PAGE): Promise<RehashReport> {
  const report: RehashReport = { read: 0, rehashed: 0, doublons: [] };
  let after = '';
  for (;;) {
    const { rows } = await pool.query<{
      numero_unique: string;
      identite_hash: string;
      demandeur: Pick<Demandeur, 'nom' | 'prenom' | 'dateNaissance'>;
    }>(
      `SELECT numero_unique, identite_hash, demandeur FROM demandes
        WHERE numero_unique > $1 AND identite_hash IS NOT NULL ORDER BY numero_unique LIMIT $2`,
      [after, page],
    );
    const last = rows.at(-1);
    if (!last) return report;
    after = last.numero_unique;
    report.read += rows.length;
    for (const row of rows) {
      const hash = identiteHash(row.demandeur);
      if (hash === row.identite_hash) continue;
      try {
        await pool.query('UPDATE demandes SET identite_hash = $2 WHERE numero_unique = $1', [
          row.numero_unique,
          hash,
        ]);
        report.rehashed++;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        report.doublons.push(row.numero_unique);
      }
    }
  }
}
