import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attemptDeliveries } from '../services/pipeline/webhooks/delivery.ts';
import { deliveryDeps, fannedOut, hubForDrivenDeliveries } from './helpers/driven-deliveries.ts';
import { provision, type TestHub } from './helpers/hub.ts';

/**
 * Two runs of one delivery: the first one's lease runs out while its subscriber hangs, a second
 * run claims the delivery again and delivers it; when the first one's failure comes back at last,
 * it is recorded as an attempt but must not put the delivered delivery back to `pending`.
 */
let hub: TestHub;
const held: ServerResponse[] = [];
let requests = 0;
const subscriber = createServer((request: IncomingMessage, response: ServerResponse) => {
  request.resume();
  requests += 1;
  // The first request hangs until the test answers it; the others succeed at once.
  if (requests === 1) held.push(response);
  else response.writeHead(200).end();
});

beforeAll(async () => {
  hub = await hubForDrivenDeliveries(subscriber, 1, { SNE_WEBHOOK_TIMEOUT_MS: '30000' });
});

afterAll(async () => {
  for (const response of held) response.destroy();
  subscriber.close();
  await hub?.close();
});

describe('a delivery run whose lease ran out', () => {
  it('records its attempt but leaves the state the later run set', async () => {
    const ids = await fannedOut(hub.pool);
    expect(ids).toHaveLength(1);
    const deps = deliveryDeps(hub, {
      retrySchedule: [1, 1],
      timeoutMs: hub.config.webhookTimeoutMs,
      slots: 2,
    });
    const first = attemptDeliveries(deps, ids);
    while (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    // While it is being sent, operators see its next attempt at the end of the lease, not at the
    // scheduled time now past (the lease is a column apart: migration 032).
    const operator = await provision(hub.app, { id: 'ops', role: 'operator', departements: ['*'] });
    const sending = await hub.app.inject({
      method: 'GET',
      url: `/ops/deliveries/${ids[0]}`,
      headers: { authorization: `Bearer ${operator}` },
    });
    expect(sending.statusCode, sending.body).toBe(200);
    const {
      status,
      nextAttemptAt,
      sending: beingSent,
    } = sending.json<{
      status: string;
      nextAttemptAt: string;
      sending: boolean;
    }>();
    expect(status).toBe('pending');
    expect(beingSent).toBe(true);
    // The lease: the 30 s timeout of one round of sends, plus 5 s.
    expect(Date.parse(nextAttemptAt) - Date.now()).toBeGreaterThan(30_000);
    // The first run's lease runs out (a job taken over): a second run claims and delivers.
    await hub.pool.query(`UPDATE deliveries SET leased_until = now() - interval '1 minute'`);
    const idle = await hub.app.inject({
      method: 'GET',
      url: `/ops/deliveries/${ids[0]}`,
      headers: { authorization: `Bearer ${operator}` },
    });
    // Its lease over, nothing is being sent as far as the hub knows.
    expect(idle.json()).toMatchObject({ status: 'pending', sending: false });
    await attemptDeliveries(deps, ids);
    held[0]?.writeHead(500).end();
    await first;

    const { rows } = await hub.pool.query<{ status: string; attempts: number; delivered: boolean }>(
      'SELECT status, attempts, delivered_at IS NOT NULL AS delivered FROM deliveries WHERE id = $1',
      [ids[0]],
    );
    expect(rows[0]).toEqual({ status: 'delivered', attempts: 2, delivered: true });
    const attempts = await hub.pool.query<{ attempt: number; status_code: number }>(
      'SELECT attempt, status_code FROM delivery_attempts WHERE delivery_id = $1 ORDER BY attempt',
      [ids[0]],
    );
    expect(attempts.rows).toEqual([
      { attempt: 1, status_code: 500 },
      { attempt: 2, status_code: 200 },
    ]);
    // No retry was planned for the stale failure.
    expect(await hub.infrastructure.webhookQueue.getDelayedCount()).toBe(0);
  });
});
