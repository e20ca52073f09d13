import type { IsoDate } from './commands.ts';

/**
 * The keys that hold personal data wherever a demande is copied (domain.md, retention): the
 * demandeur's names, date of birth and contacts, and the ménage's co-titulaires (`personnes`).
 * The retention purge removes them, at any depth, from the canonical commands of messages, the
 * history's details and the events' data. What statistics need — dates, territory, typologie,
 * motifs, ménage size, resources — is under other keys and stays.
 */
export const PERSONAL_KEYS = [
  'nom',
  'prenom',
  'dateNaissance',
  'adresse',
  'email',
  'telephone',
  'personnes',
] as const;

/** The store side of the retention purge: one instance per transaction. */
export interface RetentionStore {
  /**
   * Erases the personal data of at most `limit` radiée demandes radiated on or before `bound` and
   * not purged yet, and of every copy of them. Returns how many demandes it purged (0: done).
   */
  purge(bound: IsoDate, limit: number): Promise<number>;
  /**
   * Erases the personal data of at most `limit` messages that never made a demande (rejected,
   * failed or discarded), received on or before `bound`, and not purged yet: their raw text and
   * the personal keys of their canonical command and revisions. Their only date is their arrival:
   * a message refused or given up has no business date the registry recorded. Returns how many.
   */
  purgeMessages(bound: IsoDate, limit: number): Promise<number>;
}
