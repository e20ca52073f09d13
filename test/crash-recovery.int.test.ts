import type pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Stoppable, startScheduler, startWorkers } from '../services/pipeline/workers.ts';
import { provision, startTestHub, type TestHub } from './helpers/hub.ts';
import { startHubProcess, stopAllHubProcesses } from './helpers/processes.ts';
import { enregistrement, type LotReply, lot, postLot } from './helpers/spt.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';
import { waitFor, waitForMessagesDone } from './helpers/wait.ts';

/**
 * "A message is never lost once a 202 has been sent, whatever crashes afterwards" — and never
 * applied twice: a worker killed in the middle of a job, Redis losing every job, Redis away at
 * intake. Each case ends with the same exactly-once audit of the registry.
 */

/** Short locks and a fast reconciler, so that recovery happens within the test. */
const RECOVERY_ENV = {
  SNE_JOB_LOCK_MS: '2000',
  SNE_RECONCILE_GRACE_MS: '500',
  SNE_RECONCILE_INTERVAL_MS: '300',
};
const PER_LOT = 50;
const silent = pino({ level: 'silent' });

/** A lot of `PER_LOT` enregistrements, each of a person of its own. */
function lotOf(tag: string, n: number): string {
  return lot(
    ...Array.from({ length: PER_LOT }, (_, i) =>
      enregistrement({
        id: `${tag}-${n}-${i}`,
        nom: `Reprise ${tag}`,
        prenom: `P${n}x${i}`,
        dateDepot: '2014-03-01',
      }),
    ),
  );
}

/** Posts lot `n` and returns the messageIds of its accepted messages (all of them). */
async function postLotOf(hub: TestHub, token: string, tag: string, n: number): Promise<string[]> {
  const reply = await postLot(hub.app, token, lotOf(tag, n));
  expect(reply.statusCode, reply.body).toBe(202);
  const receipt = reply.json<LotReply>();
  expect(receipt.accepted).toBe(PER_LOT);
  return receipt.messages.map((m) => m.messageId);
}

