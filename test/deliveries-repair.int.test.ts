import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileDeliveries, SECRET_UNREADABLE } from '../services/pipeline/webhooks/delivery.ts';
import { listDeliveries } from '../services/pipeline/webhooks/delivery-queries.ts';
import { fanOut, type NewDelivery } from '../services/pipeline/webhooks/fanout.ts';
import { batchJobs } from '../services/pipeline/webhooks/fanout-runner.ts';
import { type Stoppable, startWorkers } from '../services/pipeline/workers.ts';
import { createSecretBox } from '../services/shared/secret-box.ts';
import { askedWhile } from './helpers/asked-queue.ts';
import { ADMIN_TOKEN, provision, startTestHub, type TestHub, waitFor } from './helpers/hub.ts';
import { allPages } from './helpers/pages.ts';
import { planOf } from './helpers/plan.ts';
import { enregistrement, sendLot } from './helpers/spt.ts';
import { msOfUuidV7, UUID_V7 } from './helpers/uuid-v7.ts';
import { Receiver } from './helpers/webhook-receiver.ts';

/**
 * Webhook deliveries under a backlog: the fan-out works in bounded transactions, the reconciler
 * never multiplies the jobs of deliveries still waiting, and a secret that cannot be opened ends
 * the delivery `failed` with a reason operators see.
 */
let hub: TestHub;
let bailleur: string;
let operator: string;
let workers: Stoppable | undefined;
const receiver = new Receiver();
const SUBSCRIBERS = ['abonne-a', 'abonne-b', 'abonne-c'];
const EVENTS = 30;
let counter = 0;

async function subscribe(id: string): Promise<void> {
  const reply = await hub.app.inject({
    method: 'POST',
    url: '/admin/clients',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    payload: {
      id,
      role: 'bailleur',
      organisme: '123456789',
      nom: id,
      departements: ['59'],
      codeGuichet: `${id.slice(-1).toUpperCase()}AB59`,
      webhook: { url: receiver.url },
    },
  });
  expect(reply.statusCode, reply.body).toBe(201);
  receiver.secret = reply.json<{ webhookSecret: string }>().webhookSecret;
}

