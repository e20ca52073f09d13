import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRetentionSweep } from '../services/pipeline/maintenance.ts';
import { deliveriesBound } from '../services/pipeline/webhooks/delivery-retention.ts';
import { provision, startTestHub, subscribe, type TestHub, waitFor } from './helpers/hub.ts';
import { enregistrement, sendLot } from './helpers/spt.ts';
import { Receiver } from './helpers/webhook-receiver.ts';

/**
 * The retention sweep deletes the webhook deliveries delivered longer ago than
 * SNE_DELIVERIES_RETENTION_DAYS, with their attempts, and nothing else: not the recent ones, not
 * the failed, pending or discarded ones, not the events; the counters of /metrics follow.
 */
let hub: TestHub;
let operator: string;
const receiver = new Receiver();
const EVENTS = 12;
const KEPT_DAYS = 30;

/** Today in Paris, as the sweeps take it. */
async function today(): Promise<string> {
  const { rows } = await hub.pool.query<{ d: string }>(
    `SELECT to_char(now() AT TIME ZONE 'Europe/Paris', 'YYYY-MM-DD') AS d`,
  );
  return rows[0]?.d as string;
}

/** Sets a delivery's creation and delivery at noon (Paris) on `day`. */
async function deliveredOn(id: string, day: string): Promise<void> {
  await hub.pool.query(
    `UPDATE deliveries SET created_at = ($2::date + time '12:00') AT TIME ZONE 'Europe/Paris',
                           delivered_at = ($2::date + time '12:00') AT TIME ZONE 'Europe/Paris'
      WHERE id = $1`,
    [id, day],
  );
}

function daysBefore(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() - days);
  return date.toISOString().slice(0, 10);
}

