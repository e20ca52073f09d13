import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orphanCounts } from '../../services/db/integrity.ts';
import { createPool } from '../../services/db/pool.ts';
import { postUntilAnswered } from '../helpers/post-until-answered.ts';
import { type HubProcess, startHubProcess, stopAllHubProcesses } from '../helpers/processes.ts';
import { enregistrement, lot } from '../helpers/spt.ts';
import { Receiver } from '../helpers/webhook-receiver.ts';
import {
  freePort,
  type PrivatePostgres,
  type PrivateRedis,
  requirePrivateServices,
  startPrivatePostgres,
  startPrivateRedis,
} from './private-services.ts';

/**
 * Faults at scale (`npm run test:faults`): a stream of FAULTS_MESSAGES enregistrements (default
 * 50,000, in lots of 500) sent to two API processes while worker processes are SIGKILLed, a worker
 * is frozen (SIGSTOP) in the middle of a transaction, an API process is SIGKILLed, Redis is flushed,
 * PostgreSQL crashes and restarts, and the webhook subscriber goes down and comes back. Afterwards,
 * counted from the registry itself: every message answered 202 applied exactly once, every event
 * delivered.
 */
const TOTAL = Number(process.env.FAULTS_MESSAGES ?? 50_000);
const PER_LOT = 500;
const LOTS = Math.ceil(TOTAL / PER_LOT);
const ADMIN_TOKEN = 'faults-admin-token-0123456789';
requirePrivateServices('faults at scale');

/** Polls `check` every second (the counts are over the whole registry) until it holds. */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Short locks, a fast reconciler and a short webhook schedule, so that recovery happens within the run. */
const HUB_ENV = {
  SNE_ADMIN_TOKEN: ADMIN_TOKEN,
  SNE_JOB_LOCK_MS: '3000',
  SNE_RECONCILE_GRACE_MS: '1000',
  SNE_RECONCILE_INTERVAL_MS: '1000',
  SNE_APPLY_BACKOFF_MS: '250',
  SNE_WEBHOOK_RETRY_SCHEDULE: '1,1,2,2,3,5,5,10,10,10,10,10',
  SNE_WEBHOOK_ALLOW_PRIVATE: 'true',
  SNE_PG_IDLE_IN_TRANSACTION_MS: '2000',
};

