import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, provision, startTestHub, type TestHub } from './helpers/hub.ts';
import { startHubProcess, stopAllHubProcesses } from './helpers/processes.ts';
import { enregistrement, type LotReply, lot, postLot } from './helpers/spt.ts';
import { waitFor } from './helpers/wait.ts';
import { Receiver } from './helpers/webhook-receiver.ts';

/**
 * Deliveries are recorded in PostgreSQL before they are sent: a worker killed with SIGKILL while
 * sending loses none of them. Some may arrive twice (at least once); each carries the same
 * `webhook-id`, so the receiver can tell.
 */
describe('a worker killed while delivering webhooks', () => {
  const LOTS = 4;
  const PER_LOT = 25;
  let hub: TestHub;
  let guichet: string;
  const receiver = new Receiver();

  beforeAll(async () => {
    hub = await startTestHub({
      workers: false,
      env: {
        SNE_WEBHOOK_ALLOW_PRIVATE: 'true',
        SNE_WEBHOOK_RETRY_SCHEDULE: '1,1,1,1,1',
        SNE_WEBHOOK_TIMEOUT_MS: '1000',
        SNE_WEBHOOK_CONCURRENCY: '4',
        SNE_JOB_LOCK_MS: '2000',
        SNE_RECONCILE_GRACE_MS: '500',
        SNE_RECONCILE_INTERVAL_MS: '300',
      },
    });
    guichet = await provision(hub.app, { id: 'lille', role: 'guichet', codeGuichet: 'LI59A' });
    receiver.delayMs = 20;
    await receiver.start();
    const reply = await hub.app.inject({
      method: 'POST',
      url: '/admin/clients',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: {
        id: 'abonne',
        role: 'guichet',
        organisme: '111111111',
        nom: 'Abonné',
        departements: ['59'],
        codeGuichet: 'AB59A',
        webhook: { url: receiver.url },
      },
    });
    receiver.secret = reply.json<{ webhookSecret: string }>().webhookSecret;
  });

  afterAll(async () => {
    await stopAllHubProcesses();
    await receiver.stop();
    await hub?.close();
  });

  it('delivers every event once the next worker takes over', async () => {
    const workerEnv = { ...hub.env, SNE_ROLES: 'worker,scheduler', PORT: '0' };
    const first = startHubProcess(workerEnv);
    await first.ready();
    for (let n = 0; n < LOTS; n++) {
      const reply = await postLot(
        hub.app,
        guichet,
        lot(
          ...Array.from({ length: PER_LOT }, (_, i) =>
            enregistrement({ id: `K${n}-${i}`, prenom: `P${n}x${i}` }),
          ),
        ),
      );
      expect(reply.json<LotReply>().accepted).toBe(PER_LOT);
    }
    await waitFor(
      async () => (receiver.received.length >= 10 ? true : undefined),
      30_000,
      'first deliveries',
    );
    expect(await first.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    const delivered = new Set(receiver.received.map((r) => r.event.id)).size;

    const second = startHubProcess(workerEnv);
    const total = LOTS * PER_LOT;
    await waitFor(
      async () => {
        const { rows } = await hub.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM deliveries WHERE client_id = 'abonne' AND status = 'delivered'`,
        );
        return rows[0]?.n === total ? true : undefined;
      },
      60_000,
      'every delivery',
    );
    const { rows: events } = await hub.pool.query<{ id: string }>(
      `SELECT id FROM events WHERE type = 'fr.sne.demande.enregistree.v1'`,
    );
    expect(events).toHaveLength(total);
    const ids = new Set(receiver.received.map((r) => r.event.id));
    expect(ids).toEqual(new Set(events.map((e) => e.id)));
    expect(delivered).toBeLessThan(total);
    expect(receiver.rejected).toEqual([]);
    expect(await second.stop()).toEqual({ code: 0, signal: null });
  });
});
