import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attemptDeliveries } from '../services/pipeline/webhooks/delivery.ts';
import { deliveryDeps, fannedOut, hubForDrivenDeliveries } from './helpers/driven-deliveries.ts';
import { provision, type TestHub } from './helpers/hub.ts';
import { waitFor } from './helpers/wait.ts';

/**
 * An operator discards a delivery while an attempt is being sent, then replays it before that
 * attempt has ended. The replay must not start a second send beside the first: it waits for the
 * first to end. The first's outcome is recorded among the attempts but does not settle the replayed
 * delivery (a failure there would otherwise end it `failed` with no attempt of its own); then the
 * replay's attempt is made, with its schedule starting again.
 */
let hub: TestHub;
let operator: string;
const held: ServerResponse[] = [];
let requests = 0;
/** Whether the next request hangs until the test answers it; the others succeed at once. */
let holdNext = true;
let ids: string[] = [];
const subscriber = createServer((request: IncomingMessage, response: ServerResponse) => {
  request.resume();
  requests += 1;
  if (holdNext) {
    holdNext = false;
    held.push(response);
  } else response.writeHead(200).end();
});

beforeAll(async () => {
  hub = await hubForDrivenDeliveries(subscriber, 2, { SNE_WEBHOOK_TIMEOUT_MS: '30000' });
  operator = await provision(hub.app, { id: 'ops', role: 'operator', departements: ['*'] });
  ids = await fannedOut(hub.pool);
});

/** No retry after a failure: a stale failure that settled the delivery would end it `failed`. */
function deps() {
  return deliveryDeps(hub, { retrySchedule: [], timeoutMs: hub.config.webhookTimeoutMs, slots: 2 });
}

afterAll(async () => {
  for (const response of held) response.destroy();
  subscriber.close();
  await hub?.close();
});

function operatorPost(url: string) {
  return hub.app.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${operator}` },
    payload: { reason: 'le bailleur a corrigé son adresse' },
  });
}

async function deliveryRow(id: string) {
  const { rows } = await hub.pool.query<{ status: string; attempts: number; leased: boolean }>(
    'SELECT status, attempts, leased_until IS NOT NULL AS leased FROM deliveries WHERE id = $1',
    [id],
  );
  return rows[0];
}

describe('a delivery discarded and replayed while an attempt is being sent', () => {
  it('sends the replay once that attempt has ended, never beside it', async () => {
    expect(ids).toHaveLength(2);
    const id = ids[0] as string;
    const first = attemptDeliveries(deps(), [id]);
    await waitFor(async () => (held.length > 0 ? true : undefined), 10_000, 'the first send');

    expect((await operatorPost(`/ops/deliveries/${id}/discard`)).statusCode).toBe(200);
    const replay = await operatorPost(`/ops/deliveries/${id}/replay`);
    expect(replay.statusCode, replay.body).toBe(202);
    const shown = await hub.app.inject({
      method: 'GET',
      url: `/ops/deliveries/${id}`,
      headers: { authorization: `Bearer ${operator}` },
    });
    expect(shown.json()).toMatchObject({ status: 'pending', sending: true });

    // The replay's job, run now (the workers are closed: the test runs it), finds the lease and sends nothing.
    await attemptDeliveries(deps(), [id]);
    expect(requests).toBe(1);
    expect(await deliveryRow(id)).toEqual({ status: 'pending', attempts: 1, leased: true });

    // The first attempt fails: recorded, its lease ended, and the replay's attempt planned.
    held[0]?.writeHead(503).end();
    await first;
    expect(await deliveryRow(id)).toEqual({ status: 'pending', attempts: 1, leased: false });
    const planned = await hub.infrastructure.webhookQueue.getJob(`${id}.2.after-lease`);
    expect(planned?.data).toEqual({ deliveryId: id });

    await attemptDeliveries(deps(), [id]);
    expect(requests).toBe(2);
    const { rows } = await hub.pool.query<{ status: string; attempts: number; delivered: boolean }>(
      'SELECT status, attempts, delivered_at IS NOT NULL AS delivered FROM deliveries WHERE id = $1',
      [id],
    );
    expect(rows[0]).toEqual({ status: 'delivered', attempts: 2, delivered: true });
    const attempts = await hub.pool.query<{ attempt: number; status_code: number }>(
      'SELECT attempt, status_code FROM delivery_attempts WHERE delivery_id = $1 ORDER BY attempt',
      [id],
    );
    expect(attempts.rows).toEqual([
      { attempt: 1, status_code: 503 },
      { attempt: 2, status_code: 200 },
    ]);
  });

  it('frees the delivery when the attempt ends discarded: a replay afterwards goes at once', async () => {
    const id = ids[1] as string;
    holdNext = true;
    const sent = requests;
    const first = attemptDeliveries(deps(), [id]);
    await waitFor(async () => (held.length > 1 ? true : undefined), 10_000, 'the second held send');
    expect((await operatorPost(`/ops/deliveries/${id}/discard`)).statusCode).toBe(200);
    held[1]?.writeHead(503).end();
    await first;
    // The attempt is recorded, the delivery stays discarded, and the attempt's lease is over.
    expect(await deliveryRow(id)).toEqual({ status: 'discarded', attempts: 1, leased: false });

    expect((await operatorPost(`/ops/deliveries/${id}/replay`)).statusCode).toBe(202);
    await attemptDeliveries(deps(), [id]);
    expect(requests).toBe(sent + 2);
    expect(await deliveryRow(id)).toEqual({ status: 'delivered', attempts: 2, leased: false });
  });
});