async function waitingJobs(): Promise<number> {
  const counts = await hub.infrastructure.webhookQueue.getJobCounts('waiting', 'delayed', 'prioritized');
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

beforeAll(async () => {
  await receiver.start();
  hub = await startTestHub({
    env: {
      SNE_WEBHOOK_ALLOW_PRIVATE: 'true',
      SNE_WEBHOOK_RETRY_SCHEDULE: '1,1',
      SNE_RECONCILE_INTERVAL_MS: '200',
    },
  });
  bailleur = await provision(hub.app, { id: 'lille-habitat', role: 'bailleur', codeGuichet: 'LH59A' });
  operator = await provision(hub.app, { id: 'ops', role: 'operator', departements: ['*'] });
  // A burst of events, then the workers stop: the subscribers' deliveries pile up as a backlog.
  const ids = Array.from({ length: EVENTS }, () => `E-${++counter}`);
  const out = await sendLot(
    hub.app,
    bailleur,
    ...ids.map((id) => enregistrement({ id, nom: `Abonne${id}`, dateDepot: '2014-03-01' })),
  );
  expect(ids.every((id) => out[id]?.status === 'applied')).toBe(true);
  await hub.workers?.close();
  for (const id of SUBSCRIBERS) await subscribe(id);
  // The subscribers were there before the burst (as if the fan-out had been away during it).
  await hub.pool.query(
    `UPDATE webhook_cursors SET last_sequence = (SELECT min(sequence) - 1 FROM events WHERE type = 'fr.sne.demande.enregistree.v1')`,
  );
});

afterAll(async () => {
  await workers?.close();
  await receiver.stop();
  await hub?.close();
});

/** The fan-out's jobs, one per batch of a subscriber's deliveries (the runner's). */
let batchJobCount = 0;

describe('the fan-out under a burst', () => {
  it('creates and queues the deliveries transaction by transaction, never all at once', async () => {
    const batches: NewDelivery[][] = [];
    const created = await fanOut(
      hub.pool,
      async (batch) => {
        batches.push(batch);
        await hub.infrastructure.webhookQueue.addBulk(batchJobs(batch));
      },
      { eventsPerSubscriber: 10, deliveriesPerTransaction: 15, deliveriesPerJob: 4 },
    );
    expect(created).toBe(EVENTS * SUBSCRIBERS.length);
    // A transaction takes no more subscribers from 15 deliveries on: at most 15 − 1 + one subscriber's 10.
    expect(batches.length).toBeGreaterThanOrEqual(5);
    for (const batch of batches) expect(batch.length).toBeLessThanOrEqual(24);
    expect(new Set(batches.flat().map((d) => d.id)).size).toBe(created);
    // Ids made by PostgreSQL as UUIDs v7 of the fan-out's time: the primary key grows at its right edge.
    for (const { id } of batches.flat()) {
      expect(id).toMatch(UUID_V7);
      expect(Math.abs(msOfUuidV7(id) - Date.now())).toBeLessThan(60_000);
    }
    const { rows } = await hub.pool.query(
      `SELECT count(*)::int AS n FROM deliveries WHERE status = 'pending'`,
    );
    expect(rows[0].n).toBe(created);
    // One job per 4 deliveries at most, each of one subscriber, named in its deliveries' job_id.
    const jobs = await hub.pool.query<{ job_id: string; n: number; subscribers: number }>(
      `SELECT job_id, count(*)::int AS n, count(DISTINCT client_id)::int AS subscribers FROM deliveries GROUP BY job_id`,
    );
    batchJobCount = jobs.rows.length;
    expect(batchJobCount).toBeGreaterThanOrEqual(created / 4);
    for (const job of jobs.rows) expect(job).toMatchObject({ n: expect.any(Number), subscribers: 1 });
    expect(Math.max(...jobs.rows.map((j) => j.n))).toBeLessThanOrEqual(4);
    expect(await waitingJobs()).toBe(batchJobCount);
  });
});

describe('the delivery reconciler over a backlog', () => {
  it('adds nothing while the jobs wait, and one job per delivery once Redis lost them', async () => {
    const total = EVENTS * SUBSCRIBERS.length;
    // The backlog is old: overdue for the reconciler, its jobs still waiting for a worker.
    await hub.pool.query(`UPDATE deliveries SET next_attempt_at = now() - interval '1 hour'`);
    // Their jobs are the fan-out's batches, named in job_id: the reconciler finds them waiting.
    for (let tick = 0; tick < 3; tick++) {
      expect(await reconcileDeliveries(hub.pool, hub.infrastructure.webhookQueue, 1000)).toBe(0);
      expect(await waitingJobs()).toBe(batchJobCount);
    }
    // Redis loses the waiting jobs: each delivery gets one job again, and only one, tick after tick.
    await hub.infrastructure.webhookQueue.drain(true);
    expect(await waitingJobs()).toBe(0);
    expect(await reconcileDeliveries(hub.pool, hub.infrastructure.webhookQueue, 1000)).toBe(total);
    for (let tick = 0; tick < 3; tick++) {
      expect(await reconcileDeliveries(hub.pool, hub.infrastructure.webhookQueue, 1000)).toBe(0);
      expect(await waitingJobs()).toBe(total);
    }
  });

  it('re-plans none of the deliveries a job sends or claims while Redis is asked about them', async () => {
    const total = EVENTS * SUBSCRIBERS.length;
    await hub.infrastructure.webhookQueue.drain(true);
    await hub.pool.query(`UPDATE deliveries SET next_attempt_at = now() - interval '1 hour'`);
    const before = await hub.pool.query<{ id: string; job_id: string }>(
      'SELECT id, job_id FROM deliveries ORDER BY next_attempt_at, id',
    );
    // Meanwhile a batch job sends the head of the backlog, and claims the next third (a lease of a
    // minute: pending still, one attempt more), what a job does while the reconciler asks Redis.
    const sent = before.rows.slice(0, total / 3).map((row) => row.id);
    const claimed = before.rows.slice(total / 3, (2 * total) / 3).map((row) => row.id);
    const queue = askedWhile(hub.infrastructure.webhookQueue, async () => {
      await hub.pool.query(
        `UPDATE deliveries SET status = 'delivered', delivered_at = now(), attempts = attempts + 1
          WHERE id = ANY($1::uuid[])`,
        [sent],
      );
      await hub.pool.query(
        `UPDATE deliveries SET attempts = attempts + 1, leased_until = now() + interval '1 minute'
          WHERE id = ANY($1::uuid[])`,
        [claimed],
      );
    });
    const left = total - sent.length - claimed.length;
    expect(await reconcileDeliveries(hub.pool, queue, 1000)).toBe(left);
    expect(await waitingJobs()).toBe(left);
    // The claim's lease runs out (its job died): those are planned again, at their next attempt.
    await hub.pool.query(
      `UPDATE deliveries SET leased_until = now() - interval '1 hour' WHERE id = ANY($1::uuid[])`,
      [claimed],
    );
    expect(await reconcileDeliveries(hub.pool, hub.infrastructure.webhookQueue, 1000)).toBe(claimed.length);
    expect(await waitingJobs()).toBe(left + claimed.length);
    const { rows } = await hub.pool.query<{ id: string; job_id: string }>(
      'SELECT id, job_id FROM deliveries WHERE id = ANY($1::uuid[])',
      [sent],
    );
    const jobOf = new Map(before.rows.map((row) => [row.id, row.job_id]));
    for (const row of rows) expect(row.job_id).toBe(jobOf.get(row.id));
  });
});

describe('a signing secret that cannot be opened', () => {
  it('ends the delivery failed at once, with the reason in GET /ops/deliveries, the others delivered', async () => {
    workers = startWorkers(hub.config, hub.infrastructure, pino({ level: 'silent' }));
    // The backlog drains first, each delivery once.
    await waitFor(
      async () => {
        const { rows } = await hub.pool.query(
          `SELECT count(*)::int AS n FROM deliveries WHERE status = 'delivered'`,
        );
        return rows[0].n === EVENTS * SUBSCRIBERS.length ? true : undefined;
      },
      30_000,
      'the backlog to be delivered',
    );
    // The administrator token changed while SNE_SECRET_KEY is unset: the secret was sealed with another key.
    const stale = createSecretBox('the-administrator-token-before-rotation', 'webhook-secret').seal(
      'whsec_old',
    );
    await hub.pool.query(`UPDATE clients SET webhook_secret = $1 WHERE id = 'abonne-a'`, [stale]);
    const id = `E-${++counter}`;
    expect(
      (await sendLot(hub.app, bailleur, enregistrement({ id, nom: 'Apres', dateDepot: '2014-03-02' })))[id]
        ?.status,
    ).toBe('applied');
    const failed = await waitFor(
      async () => {
        const { rows } = await hub.pool.query(
          `SELECT id FROM deliveries WHERE client_id = 'abonne-a' AND status = 'failed'`,
        );
        return rows[0]?.id as string | undefined;
      },
      20_000,
      'the delivery to fail',
    );
    const reply = await hub.app.inject({
      method: 'GET',
      url: `/ops/deliveries/${failed}`,
      headers: { authorization: `Bearer ${operator}` },
    });
    expect(reply.statusCode).toBe(200);
    expect(reply.json()).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: { error: SECRET_UNREADABLE },
      attemptsLog: [{ attempt: 1, error: SECRET_UNREADABLE }],
    });
    const listed = await hub.app.inject({
      method: 'GET',
      url: '/ops/deliveries?status=failed&client=abonne-a',
      headers: { authorization: `Bearer ${operator}` },
    });
    expect(listed.json().items.map((d: { id: string }) => d.id)).toEqual([failed]);
    // The other subscribers got the event.
    await waitFor(
      async () => {
        const { rows } = await hub.pool.query(
          `SELECT count(*)::int AS n FROM deliveries d JOIN events e ON e.sequence = d.event_sequence
            WHERE e.subject = (SELECT subject FROM events ORDER BY sequence DESC LIMIT 1) AND d.status = 'delivered'`,
        );
        return rows[0].n === 2 ? true : undefined;
      },
      20_000,
      'the other deliveries',
    );
  });
});

