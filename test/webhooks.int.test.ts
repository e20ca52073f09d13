import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, provision, startTestHub, type TestHub } from './helpers/hub.ts';
import { enregistrement, lot, postLot, radiation, sendLot } from './helpers/spt.ts';
import { waitFor } from './helpers/wait.ts';
import { Receiver } from './helpers/webhook-receiver.ts';

/**
 * Webhooks (interfaces.md §9) against a real HTTP receiver that verifies every signature:
 * it goes down, comes back, and every event of the subscriber's scope arrives, each signed.
 */
let hub: TestHub;
let guichet: string;
let operator: string;

const receivers: Receiver[] = [];

async function subscribe(id: string, receiver: Receiver, extra: Record<string, unknown> = {}): Promise<void> {
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
      codeGuichet: id.slice(0, 5).toUpperCase().padEnd(5, 'X'),
      webhook: { url: receiver.url },
      ...extra,
    },
  });
  expect(reply.statusCode, reply.body).toBe(201);
  receiver.secret = reply.json<{ webhookSecret: string }>().webhookSecret;
  expect(receiver.secret).toMatch(/^whsec_/);
}

async function deliveryStatuses(clientId: string): Promise<Record<string, number>> {
  const { rows } = await hub.pool.query<{ status: string; n: string }>(
    'SELECT status, count(*) AS n FROM deliveries WHERE client_id = $1 GROUP BY status',
    [clientId],
  );
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

beforeAll(async () => {
  hub = await startTestHub({
    env: {
      SNE_WEBHOOK_ALLOW_PRIVATE: 'true',
      SNE_WEBHOOK_RETRY_SCHEDULE: '1,1,1,1,1,1,1,1,1,1',
      SNE_WEBHOOK_TIMEOUT_MS: '2000',
      SNE_RECONCILE_INTERVAL_MS: '300',
    },
  });
  guichet = await provision(hub.app, { id: 'lille', role: 'guichet', codeGuichet: 'LI59A' });
  operator = await provision(hub.app, { id: 'ops', role: 'operator', departements: ['*'] });
});

afterEach(async () => {
  await Promise.all(receivers.map((r) => r.stop()));
});

afterAll(async () => {
  await hub?.close();
});

describe('webhooks', () => {
  it('keeps the secret encrypted at rest and returns it once', async () => {
    const receiver = new Receiver();
    receivers.push(receiver);
    await receiver.start();
    await subscribe('secret', receiver);
    const { rows } = await hub.pool.query<{ webhook_secret: Buffer; all: string }>(
      'SELECT webhook_secret, row_to_json(c)::text AS all FROM clients c WHERE id = $1',
      ['secret'],
    );
    const key = receiver.secret.slice('whsec_'.length);
    expect(rows[0]?.all).not.toContain(key);
    expect(rows[0]?.webhook_secret.toString('base64')).not.toContain(key);
    const listed = await hub.app.inject({
      method: 'GET',
      url: '/admin/clients',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(listed.body).not.toContain(key);
  });

  it('moves a webhook to a new URL with a new secret, shown once: the next deliveries go there, signed with it', async () => {
    const before = new Receiver();
    const after = new Receiver();
    receivers.push(before, after);
    await before.start();
    await after.start();
    await subscribe('moved', before);
    await sendLot(hub.app, guichet, enregistrement({ id: 'MV1', nom: 'Avant' }));
    await waitFor(async () => (before.received.length >= 1 ? true : undefined), 20_000, 'a delivery before');

    const moved = await hub.app.inject({
      method: 'PUT',
      url: '/admin/clients/moved/webhook',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: { url: after.url },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    after.secret = moved.json<{ webhookSecret: string }>().webhookSecret;
    expect(after.secret).toMatch(/^whsec_/);
    expect(after.secret).not.toBe(before.secret);
    const { rows } = await hub.pool.query(
      `SELECT details FROM audit WHERE action = 'admin.client.webhook' AND target = 'moved'`,
    );
    expect(rows).toEqual([{ details: { origin: new URL(after.url).origin, types: null } }]);
    expect(JSON.stringify(rows)).not.toContain('/hook');
    expect(JSON.stringify(rows)).not.toContain(after.secret.slice(6));

    const count = before.received.length;
    await sendLot(hub.app, guichet, enregistrement({ id: 'MV2', nom: 'Apres' }));
    // The receiver verifies each signature with the new secret: a delivery signed with the old one is rejected.
    await waitFor(async () => (after.received.length >= 1 ? true : undefined), 20_000, 'a delivery after');
    expect(after.rejected).toEqual([]);
    expect(before.received.length).toBe(count);
    const unknown = await hub.app.inject({
      method: 'PUT',
      url: '/admin/clients/nobody/webhook',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: { url: after.url },
    });
    expect(unknown.json()).toMatchObject({ status: 404, code: 'CLIENT_UNKNOWN' });
  });

  it('delivers every event, signed, while the subscriber goes down and comes back', async () => {
    const receiver = new Receiver();
    receivers.push(receiver);
    await receiver.start();
    await subscribe('downtime', receiver);

    await sendLot(
      hub.app,
      guichet,
      enregistrement({ id: 'W1', nom: 'Un' }),
      enregistrement({ id: 'W2', nom: 'Deux' }),
    );
    await waitFor(async () => (receiver.received.length >= 2 ? true : undefined), 20_000, 'first deliveries');

    // Down: connections refused. Events keep coming.
    await receiver.stop();
    const posted = await postLot(
      hub.app,
      guichet,
      lot(...['W3', 'W4', 'W5', 'W6'].map((id) => enregistrement({ id, nom: `Nom ${id}` }))),
    );
    expect(posted.statusCode).toBe(202);
    await waitFor(
      async () => {
        const { rows } = await hub.pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM deliveries WHERE client_id = 'downtime' AND status = 'pending' AND attempts >= 2`,
        );
        return Number(rows[0]?.n) >= 4 ? true : undefined;
      },
      20_000,
      'failed attempts while down',
    );
    // Back up on the same port.
    await receiver.start();
    await waitFor(
      async () => ((await deliveryStatuses('downtime')).delivered === 6 ? true : undefined),
      30_000,
      'every delivery done',
    );

    const { rows: expected } = await hub.pool.query<{ id: string }>(
      `SELECT id FROM events WHERE departement = '59' AND type = 'fr.sne.demande.enregistree.v1'
         AND sequence > (SELECT min(event_sequence) - 1 FROM deliveries WHERE client_id = 'downtime') ORDER BY sequence`,
    );
    const ids = new Set(receiver.received.map((r) => r.event.id));
    expect([...ids].sort()).toEqual(expected.map((r) => r.id).sort());
    expect(receiver.rejected).toEqual([]);
    for (const { event, headers } of receiver.received) {
      expect(headers['webhook-id']).toBe(event.id);
      expect(headers['webhook-signature']).toMatch(/^v1,/);
    }
    // The wait above already saw the failed attempts (a count of them here could not fail). What
    // it did not see: once the subscriber was back, each delivery succeeded once, not again.
    const { rows: attempts } = await hub.pool.query<{ ok: number }>(
      `SELECT count(*) FILTER (WHERE a.status_code BETWEEN 200 AND 299)::int AS ok
         FROM deliveries d JOIN delivery_attempts a ON a.delivery_id = d.id
        WHERE d.client_id = 'downtime' GROUP BY d.id ORDER BY d.event_sequence`,
    );
    expect(attempts.map((a) => a.ok)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('marks a delivery failed after the last attempt of the schedule', async () => {
    const receiver = new Receiver();
    receivers.push(receiver);
    receiver.status = 500;
    await receiver.start();
    await subscribe('always-500', receiver, {
      webhook: { url: receiver.url, types: ['fr.sne.demande.radiee.v1'] },
    });
    const outcomes = await sendLot(hub.app, guichet, enregistrement({ id: 'F1', nom: 'Echec' }));
    await sendLot(
      hub.app,
      guichet,
      radiation('F2', outcomes.F1?.result?.numeroUnique as string, 'abandon', '2014-05-01'),
    );
    const failed = await waitFor(
      async () => {
        const { rows } = await hub.pool.query<{ attempts: number; last_error: unknown }>(
          `SELECT attempts, last_error FROM deliveries WHERE client_id = 'always-500' AND status = 'failed'`,
        );
        return rows[0];
      },
      60_000,
      'the delivery to fail',
    );
    // 1 attempt + 10 retries of the schedule; only the radiation (types filter).
    expect(failed.attempts).toBe(11);
    expect(failed.last_error).toMatchObject({ statusCode: 500 });
    expect(await deliveryStatuses('always-500')).toEqual({ failed: 1 });
  });

  it('lets an operator find a failed delivery and replay it once the subscriber is fixed', async () => {
    const ops = (method: 'GET' | 'POST', url: string, payload?: object) =>
      hub.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${operator}` },
        ...(payload ? { payload } : {}),
      });
    const listed = await ops('GET', '/ops/deliveries?status=failed&client=always-500');
    expect(listed.statusCode).toBe(200);
    const [failed] = listed.json<{ items: { id: string; attempts: number; eventType: string }[] }>().items;
    expect(failed).toMatchObject({ attempts: 11, eventType: 'fr.sne.demande.radiee.v1' });
    const detail = await ops('GET', `/ops/deliveries/${failed?.id}`);
    expect(detail.json<{ attemptsLog: unknown[] }>().attemptsLog).toHaveLength(11);

    const receiver = receivers.find((r) => r.secret && r.status === 500) as Receiver;
    receiver.status = 204;
    await receiver.start();
    const replay = await ops('POST', `/ops/deliveries/${failed?.id}/replay`, { reason: 'subscriber fixed' });
    expect(replay.statusCode).toBe(202);
    await waitFor(
      async () => ((await deliveryStatuses('always-500')).delivered === 1 ? true : undefined),
      20_000,
      'the replayed delivery',
    );
    expect(receiver.received.map((r) => r.event.type)).toEqual(['fr.sne.demande.radiee.v1']);
    const again = await ops('POST', `/ops/deliveries/${failed?.id}/replay`, { reason: 'twice' });
    expect(again.statusCode).toBe(409);
    const { rows } = await hub.pool.query(`SELECT actor, reason FROM audit WHERE action = 'delivery.replay'`);
    expect(rows).toEqual([{ actor: 'ops', reason: 'subscriber fixed' }]);

    // Delivered now: it exists, so giving it up is a conflict with its state, not an unknown id.
    const discard = await ops('POST', `/ops/deliveries/${failed?.id}/discard`, { reason: 'too late' });
    expect(discard.statusCode).toBe(409);
    expect(discard.json()).toMatchObject({ code: 'DELIVERY_NOT_DISCARDABLE' });
    expect(discard.json<{ detail: string }>().detail).toContain('delivered');
    const unknown = await ops('POST', '/ops/deliveries/0190a1b2-0000-7000-8000-000000000000/discard', {
      reason: 'no such delivery',
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'DELIVERY_UNKNOWN' });
    // A bulk replay takes failed or discarded deliveries: asking for delivered ones is a mistake, said so.
    const delivered = await ops('POST', '/ops/deliveries/replay', {
      filter: { status: 'delivered' },
      reason: 'all of them',
    });
    expect(delivered.statusCode).toBe(400);
    expect(delivered.json()).toMatchObject({ code: 'CONTRACT_INVALID' });
  });
});