async function countsByStatus(): Promise<Record<string, number>> {
  const { rows } = await hub.pool.query<{ status: string; n: number }>(
    'SELECT status, count(*)::int AS n FROM deliveries GROUP BY status',
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** `sne_deliveries{status=…}` as GET /metrics reports them. */
async function metricCounts(): Promise<Record<string, number>> {
  const reply = await hub.app.inject({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: `Bearer ${operator}` },
  });
  expect(reply.statusCode, reply.body).toBe(200);
  const counts: Record<string, number> = {};
  for (const [, status, n] of reply.body.matchAll(/^sne_deliveries\{status="([a-z]+)"\} (\d+)$/gm))
    counts[status as string] = Number(n);
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
}

beforeAll(async () => {
  await receiver.start();
  hub = await startTestHub({
    env: { SNE_WEBHOOK_ALLOW_PRIVATE: 'true', SNE_DELIVERIES_RETENTION_DAYS: String(KEPT_DAYS) },
  });
  operator = await provision(hub.app, { id: 'ops', role: 'operator', departements: ['*'] });
  const bailleur = await provision(hub.app, { id: 'lille-habitat', role: 'bailleur', codeGuichet: 'LH59A' });
  receiver.secret = (
    await subscribe(hub.app, { id: 'abonne', codeGuichet: 'AB59A', url: receiver.url })
  ).webhookSecret;
  const ids = Array.from({ length: EVENTS }, (_, i) => `R-${i}`);
  await sendLot(
    hub.app,
    bailleur,
    ...ids.map((id) => enregistrement({ id, nom: `Retenu${id}`, dateDepot: '2014-03-01' })),
  );
  await waitFor(
    async () => ((await countsByStatus()).delivered === EVENTS ? true : undefined),
    20_000,
    'every delivery to be delivered',
  );
});

afterAll(async () => {
  await receiver.stop();
  await hub?.close();
});

describe('the retention of webhook deliveries', () => {
  it('deletes the delivered ones past the kept days with their attempts, and nothing else', async () => {
    const asOf = await today();
    const { rows } = await hub.pool.query<{ id: string }>('SELECT id FROM deliveries ORDER BY id');
    const ids = rows.map((r) => r.id);
    expect(ids).toHaveLength(EVENTS);
    const [lastDay, dayAfter, failed, discarded, pending, ...old] = ids as [string, ...string[]];
    const bound = deliveriesBound(asOf, KEPT_DAYS) as string;
    expect(bound).toBe(daysBefore(asOf, KEPT_DAYS));
    // The last day that goes, the first that stays, and others years old in every other status.
    await deliveredOn(lastDay, bound);
    await deliveredOn(dayAfter as string, daysBefore(asOf, KEPT_DAYS - 1));
    for (const id of [failed, discarded, pending, ...old]) await deliveredOn(id as string, '2020-01-15');
    await hub.pool.query(`UPDATE deliveries SET status = 'failed', delivered_at = NULL WHERE id = $1`, [
      failed,
    ]);
    await hub.pool.query(`UPDATE deliveries SET status = 'discarded', delivered_at = NULL WHERE id = $1`, [
      discarded,
    ]);
    await hub.pool.query(
      `UPDATE deliveries SET status = 'pending', delivered_at = NULL, next_attempt_at = now() + interval '1 day'
        WHERE id = $1`,
      [pending],
    );
    const purged = [lastDay, ...old];
    const { rows: attempts } = await hub.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM delivery_attempts WHERE delivery_id = ANY($1::uuid[])',
      [purged],
    );
    expect(attempts[0]?.n).toBe(purged.length);
    const eventsBefore = await hub.pool.query('SELECT count(*)::int AS n FROM events');

    const reply = await hub.app.inject({
      method: 'POST',
      url: '/ops/sweeps/retention',
      headers: { authorization: `Bearer ${operator}` },
      payload: { asOf, reason: 'rétention des livraisons' },
    });
    expect(reply.statusCode, reply.body).toBe(200);
    expect(reply.json()).toEqual({ asOf, purgees: 0, messagesPurges: 0, livraisonsPurgees: purged.length });

    const { rows: left } = await hub.pool.query<{ id: string; status: string }>(
      'SELECT id, status FROM deliveries ORDER BY id',
    );
    expect(left.map((r) => r.id).sort()).toEqual([dayAfter, failed, discarded, pending].sort());
    const { rows: orphans } = await hub.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM delivery_attempts WHERE delivery_id = ANY($1::uuid[])',
      [purged],
    );
    expect(orphans[0]?.n).toBe(0);
    expect((await hub.pool.query('SELECT count(*)::int AS n FROM events')).rows).toEqual(eventsBefore.rows);
    // The counters kept by triggers follow the deletes.
    expect(await metricCounts()).toEqual(await countsByStatus());
    // Audited in the sweep's line, page by page.
    const { rows: audit } = await hub.pool.query<{ details: Record<string, unknown> }>(
      `SELECT details FROM audit WHERE action = 'sweep.retention' ORDER BY id DESC LIMIT 1`,
    );
    expect(audit[0]?.details).toMatchObject({ livraisonsPurgees: purged.length, status: 'done' });
    const detail = await hub.app.inject({
      method: 'GET',
      url: `/ops/deliveries/${lastDay}`,
      headers: { authorization: `Bearer ${operator}` },
    });
    expect(detail.statusCode).toBe(404);
    expect(detail.json()).toMatchObject({ code: 'DELIVERY_UNKNOWN' });

    // Idempotent; and the fan-out does not send the purged ones again.
    const again = await hub.app.inject({
      method: 'POST',
      url: '/ops/sweeps/retention',
      headers: { authorization: `Bearer ${operator}` },
      payload: { asOf },
    });
    expect(again.json()).toMatchObject({ livraisonsPurgees: 0 });
    const received = receiver.received.length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.received.length).toBe(received);
    expect((await hub.pool.query('SELECT count(*)::int AS n FROM deliveries')).rows[0].n).toBe(4);
  });

  it('keeps every delivery when the kept days are 0, in pages as small as one', async () => {
    const asOf = await today();
    expect(deliveriesBound(asOf, 0)).toBeNull();
    const run = { actor: 'test', wait: true };
    // The four left, delivered: three long ago, one today.
    await hub.pool.query(`UPDATE deliveries SET status = 'delivered', delivered_at = created_at`);
    const { rows } = await hub.pool.query<{ id: string }>('SELECT id FROM deliveries ORDER BY id LIMIT 1');
    await hub.pool.query('UPDATE deliveries SET created_at = now(), delivered_at = now() WHERE id = $1', [
      rows[0]?.id,
    ]);
    const kept = await runRetentionSweep(hub.pool, asOf, run, { deliveriesRetentionDays: 0, pageSize: 1 });
    expect(kept.livraisonsPurgees).toBe(0);
    expect(await countsByStatus()).toEqual({ delivered: 4 });
    // With 1 kept day, the old ones go, one page at a time; today's stays.
    const purged = await runRetentionSweep(hub.pool, asOf, run, { deliveriesRetentionDays: 1, pageSize: 1 });
    expect(purged.livraisonsPurgees).toBe(3);
    expect(await hub.pool.query('SELECT id FROM deliveries')).toMatchObject({ rows: [{ id: rows[0]?.id }] });
  });
});
