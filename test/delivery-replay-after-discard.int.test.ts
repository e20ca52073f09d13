import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provision, startTestHub, subscribe, type TestHub } from './helpers/hub.ts';
import { enregistrement, sendLot } from './helpers/spt.ts';
import { waitFor } from './helpers/wait.ts';
import { Receiver } from './helpers/webhook-receiver.ts';

/**
 * An operator discards a delivery that waits for its next retry, an hour away, then replays it once
 * the subscriber is fixed: the replay is sent now, as its 202 says, not when the retry's delay runs
 * out. The retry's delayed job is still in BullMQ under the attempt's own id; a replay job of that
 * same id was taken for a duplicate and dropped, and the reconciler, seeing that id live, let it be.
 */
let hub: TestHub;
let operator: string;
const receiver = new Receiver();

beforeAll(async () => {
  await receiver.start();
  hub = await startTestHub({
    env: {
      SNE_WEBHOOK_ALLOW_PRIVATE: 'true',
      SNE_WEBHOOK_RETRY_SCHEDULE: '3600',
      SNE_RECONCILE_INTERVAL_MS: '300',
      SNE_RECONCILE_GRACE_MS: '500',
    },
  });
  operator = await provision(hub.app, { id: 'ops', role: 'operator', departements: ['*'] });
  receiver.secret = (
    await subscribe(hub.app, { id: 'abonne', codeGuichet: 'AB59A', url: receiver.url })
  ).webhookSecret;
});

afterAll(async () => {
  await receiver.stop();
  await hub?.close();
});

function operatorRequest(method: 'GET' | 'POST', url: string) {
  return hub.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${operator}` },
    ...(method === 'POST' ? { payload: { reason: 'le bailleur a réparé son serveur' } } : {}),
  });
}

describe('a delivery discarded while it waits for a retry, then replayed', () => {
  it.each(['one', 'bulk'])('is sent at once (%s replay), not after the retry delay', async (how) => {
    receiver.status = 500;
    const guichet = await provision(hub.app, {
      id: `guichet-${how}`,
      role: 'guichet',
      codeGuichet: how === 'one' ? 'GU59A' : 'GU59B',
    });
    await sendLot(hub.app, guichet, enregistrement({ id: `R-${how}`, nom: 'Rejeu', prenom: how }));
    const waiting = await waitFor(
      async () => {
        const { rows } = await hub.pool.query<{ id: string }>(
          `SELECT id FROM deliveries
            WHERE client_id = 'abonne' AND status = 'pending' AND attempts = 1 AND leased_until IS NULL`,
        );
        return rows[0];
      },
      20_000,
      'the first attempt to fail and its retry to be planned an hour later',
    );
    expect((await operatorRequest('POST', `/ops/deliveries/${waiting.id}/discard`)).statusCode).toBe(200);

    receiver.status = 204;
    const replay =
      how === 'one'
        ? await operatorRequest('POST', `/ops/deliveries/${waiting.id}/replay`)
        : await hub.app.inject({
            method: 'POST',
            url: '/ops/deliveries/replay',
            headers: { authorization: `Bearer ${operator}` },
            payload: { filter: { status: 'discarded', client: 'abonne' }, reason: 'réparé' },
          });
    // One delivery: 202, the attempt to come. A bulk replay: 200 with what it matched and replayed.
    expect(replay.statusCode, replay.body).toBe(how === 'one' ? 202 : 200);
    await waitFor(
      async () => {
        const shown = await operatorRequest('GET', `/ops/deliveries/${waiting.id}`);
        return shown.json<{ status: string }>().status === 'delivered' ? true : undefined;
      },
      10_000,
      'the replayed delivery to be sent',
    );
    const { rows } = await hub.pool.query<{ attempts: number }>(
      'SELECT attempts FROM deliveries WHERE id = $1',
      [waiting.id],
    );
    expect(rows[0]?.attempts).toBe(2);
  });
});
