import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../services/db/pool.ts';
import { attemptDeliveries } from '../services/pipeline/webhooks/delivery.ts';
import { deliveryDeps, fannedOut, hubForDrivenDeliveries } from './helpers/driven-deliveries.ts';
import type { TestHub } from './helpers/hub.ts';

/**
 * A delivery's claim changes only columns that no index of `deliveries` names (migration 032), so
 * that PostgreSQL can update the row in place (HOT) instead of adding an entry to each of its five
 * indexes. An index that names `leased_until`, `attempts` or `updated_at`, or a claim that moves an
 * indexed column again, makes every claim a full update, and this test fails.
 */
const EVENTS = 20;
let hub: TestHub;
const subscriber = createServer((request, response) => {
  request.resume();
  response.writeHead(200).end();
});

beforeAll(async () => {
  hub = await hubForDrivenDeliveries(subscriber, EVENTS);
});

afterAll(async () => {
  subscriber.close();
  await hub?.close();
});

describe("a webhook delivery's claim", () => {
  it('is a HOT update; its outcome, which changes the status, is not', async () => {
    const ids = await fannedOut(hub.pool);
    expect(ids).toHaveLength(EVENTS);
    // One connection: the statistics it reports after the claims and outcomes are read on it.
    const pool = createPool({ connectionString: hub.config.databaseUrl, max: 1 });
    try {
      await attemptDeliveries(
        deliveryDeps(hub, { pool, retrySchedule: [1], timeoutMs: 10_000, slots: 4 }),
        ids,
      );
      await pool.query('SELECT pg_stat_force_next_flush()');
      const { rows } = await pool.query<{ updates: number; hot: number; delivered: number }>(
        `SELECT n_tup_upd::int AS updates, n_tup_hot_upd::int AS hot,
                (SELECT count(*)::int FROM deliveries WHERE status = 'delivered') AS delivered
           FROM pg_stat_user_tables WHERE relname = 'deliveries'`,
      );
      // Each delivery: its claim (HOT), then its outcome (delivered: a new index entry for its status).
      expect(rows[0]).toEqual({ updates: 2 * EVENTS, hot: EVENTS, delivered: EVENTS });
    } finally {
      await pool.end();
    }
  });
});
