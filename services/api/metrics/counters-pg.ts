import type { Queryable } from '../../db/pool.ts';
import { SWEEP_ACTIONS } from '../../pipeline/maintenance.ts';

/** The upper bounds (seconds) of the apply latency buckets, as migration 007's `metric_latency_bucket`. */
export const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600];

export interface LatencyHistogram {
  /** Cumulative counts per upper bound, `+Inf` last. */
  buckets: { le: string; count: number }[];
  sum: number;
  count: number;
}

export interface SweepRunFigures {
  sweep: string;
  /** preavis, radiees or purgees: what the last finished run of the sweep did. */
  results: Record<string, number>;
  /** When the run started (its audit line's time). */
  startedAt: Date;
}

/**
 * The counters that migration 007's triggers keep: signed deltas appended at every status change
 * (insert only, so concurrent writers never wait on one counter row). Reading them first folds
 * the deltas into one row per key, so a scrape reads a few dozen rows whatever the traffic.
 */
export async function readCounts(
  db: Queryable,
  metric: 'messages' | 'deliveries',
): Promise<{ labels: string[]; n: number }[]> {
  await db.query(
    `WITH gone AS (DELETE FROM metric_counts WHERE metric = $1 RETURNING labels, n)
     INSERT INTO metric_counts (metric, labels, n) SELECT $1, labels, sum(n) FROM gone GROUP BY labels
       HAVING sum(n) <> 0`,
    [metric],
  );
  const { rows } = await db.query<{ labels: string[]; n: string }>(
    'SELECT labels, sum(n) AS n FROM metric_counts WHERE metric = $1 GROUP BY labels',
    [metric],
  );
  return rows.map((r) => ({ labels: r.labels, n: Number(r.n) }));
}

/** The apply latency histogram (acceptance to applied or failed), folded the same way. */
export async function readLatency(db: Queryable): Promise<LatencyHistogram> {
  await db.query(
    `WITH gone AS (DELETE FROM metric_latency RETURNING le, n, sum)
     INSERT INTO metric_latency (le, n, sum) SELECT le, sum(n), sum(sum) FROM gone GROUP BY le`,
  );
  const { rows } = await db.query<{ le: string; n: string; sum: number }>(
    'SELECT le, sum(n) AS n, sum(sum)::float8 AS sum FROM metric_latency GROUP BY le',
  );
  const byBound = new Map(rows.map((r) => [r.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(r.le), r]));
  let cumulative = 0;
  let sum = 0;
  const buckets: LatencyHistogram['buckets'] = [];
  for (const bound of [...LATENCY_BUCKETS, Number.POSITIVE_INFINITY]) {
    const row = byBound.get(bound);
    cumulative += Number(row?.n ?? 0);
    sum += row?.sum ?? 0;
    buckets.push({ le: bound === Number.POSITIVE_INFINITY ? '+Inf' : String(bound), count: cumulative });
  }
  return { buckets, sum, count: cumulative };
}

/**
 * The last finished run of each sweep, from its audit line: one backward step per sweep into the
 * partial index `audit_sweeps (action, id)`, past the few lines of runs still going or failed.
 * (A DISTINCT ON over the index read every sweep line ever written, on every scrape.)
 */
export async function readSweepRuns(db: Queryable): Promise<SweepRunFigures[]> {
  const { rows } = await db.query<{ action: string; details: Record<string, unknown>; at: Date }>(
    `SELECT s.action, l.details, l.at FROM unnest($1::text[]) AS s(action)
       CROSS JOIN LATERAL (SELECT details, at FROM audit
                            WHERE action = s.action AND action LIKE 'sweep.%' AND details->>'status' = 'done'
                            ORDER BY id DESC LIMIT 1) l`,
    [Object.values(SWEEP_ACTIONS)],
  );
  return rows.map((r) => ({
    sweep: r.action.replace(/^sweep\./, ''),
    results: Object.fromEntries(
      Object.entries(r.details).filter((e): e is [string, number] => typeof e[1] === 'number'),
    ),
    startedAt: r.at,
  }));
}
