import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../services/db/pool.ts';
import { attemptDeliveries, type DeliveryDeps } from '../services/pipeline/webhooks/delivery.ts';
import { fanOut } from '../services/pipeline/webhooks/fanout.ts';
import { webhookSecretBox } from '../services/pipeline/webhooks/secrets.ts';
import { SendSlots } from '../services/pipeline/webhooks/send-slots.ts';
import { provision, startTestHub, subscribe, type TestHub } from './helpers/hub.ts';
import { enregistrement, sendLot } from './helpers/spt.ts';

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
  subscriber.listen(0, '127.0.0.1');
  await once(subscriber, 'listening');
  hub = await startTestHub({ env: { SNE_WEBHOOK_ALLOW_PRIVATE: 'true' } });
  const bailleur = await provision(hub.app, { id: 'lille-habitat', role: 'bailleur', codeGuichet: 'LH59A' });
  const out = await sendLot(
    hub.app,
    bailleur,
    ...Array.from({ length: EVENTS }, (_, i) =>
      enregistrement({ id: `E-${i}`, prenom: `P${i}`, dateDepot: '2014-03-01' }),
    ),
  );
  expect(Object.values(out).every((o) => o.status === 'applied')).toBe(true);
  // From here deliveries are driven by the test alone.
  await hub.workers?.close();
  const { port } = subscriber.address() as AddressInfo;
  await subscribe(hub.app, { id: 'abonne', codeGuichet: 'AB59A', url: `http://127.0.0.1:${port}/hook` });
  await hub.pool.query('UPDATE webhook_cursors SET last_sequence = (SELECT min(sequence) - 1 FROM events)');
});

afterAll(async () => {
  subscriber.close();
  await hub?.close();
});

describe("a webhook delivery's claim", () => {
  it('is a HOT update; its outcome, which changes the status, is not', async () => {
    const ids: string[] = [];
    await fanOut(hub.pool, async (batch) => {
      ids.push(...batch.map((d) => d.id));
    });
    expect(ids).toHaveLength(EVENTS);
    // One connection: the statistics it reports after the claims and outcomes are read on it.
    const pool = createPool({ connectionString: hub.config.databaseUrl, max: 1 });
    try {
      const deps: DeliveryDeps = {
        pool,
        queue: hub.infrastructure.webhookQueue,
        secrets: webhookSecretBox(hub.config),
        retrySchedule: [1],
        send: { timeoutMs: 10_000, allowPrivate: true },
        slots: new SendSlots(4),
      };
      await attemptDeliveries(deps, ids);
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