describe('the bulk replay of deliveries', () => {
  it('commits with its audit line or not at all', async () => {
    const replay = () =>
      hub.app.inject({
        method: 'POST',
        url: '/ops/deliveries/replay',
        headers: { authorization: `Bearer ${operator}` },
        payload: { filter: { status: 'failed', client: 'abonne-a' }, reason: 'clé restaurée' },
      });
    const failed = async () =>
      (
        await hub.pool.query(
          `SELECT count(*)::int AS n FROM deliveries WHERE client_id = 'abonne-a' AND status = 'failed'`,
        )
      ).rows[0].n;
    expect(await failed()).toBe(1);
    // The audit line cannot be written: the replay must not happen either.
    await hub.pool.query(
      `ALTER TABLE audit ADD CONSTRAINT test_no_bulk_replay CHECK (action <> 'delivery.replay-bulk') NOT VALID`,
    );
    try {
      expect((await replay()).statusCode).toBe(500);
      expect(await failed()).toBe(1);
    } finally {
      await hub.pool.query('ALTER TABLE audit DROP CONSTRAINT test_no_bulk_replay');
    }
    const reply = await replay();
    expect(reply.statusCode).toBe(200);
    expect(reply.json()).toEqual({ matched: 1, replayed: 1 });
    const { rows } = await hub.pool.query(
      `SELECT actor, reason, details FROM audit WHERE action = 'delivery.replay-bulk'`,
    );
    expect(rows).toEqual([
      {
        actor: 'ops',
        reason: 'clé restaurée',
        details: { filter: { status: 'failed', client: 'abonne-a' }, replayed: 1 },
      },
    ]);
  });
});

