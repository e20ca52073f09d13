/**
 * Every advisory lock key of the hub, in one place, so that no two uses share one by accident (two
 * did once: an RPLS merge then blocked every webhook fan-out for its whole duration). Keys are
 * single `bigint`s. The intake also locks ordering keys as `hashtextextended(key, 0)`, 64-bit hashes
 * of text: a collision with one of these constants is as unlikely as any 64-bit collision.
 */
export const LOCK_KEYS = {
  /** Held by the process applying migrations, for their whole run (session lock). */
  migration: 727_001,
  /** Held by writers of events from their insert to their commit: `sequence`s commit in order. */
  events: 727_002,
  /** Held by the webhook fan-out: one process moves the subscribers' cursors at a time. */
  webhookFanOut: 727_003,
  /** Held by an RPLS merge into `logements`: merges run one at a time. */
  parcMerge: 727_004,
  /** Held by a fold of the infocentre's deltas into its tables: one fold at a time. */
  infocentreFold: 727_005,
} as const;

/**
 * Sweeps lock in the two-integer form `(class, kind)`: a space apart from the one-bigint keys
 * above and from the ordering keys' hashes, so that none can collide with them.
 */
export const SWEEP_LOCK = { class: 727_010, kinds: { renouvellement: 1, retention: 2 } } as const;
