import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { provision, startTestHub, type TestHub } from './helpers/hub.ts';
import { enregistrement, type LotReply, lot, postLot } from './helpers/spt.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';

/**
 * An operator's replay commits in PostgreSQL, then adds the apply job. With Redis away, a BullMQ add
 * waits for it to come back: the request must not wait with it (the reconciler queues the messages,
 * accepted in PostgreSQL). It hung until Redis returned.
 */
let proxy: TcpProxy;
let hub: TestHub;
let operator: string;
let bailleur: string;

beforeAll(async () => {
  const redis = new URL(inject('redisUrl'));
  proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
  hub = await startTestHub({
    workers: false,
    env: { REDIS_URL: `redis://127.0.0.1:${proxy.port}${redis.pathname}` },
  });
  operator = await provision(hub.app, { id: 'ops', role: 'operator', departements: ['*'] });
  bailleur = await provision(hub.app, { id: 'lille-habitat', role: 'bailleur', codeGuichet: 'LH59A' });
});

afterAll(async () => {
  await proxy?.restore();
  await hub?.close();
  await proxy?.close();
});

describe('a replay while Redis is away', () => {
  it('is answered once committed, its message accepted for the reconciler', async () => {
    const reply = await postLot(
      hub.app,
      bailleur,
      lot(enregistrement({ id: 'E1', nom: 'Absent', typologie: 'T9' })),
    );
    const messageId = reply.json<LotReply>().messages[0]?.messageId as string;
    await proxy.cut();
    const replay = hub.app.inject({
      method: 'POST',
      url: `/ops/messages/${messageId}/replay`,
      headers: { authorization: `Bearer ${operator}` },
      payload: {
        reason: 'typologie corrigée',
        payload: enregistrement({ id: 'E1', nom: 'Absent', typologie: 'T4' }),
      },
    });
    const answered = await Promise.race([
      replay,
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 10_000)),
    ]);
    expect(answered, 'the replay waited for Redis').toBeDefined();
    expect(answered?.statusCode, answered?.body).toBe(202);
    const { rows } = await hub.pool.query('SELECT status FROM messages WHERE id = $1', [messageId]);
    expect(rows).toEqual([{ status: 'accepted' }]);
  });
});