describe('the list of deliveries', () => {
  /** Every delivery the operators' list gives, page after page, with this query. */
  function listed(query: string): Promise<{ id: string; createdAt: string }[]> {
    return allPages(
      async ({ cursor }) => {
        const reply = await hub.app.inject({
          method: 'GET',
          url: `/ops/deliveries?limit=7${query}${cursor ? `&cursor=${cursor}` : ''}`,
          headers: { authorization: `Bearer ${operator}` },
        });
        expect(reply.statusCode, reply.body).toBe(200);
        return reply.json<{ items: { id: string; createdAt: string }[]; next?: string }>();
      },
      (delivery) => delivery,
    );
  }

  it('pages through them in order of creation, a window of time included', async () => {
    // Created a minute apart, in the reverse order of their ids, two of them at the same instant.
    await hub.pool.query(
      `UPDATE deliveries d SET created_at = timestamptz '2026-03-01T00:00:00Z' + least(n.rank, 50) * interval '1 minute'
         FROM (SELECT id, row_number() OVER (ORDER BY id DESC) AS rank FROM deliveries) n WHERE n.id = d.id`,
    );
    const { rows } = await hub.pool.query<{ id: string; created_at: Date }>(
      'SELECT id, created_at FROM deliveries ORDER BY created_at, id',
    );
    const all = await listed('');
    expect(all.map((d) => d.id)).toEqual(rows.map((r) => r.id));

    // One client's, whatever their status: the ranges of each status merged in the same order.
    await hub.pool.query(
      `UPDATE deliveries SET status = (ARRAY['pending', 'delivered', 'failed', 'discarded'])[1 + event_sequence % 4]`,
    );
    const { rows: ofA } = await hub.pool.query<{ id: string }>(
      "SELECT id FROM deliveries WHERE client_id = 'abonne-a' ORDER BY created_at, id",
    );
    expect(ofA.length).toBeGreaterThan(7);
    expect((await listed('&client=abonne-a')).map((d) => d.id)).toEqual(ofA.map((r) => r.id));

    const window = await listed('&from=2026-03-01T00:10:00Z&to=2026-03-01T00:20:00Z');
    expect(window.map((d) => d.createdAt)).toEqual(
      Array.from({ length: 10 }, (_, i) => new Date(Date.UTC(2026, 2, 1, 0, 10 + i)).toISOString()),
    );
  });

  it('reads a window of time as one range of an index, not the table through', async () => {
    const plan = await planOf(hub.pool, (db) =>
      listDeliveries(db, { from: '2026-03-01T00:10:00Z', to: '2026-03-01T00:20:00Z' }, undefined, 101),
    );
    expect(plan).toMatch(/deliveries_created[^\n]*\n\s*Index Cond: \(\(created_at >= /);
  });

  it("reads one client's deliveries as a range of each status, merged, not every client's", async () => {
    const plan = await planOf(hub.pool, (db) => listDeliveries(db, { client: 'abonne-a' }, undefined, 101));
    expect(plan).toMatch(/Merge Append/);
    expect(plan.match(/deliveries_status[^\n]*\n\s*Index Cond: \(\(status = /g)).toHaveLength(4);
  });

  it('holds no delivery of another status, which no range would list', async () => {
    await expect(
      hub.pool.query(`UPDATE deliveries SET status = 'sent' WHERE id = (SELECT id FROM deliveries LIMIT 1)`),
    ).rejects.toThrow(/deliveries_status_known/);
  });
});