async function statusCounts(pool: pg.Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ status: string; n: number }>(
    'SELECT status, count(*)::int AS n FROM messages GROUP BY status',
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Every message applied once: one demande, one distinct numéro, one event, one history line each. */
async function expectExactlyOnce(pool: pg.Pool, messageIds: string[]): Promise<void> {
  const n = messageIds.length;
  const one = async (sql: string) =>
    (await pool.query<Record<string, number>>(sql, sql.includes('$1') ? [messageIds] : [])).rows[0] as Record<
      string,
      number
    >;

  expect(await statusCounts(pool)).toEqual({ applied: n });
  expect(
    await one(`SELECT count(*)::int AS messages, count(DISTINCT result->>'numeroUnique')::int AS numeros
                 FROM messages WHERE id = ANY($1::uuid[])`),
  ).toEqual({ messages: n, numeros: n });
  expect(
    await one(`SELECT (SELECT count(*)::int FROM demandes) AS demandes,
                      (SELECT count(*)::int FROM demandes d JOIN messages m ON m.result->>'numeroUnique' = d.numero_unique
                        WHERE m.id = ANY($1::uuid[])) AS matched`),
  ).toEqual({ demandes: n, matched: n });
  expect(
    await one(`SELECT count(*)::int AS events, count(DISTINCT e.subject)::int AS subjects,
                      count(d.numero_unique)::int AS known
                 FROM events e LEFT JOIN demandes d ON d.numero_unique = e.subject
                WHERE e.type = 'fr.sne.demande.enregistree.v1'`),
  ).toEqual({ events: n, subjects: n, known: n });
  expect(
    await one(`SELECT count(*)::int AS lines, count(DISTINCT h.numero_unique)::int AS demandes,
                      count(m.id)::int AS by_their_message
                 FROM demande_historique h
                 LEFT JOIN messages m ON m.id = h.message_id AND m.result->>'numeroUnique' = h.numero_unique
                WHERE h.kind = 'enregistrement'`),
  ).toEqual({ lines: n, demandes: n, by_their_message: n });
  // A crash rolls its transaction back: the counters give no number twice and leave no gap.
  expect(await one('SELECT sum(dernier)::int AS dernier FROM numero_sequences')).toEqual({ dernier: n });
}

describe('a worker process killed with SIGKILL in the middle of a stream', () => {
  const LOTS = 20;
  let hub: TestHub;
  let token: string;

  beforeAll(async () => {
    hub = await startTestHub({ workers: false, env: RECOVERY_ENV });
    token = await provision(hub.app, { id: 'guichet-lille', role: 'guichet', codeGuichet: 'GL59A' });
  });

  afterAll(async () => {
    await stopAllHubProcesses();
    await hub?.close();
  });

  it('loses no message and applies none twice once another worker takes over', async () => {
    const workerEnv = { ...hub.env, SNE_ROLES: 'worker', PORT: '0' };
    const first = startHubProcess(workerEnv);
    await first.ready();

    const accepted: string[] = [];
    const posting = (async () => {
      for (let n = 0; n < LOTS; n++) accepted.push(...(await postLotOf(hub, token, 'kill', n)));
    })();
    // Kill while a job is under way: some messages applied, some being applied.
    await waitFor(
      async () => {
        const counts = await statusCounts(hub.pool);
        // Messages are `processing` only within the apply's transaction now: some applied, some still to do.
        return (counts.applied ?? 0) > 0 && (counts.accepted ?? 0) > 0 ? counts : undefined;
      },
      30_000,
      'the worker to be applying messages',
    );
    expect(await first.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    await posting;
    // No worker runs now: what is not applied yet is what the killed worker left behind, and it
    // must be something, or the kill proved nothing about taking over.
    const afterKill = await statusCounts(hub.pool);
    expect(afterKill.applied ?? 0).toBeLessThan(LOTS * PER_LOT);

    const second = startHubProcess(workerEnv);
    await waitForMessagesDone(hub.pool, accepted, 45_000);
    expect(accepted).toHaveLength(LOTS * PER_LOT);
    await expectExactlyOnce(hub.pool, accepted);
    // A try killed midway rolled back and counted nothing: each message applied at its first counted attempt.
    const { rows } = await hub.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM messages m
        WHERE m.attempts <> 1 OR NOT EXISTS (
          SELECT 1 FROM message_attempts a WHERE a.message_id = m.id AND a.attempt = 1 AND a.outcome = 'applied')`,
    );
    expect(rows[0]?.n).toBe(0);
    expect(await second.stop()).toEqual({ code: 0, signal: null });
  });
});

describe('Redis losing every job (FLUSHDB) in the middle of a stream', () => {
  // A Redis database of its own: FLUSHDB must not touch the queues of other test files.
  const redisUrl = Object.assign(new URL(inject('redisUrl')), { pathname: '/9' }).href;
  let hub: TestHub;
  let scheduler: Stoppable | undefined;
  let workers: Stoppable | undefined;
  let token: string;

  beforeAll(async () => {
    hub = await startTestHub({ env: { ...RECOVERY_ENV, REDIS_URL: redisUrl } });
    scheduler = startScheduler(hub.config, hub.infrastructure, silent);
    token = await provision(hub.app, { id: 'guichet-roubaix', role: 'guichet', codeGuichet: 'GR59A' });
  });

  afterAll(async () => {
    await scheduler?.close();
    await workers?.close();
    await hub?.close();
  });

  it('re-queues the lost messages from PostgreSQL and applies each once', async () => {
    const accepted: string[] = [];
    // The stream is under way: the first lots are applied...
    for (let n = 0; n < 6; n++) accepted.push(...(await postLotOf(hub, token, 'flush', n)));
    await waitForMessagesDone(hub.pool, accepted);
    // ...then the next ones wait in Redis only (no worker takes them) when Redis loses everything.
    await hub.workers?.close();
    for (let n = 6; n < 12; n++) accepted.push(...(await postLotOf(hub, token, 'flush', n)));
    expect(await hub.infrastructure.redis.flushdb()).toBe('OK');
    // Exactly the six lots posted with no worker are left, none taken: only the reconciler can bring them back.
    expect(await statusCounts(hub.pool)).toEqual({ applied: 6 * PER_LOT, accepted: 6 * PER_LOT });
    workers = startWorkers(hub.config, hub.infrastructure, silent);

    for (let n = 12; n < 16; n++) accepted.push(...(await postLotOf(hub, token, 'flush', n)));
    await waitForMessagesDone(hub.pool, accepted, 45_000);
    await expectExactlyOnce(hub.pool, accepted);
    // The lost ones came back through the reconciler, not by chance.
    const { rows } = await hub.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM messages WHERE job_id LIKE 'reconcile-%'`,
    );
    expect(rows[0]?.n).toBeGreaterThan(0);
  });
});

describe('Redis unreachable at intake', () => {
  let proxy: TcpProxy | undefined;
  let hub: TestHub;
  let scheduler: Stoppable | undefined;
  let token: string;

  beforeAll(async () => {
    // Redis behind a proxy the test can cut: the hub then meets a refused connection, as when Redis is down.
    const redis = new URL(inject('redisUrl'));
    proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
    hub = await startTestHub({ env: { ...RECOVERY_ENV, REDIS_URL: `redis://127.0.0.1:${proxy.port}/0` } });
    scheduler = startScheduler(hub.config, hub.infrastructure, silent);
    token = await provision(hub.app, { id: 'guichet-douai', role: 'guichet', codeGuichet: 'GD59A' });
  });

  afterAll(async () => {
    // Redis back first: closing the queues needs it.
    await proxy?.restore();
    await scheduler?.close();
    await hub?.close();
    await proxy?.close();
  });

  // `.fails` until the intake stops waiting for Redis before the 202 (a BullMQ `add` waits for as
  // long as Redis is away); drop it with that fix.
  it('still answers 202 once PostgreSQL committed, and the messages are applied when Redis is back', async () => {
    await proxy?.cut();
    const accepted: string[] = [];
    for (let n = 0; n < 2; n++) {
      accepted.push(
        ...(await within(5_000, postLotOf(hub, token, 'down', n), 'the 202 while Redis is down')),
      );
    }
    expect(await statusCounts(hub.pool)).toEqual({ accepted: 2 * PER_LOT });

    await proxy?.restore();
    await waitForMessagesDone(hub.pool, accepted, 30_000);
    await expectExactlyOnce(hub.pool, accepted);
  });
});

/** `promise`, or a clear failure after `ms` (instead of the test's own timeout). */
async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