describe(`faults at scale (${TOTAL} messages)`, () => {
  let postgres: PrivatePostgres;
  let redis: PrivateRedis;
  let pool: pg.Pool;
  let env: Record<string, string>;
  const receiver = new Receiver();
  const apiPorts: number[] = [];
  const apis: HubProcess[] = [];
  const workers: HubProcess[] = [];

  const startApi = (i: number) => {
    apis[i] = startHubProcess({ ...env, SNE_ROLES: 'api', PORT: String(apiPorts[i]) });
    return apis[i].ready(60_000);
  };
  /** Each worker's connections are named apart (an application_name in the URL wins over the hub's). */
  const workerName = (i: number) => `faults-worker-${i}`;
  const startWorker = (i: number) => {
    const url = `${env.DATABASE_URL}?application_name=${workerName(i)}`;
    workers[i] = startHubProcess({ ...env, DATABASE_URL: url, SNE_ROLES: 'worker' });
    return workers[i].ready(60_000);
  };

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis()]);
    env = { ...HUB_ENV, DATABASE_URL: postgres.url('sne'), REDIS_URL: redis.url };
    apiPorts.push(await freePort(), await freePort());
    // The first process creates the database and applies the migrations; the others find them done.
    await startApi(0);
    await Promise.all([startApi(1), startWorker(0), startWorker(1)]);
    startHubProcess({ ...env, SNE_ROLES: 'scheduler' });
    pool = createPool({ connectionString: postgres.url('sne'), max: 2 });
    await receiver.start();
  }, 180_000);

  afterAll(async () => {
    await stopAllHubProcesses();
    await pool?.end();
    await receiver.stop();
    await redis?.stop();
    await postgres?.stop();
  });

  it('applies every accepted message exactly once and delivers every event', async () => {
    const admin = await postUntilAnswered(
      apiPorts,
      '/admin/clients',
      JSON.stringify({
        id: 'guichet-faults',
        role: 'guichet',
        organisme: '123456789',
        nom: 'Guichet des pannes',
        departements: ['59'],
        codeGuichet: 'GF59A',
        webhook: { url: receiver.url },
      }),
      { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      0,
    );
    expect(admin.status, await admin.clone().text()).toBe(201);
    const { token, webhookSecret } = (await admin.json()) as { token: string; webhookSecret: string };
    receiver.secret = webhookSecret;

    /** Kills worker process `i` (SIGKILL, as in a crash) and starts another in its place. */
    /** The restart of the API process killed while it received a lot, awaited before the counts. */
    let apiRestart: Promise<unknown> = Promise.resolve();
    const crashWorker = async (i: number) => {
      await workers[i]?.kill();
      await startWorker(i);
    };
    /** Transactions worker `i` has open now. */
    const openTransactions = async (i: number) =>
      (
        await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE application_name = $1 AND backend_type = 'client backend' AND xact_start IS NOT NULL`,
          [workerName(i)],
        )
      ).rows[0]?.n ?? 0;
    /**
     * Freezes worker `i` (SIGSTOP) while it has a transaction open, as a process that hangs or loses
     * its network would: PostgreSQL must end that transaction (SNE_PG_IDLE_IN_TRANSACTION_MS), so
     * that the other worker's applies, which wait for its locks (EVENTS_LOCK), go on. Thawed once
     * its job's lock has expired too: its next statement fails, and nothing is applied twice.
     */
    const freezeWorkerInTransaction = async (i: number) => {
      const worker = workers[i] as HubProcess;
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (Date.now() > deadline) throw new Error(`worker ${i} was never frozen in a transaction`);
        if ((await openTransactions(i)) === 0) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          continue;
        }
        process.kill(worker.pid, 'SIGSTOP');
        // Still open a moment later: the frozen process holds it (not a commit already on its way).
        await new Promise((resolve) => setTimeout(resolve, 300));
        if ((await openTransactions(i)) > 0) break;
        process.kill(worker.pid, 'SIGCONT');
      }
      try {
        await until(async () => (await openTransactions(i)) === 0, `worker ${i}'s transaction ended`, 30_000);
        await new Promise((resolve) => setTimeout(resolve, Number(HUB_ENV.SNE_JOB_LOCK_MS) + 500));
      } finally {
        process.kill(worker.pid, 'SIGCONT');
      }
    };
    /** What happens as the stream reaches each lot: the faults, in this order, spread over the run. */
    const at = (fraction: number) => Math.floor(LOTS * fraction);
    const faults: [lot: number, fault: () => Promise<unknown>][] = [
      [at(0.1), () => crashWorker(0)],
      [at(0.25), () => redis.flush()],
      [at(0.35), () => freezeWorkerInTransaction(1)],
      // Killed while it receives the lot (lot n goes first to API n % 2): the sender retries on the other one.
      [
        2 * at(0.2),
        async () => {
          apiRestart = new Promise((resolve) => setTimeout(resolve, 30))
            .then(() => apis[0]?.kill())
            .then(() => startApi(0));
        },
      ],
      [at(0.5), () => receiver.stop()],
      [at(0.55), () => postgres.crashAndRestart()],
      [at(0.65), () => crashWorker(1)],
      [at(0.75), () => receiver.start()],
      [at(0.85), () => Promise.all([crashWorker(0), crashWorker(1)])],
    ];

    const accepted: string[] = [];
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/xml' };
    for (let n = 0; n < LOTS; n++) {
      for (const [when, fault] of faults) if (when === n) await fault();
      const xml = lot(
        ...Array.from({ length: Math.min(PER_LOT, TOTAL - n * PER_LOT) }, (_, i) =>
          enregistrement({
            id: `F-${n}-${i}`,
            nom: `Panne ${n}`,
            prenom: `P${i}`,
            dateDepot: '2014-03-01',
          }),
        ),
      );
      const reply = await postUntilAnswered(apiPorts, '/connectors/spt/v2/lots', xml, headers, n);
      const receipt = (await reply.json()) as {
        accepted: number;
        messages: { messageId: string; status: string }[];
      };
      expect(reply.status).toBe(202);
      expect(receipt.messages.every((m) => m.status !== 'rejected')).toBe(true);
      accepted.push(...receipt.messages.map((m) => m.messageId));
    }
    expect(new Set(accepted).size).toBe(TOTAL);
    await apiRestart;

    // Every 202 ends applied: counted from PostgreSQL, whatever the queues lost on the way.
    const one = async (sql: string) => (await pool.query(sql)).rows[0] as Record<string, number>;
    await until(
      async () => (await one(`SELECT count(*)::int AS n FROM messages WHERE status = 'applied'`)).n === TOTAL,
      'every accepted message applied',
    );
    // Exactly once: one demande, one numéro, one enregistrement line and one event per message.
    expect(
      await one(
        `SELECT count(*)::int AS messages, count(*) FILTER (WHERE status <> 'applied')::int AS other FROM messages`,
      ),
    ).toEqual({ messages: TOTAL, other: 0 });
    expect(
      await one(
        'SELECT count(*)::int AS demandes, count(DISTINCT numero_unique)::int AS numeros FROM demandes',
      ),
    ).toEqual({ demandes: TOTAL, numeros: TOTAL });
    expect(
      await one(
        `SELECT count(*)::int AS lines, count(DISTINCT message_id)::int AS messages FROM demande_historique WHERE kind = 'enregistrement'`,
      ),
    ).toEqual({ lines: TOTAL, messages: TOTAL });
    expect(
      await one(
        `SELECT count(*)::int AS events, count(DISTINCT subject)::int AS subjects FROM events WHERE type = 'fr.sne.demande.enregistree.v1'`,
      ),
    ).toEqual({ events: TOTAL, subjects: TOTAL });
    expect(await one('SELECT sum(dernier)::int AS dernier FROM numero_sequences')).toEqual({
      dernier: TOTAL,
    });
    // The hot path's child rows have their parents (foreign keys no longer check it, migration 013).
    expect(Object.entries(await orphanCounts(pool)).filter(([, n]) => n > 0)).toEqual([]);

    // Every event reaches the subscriber that was down for a while: one delivery each, all delivered.
    await until(
      async () =>
        (await one(`SELECT count(*)::int AS n FROM deliveries WHERE status = 'delivered'`)).n === TOTAL,
      'every event delivered',
    );
    expect(
      await one(
        `SELECT count(*)::int AS deliveries, count(DISTINCT event_sequence)::int AS events FROM deliveries`,
      ),
    ).toEqual({ deliveries: TOTAL, events: TOTAL });
    const ids = new Set(receiver.received.map((r) => r.event.id));
    const { rows } = await pool.query<{ id: string }>('SELECT id FROM events');
    expect(rows.filter((r) => !ids.has(r.id))).toEqual([]);
    expect(receiver.rejected).toEqual([]);
    console.log(
      `faults: ${TOTAL} messages applied once each; ${receiver.received.length} webhook requests for ${ids.size} events ` +
        `(${receiver.received.length - ids.size} repeated, at least once)`,
    );
  }, 1_800_000);
});
