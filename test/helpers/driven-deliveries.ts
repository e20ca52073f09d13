import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import type { DeliveryDeps } from '../../services/pipeline/webhooks/delivery.ts';
import { fanOut } from '../../services/pipeline/webhooks/fanout.ts';
import { webhookSecretBox } from '../../services/pipeline/webhooks/secrets.ts';
import { SendSlots } from '../../services/pipeline/webhooks/send-slots.ts';
import { provision, startTestHub, subscribe, type TestHub } from './hub.ts';
import { enregistrement, sendLot } from './spt.ts';

/**
 * A hub whose webhook deliveries the test drives itself (`fanOut`, `attemptDeliveries`): `events`
 * enregistrements applied, its workers closed, then `subscriber` (started here on a free port)
 * subscribed as if it had been there before those events.
 */
export async function hubForDrivenDeliveries(
  subscriber: Server,
  events: number,
  env: Record<string, string> = {},
): Promise<TestHub> {
  subscriber.listen(0, '127.0.0.1');
  await once(subscriber, 'listening');
  const hub = await startTestHub({ env: { SNE_WEBHOOK_ALLOW_PRIVATE: 'true', ...env } });
  const bailleur = await provision(hub.app, { id: 'lille-habitat', role: 'bailleur', codeGuichet: 'LH59A' });
  const out = await sendLot(
    hub.app,
    bailleur,
    ...Array.from({ length: events }, (_, i) =>
      enregistrement({ id: `E-${i}`, prenom: `P${i}`, dateDepot: '2014-03-01' }),
    ),
  );
  const notApplied = Object.entries(out).filter(([, o]) => o.status !== 'applied');
  if (notApplied.length > 0) throw new Error(`not applied: ${JSON.stringify(notApplied)}`);
  await hub.workers?.close();
  const { port } = subscriber.address() as AddressInfo;
  await subscribe(hub.app, { id: 'abonne', codeGuichet: 'AB59A', url: `http://127.0.0.1:${port}/hook` });
  await hub.pool.query('UPDATE webhook_cursors SET last_sequence = (SELECT min(sequence) - 1 FROM events)');
  return hub;
}

/** Fans the events out to the subscribers once: the ids of the deliveries it created. */
export async function fannedOut(pool: pg.Pool): Promise<string[]> {
  const ids: string[] = [];
  await fanOut(pool, async (batch) => {
    ids.push(...batch.map((d) => d.id));
  });
  return ids;
}

/** What `attemptDeliveries` needs, from the hub's own parts; sends to private addresses. */
export function deliveryDeps(
  hub: TestHub,
  options: { pool?: pg.Pool; retrySchedule: number[]; timeoutMs: number; slots: number },
): DeliveryDeps {
  return {
    pool: options.pool ?? hub.pool,
    queue: hub.infrastructure.webhookQueue,
    secrets: webhookSecretBox(hub.config),
    retrySchedule: options.retrySchedule,
    send: { timeoutMs: options.timeoutMs, allowPrivate: true },
    slots: new SendSlots(options.slots),
  };
}
