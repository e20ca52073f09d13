/**
 * `npm run bench:webhooks`: the webhook fan-out to 20 local subscribers, end to end, against the
 * honest ceiling measured in the same run.
 *
 * The hub (an API + scheduler process and BENCH_WORKERS worker processes, as `bench:pipeline`
 * starts them, on a scratch database) has 20 clients with a webhook whose scope sees every
 * enregistrement of the Nord (guichets and bailleurs of 59, pgp, operators); BENCH_EVENTS
 * enregistrements are sent in lots of 500, so each event is delivered 20 times. The subscribers
 * are plain node:http servers in a child process (`webhooks/subscribers.ts`): they count distinct
 * `webhook-id`s and verify the signature of a sample. Printed: deliveries per second from the
 * first event committed to the last 2xx recorded, p50/p99 of event → delivered (the event's
 * transaction time to the delivery's `delivered_at`), and when the last event was committed; then
 * what PostgreSQL wrote: the run's WAL a delivery, how many of the deliveries' updates were HOT (the
 * claims, migration 032) and the table's sizes at the end.
 *
 * Baseline, same run, same subscribers: the same events, signed the same way, POSTed straight from
 * this process at the hub's total webhook concurrency (worker processes × SNE_WEBHOOK_CONCURRENCY),
 * no queue, no database: once with fetch (undici), once with the hub's own `send` (node:http and
 * its keep-alive agent). The ratio is hub / the faster of the two.
 * Exits by itself, 1 if a delivery is missing or a signature is wrong.
 *
 * Options (environment): BENCH_EVENTS (default 20000), BENCH_LOT (500), BENCH_WORKERS (1),
 * SNE_WEBHOOK_CONCURRENCY (the hub's, and the baseline's per worker), BENCH_NODE_ARGS (extra node
 * flags for the hub's processes, e.g. `--cpu-prof`), DATABASE_URL (admin URL, a scratch database
 * is made from it), REDIS_URL.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type pg from 'pg';
import { loadConfig } from '../services/config/config.ts';
import { createPool } from '../services/db/pool.ts';
import { cloudEventOf, type EventRow } from '../services/pipeline/events.ts';
import { send, signatureHeaders } from '../services/pipeline/webhooks/send.ts';
import { BENCH_BAILLEUR, buildLots, startHub, stopHub, waitUntil } from './pipeline/hub-run.ts';
import { benchClientToken } from './pipeline/registry-seed.ts';
import { createScratchDatabase, dropScratchDatabase } from './pipeline/scratch-database.ts';
import { dropScratchQueues, scratchQueuePrefix } from './pipeline/scratch-queues.ts';
import type { SubscriberCommand, SubscriberReply } from './webhooks/subscribers.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const LOT_SIZE = Number(process.env.BENCH_LOT ?? 500);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
const SUBSCRIBERS = 20;
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN_TOKEN = randomBytes(24).toString('hex');
const PORT = 18_000 + Math.floor(Math.random() * 1000);
const PER_WORKER = loadConfig({ ...process.env, SNE_ADMIN_TOKEN: ADMIN_TOKEN }).webhookConcurrency;
const CONCURRENCY = WORKERS * PER_WORKER;
const EXPECTED = EVENTS * SUBSCRIBERS;

/** The 20 subscribers, every one sees the Nord's `demande.enregistree`: 10 guichets, 8 bailleurs, the portail, an operator. */
function clientOf(i: number, url: string): Record<string, unknown> {
  const n = String(i).padStart(2, '0');
  const webhook = { url };
  if (i < 10)
    return {
      id: `guichet-${n}`,
      role: 'guichet',
      organisme: '200000000',
      nom: `Guichet ${n}`,
      departements: ['59'],
      codeGuichet: `G59${n}`,
      webhook,
    };
  if (i < 18)
    return {
      id: `bailleur-${n}`,
      role: 'bailleur',
      organisme: `3000000${n}`,
      nom: `Bailleur ${n}`,
      departements: ['59'],
      codeGuichet: `B59${n}`,
      webhook,
    };
  if (i < 19)
    return {
      id: `pgp-${n}`,
      role: 'pgp',
      organisme: '130000000',
      nom: `PGP ${n}`,
      departements: ['*'],
      codeGuichet: 'GDPUB',
      webhook,
    };
  return {
    id: `operator-${n}`,
    role: 'operator',
    organisme: '130000001',
    nom: `Operator ${n}`,
    departements: ['*'],
    codeGuichet: 'OPS00',
    webhook,
  };
}

class Subscribers {
  private readonly child: ChildProcess = fork(new URL('./webhooks/subscribers.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });

  async ask(command: SubscriberCommand): Promise<SubscriberReply> {
    const answer = once(this.child, 'message');
    this.child.send(command);
    return (await answer)[0] as SubscriberReply;
  }

  async counts(): Promise<Extract<SubscriberReply, { type: 'counts' }>> {
    const reply = await this.ask({ type: 'counts' });
    if (reply.type !== 'counts') throw new Error('unexpected reply from the subscribers');
    return reply;
  }

  async stop(): Promise<void> {
    await this.ask({ type: 'stop' });
    if (this.child.exitCode === null) await once(this.child, 'exit');
  }
}

interface Percentiles {
  p50: number;
  p99: number;
}

interface HubResult {
  ms: number;
  rate: number;
  delivered: number;
  lastEventMs: number;
  latency: Percentiles;
  /** WAL written from the first lot sent to the last delivery recorded, bytes. */
  walBytes: number;
  /** UPDATEs of `deliveries`, how many of them were HOT, and the table's sizes at the end (bytes). */
  updates: { all: number; hot: number; heap: string; indexes: string };
  events: EventRow[];
}

/** The hub: lots through HTTP, then every delivery delivered; the events are returned for the baseline. */
async function hub(
  subscribers: Subscribers,
  urls: string[],
): Promise<{ result: HubResult; secrets: string[] }> {
  const { name: database, url: databaseUrl } = await createScratchDatabase(ADMIN_URL, 'sne_bench_webhooks');
  const env = {
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    SNE_ADMIN_TOKEN: ADMIN_TOKEN,
    SNE_QUEUE_PREFIX: scratchQueuePrefix('hooks'),
    SNE_WEBHOOK_ALLOW_PRIVATE: 'true',
    PORT: String(PORT),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  };
  const children = [startHub(env, 'api,scheduler')];
  const base = `http://127.0.0.1:${PORT}`;
  const pool = createPool({ connectionString: databaseUrl, max: 2 });
  try {
    await waitUntil(
      async () => (await fetch(`${base}/health/ready`).catch(() => undefined))?.status === 200,
      'the hub to be ready',
      60_000,
    );
    const secrets: string[] = [];
    for (const [i, url] of urls.entries()) {
      const created = await fetch(`${base}/admin/clients`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(clientOf(i, url)),
      });
      if (created.status !== 201)
        throw new Error(`client refused: ${created.status} ${await created.text()}`);
      secrets.push(((await created.json()) as { webhookSecret: string }).webhookSecret);
    }
    await subscribers.ask({ type: 'secrets', secrets });
    const token = await benchClientToken(base, ADMIN_TOKEN, BENCH_BAILLEUR);
    for (let w = 0; w < WORKERS; w++) children.push(startHub(env, 'worker'));

    const lots = buildLots(0, EVENTS, LOT_SIZE);
    let next = 0;
    const sender = async () => {
      while (next < lots.length) {
        const reply = await fetch(`${base}/connectors/spt/v2/lots`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml' },
          body: lots[next++] as string,
        });
        if (reply.status !== 202) throw new Error(`lot refused: ${reply.status} ${await reply.text()}`);
        await reply.arrayBuffer();
      }
    };
    const walBefore = await walPosition(pool);
    await Promise.all([sender(), sender()]);
    await waitUntil(
      async () => {
        const { rows } = await pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM deliveries WHERE status = 'delivered'`,
        );
        return Number(rows[0]?.n) >= EXPECTED;
      },
      'every delivery to be delivered',
      3_600_000,
      500,
    );
    const { rows } = await pool.query<{
      span: number;
      last_event: number;
      n: string;
      p50: number;
      p99: number;
    }>(
      `SELECT extract(epoch FROM max(d.delivered_at) - min(e.time)) * 1000 AS span,
              extract(epoch FROM max(e.time) - min(e.time)) * 1000 AS last_event,
              count(*) AS n,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.delivered_at - e.time) * 1000) AS p50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM d.delivered_at - e.time) * 1000) AS p99
         FROM deliveries d JOIN events e ON e.sequence = d.event_sequence WHERE d.status = 'delivered'`,
    );
    const row = rows[0];
    if (!row) throw new Error('no deliveries');
    const walBytes = Number(
      (await pool.query<{ n: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1) AS n', [walBefore]))
        .rows[0]?.n,
    );
    // The hub's backends report their counts within a second of going idle.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const updates = (
      await pool.query<{ all: number; hot: number; heap: string; indexes: string }>(
        `SELECT n_tup_upd::int AS all, n_tup_hot_upd::int AS hot, pg_table_size('deliveries') AS heap,
                pg_indexes_size('deliveries') AS indexes
           FROM pg_stat_user_tables WHERE relname = 'deliveries'`,
      )
    ).rows[0] ?? { all: 0, hot: 0, heap: '0', indexes: '0' };
    const events = await pool.query<EventRow>(
      'SELECT sequence, id, type, subject, time, data FROM events ORDER BY sequence',
    );
    return {
      secrets,
      result: {
        ms: Number(row.span),
        rate: Math.round((Number(row.n) / Number(row.span)) * 1000),
        delivered: Number(row.n),
        lastEventMs: Number(row.last_event),
        latency: { p50: Number(row.p50), p99: Number(row.p99) },
        walBytes,
        updates,
        events: events.rows,
      },
    };
  } finally {
    await stopHub(children);
    await pool.end();
    await dropScratchDatabase(ADMIN_URL, database);
    await dropScratchQueues(REDIS_URL, env.SNE_QUEUE_PREFIX);
  }
}

/** The cluster's WAL position now (this bench's hub is its only writer meanwhile). */
async function walPosition(pool: pg.Pool): Promise<string> {
  return (
    (await pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]?.lsn ?? '0/0'
  );
}

function mib(bytes: string): string {
  return (Number(bytes) / 1024 / 1024).toFixed(0);
}

type Client = 'fetch' | 'node:http';

/**
 * The ceiling: the same signed POSTs from one process, CONCURRENCY at once, no queue, no database;
 * with fetch (undici), or with the hub's own `send` (node:http, its keep-alive global agent).
 */
async function baseline(
  client: Client,
  urls: string[],
  secrets: string[],
  events: EventRow[],
): Promise<{ client: Client; ms: number; rate: number; failed: number }> {
  const bodies = events.map((row) => {
    const event = cloudEventOf(row);
    return { id: event.id, body: JSON.stringify(event) };
  });
  let next = 0;
  let failed = 0;
  const total = bodies.length * urls.length;
  const post = async (url: string, id: string, body: string, secret: string): Promise<boolean> => {
    if (client === 'node:http') {
      return (await send({ url, id, body, secret }, { timeoutMs: 10_000, allowPrivate: true })).ok;
    }
    const reply = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'sne-hub-webhooks',
        ...signatureHeaders({ url, id, body, secret }, new Date()),
      },
      body,
    });
    await reply.arrayBuffer();
    return reply.ok;
  };
  const begin = performance.now();
  const sender = async () => {
    for (let n = next++; n < total; n = next++) {
      // Event by event, each to every subscriber, as the fan-out creates them.
      const { id, body } = bodies[Math.floor(n / urls.length)] as { id: string; body: string };
      const s = n % urls.length;
      if (!(await post(urls[s] as string, id, body, secrets[s] as string))) failed++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, sender));
  const ms = performance.now() - begin;
  return { client, ms, rate: Math.round((total / ms) * 1000), failed };
}

async function load(): Promise<string> {
  const { loadavg } = await import('node:os');
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
}

console.log(
  `bench:webhooks — ${EVENTS} enregistrements × ${SUBSCRIBERS} subscribers = ${EXPECTED} deliveries; ${WORKERS} worker process(es) × SNE_WEBHOOK_CONCURRENCY ${PER_WORKER}; load ${await load()}`,
);
const subscribers = new Subscribers();
let failures = 0;
try {
  const started = await subscribers.ask({ type: 'start', count: SUBSCRIBERS });
  if (started.type !== 'started') throw new Error('the subscribers did not start');
  const { result, secrets } = await hub(subscribers, started.urls);
  const hubCounts = await subscribers.counts();
  console.log(
    `hub, event committed → 2xx recorded : ${result.rate} deliveries/s (${result.delivered} in ${(result.ms / 1000).toFixed(1)} s; last event committed after ${(result.lastEventMs / 1000).toFixed(1)} s); event → delivered p50 ${Math.round(result.latency.p50)} ms, p99 ${Math.round(result.latency.p99)} ms`,
  );
  console.log(
    `  PostgreSQL: ${Math.round(result.walBytes / result.delivered)} B of WAL a delivery (the run's whole WAL, its lots' messages included); deliveries' updates ${result.updates.all}, of them HOT ${result.updates.hot} (the claims: migration 032); the table ${mib(result.updates.heap)} MiB, its indexes ${mib(result.updates.indexes)} MiB`,
  );
  console.log(
    `  subscribers: ${hubCounts.distinct.reduce((a, b) => a + b, 0)} distinct webhook-ids (min ${Math.min(...hubCounts.distinct)} per subscriber) in ${hubCounts.requests.reduce((a, b) => a + b, 0)} requests over ${hubCounts.connections} connections; ${hubCounts.verified} signatures verified, ${hubCounts.badSignatures} wrong`,
  );
  failures += hubCounts.badSignatures + (Math.min(...hubCounts.distinct) < EVENTS ? 1 : 0);
  const ceilings = [];
  for (const client of ['fetch', 'node:http'] as const) {
    await subscribers.ask({ type: 'reset' });
    const ceiling = await baseline(client, started.urls, secrets, result.events);
    const counts = await subscribers.counts();
    console.log(
      `baseline, ${client.padEnd(9)} from one process: ${ceiling.rate} deliveries/s (${EXPECTED} in ${(ceiling.ms / 1000).toFixed(1)} s, ${CONCURRENCY} at once, keep-alive, ${counts.connections} connections; ${ceiling.failed} not 2xx; ${counts.verified} signatures verified, ${counts.badSignatures} wrong)`,
    );
    failures += counts.badSignatures + ceiling.failed + (Math.min(...counts.distinct) < EVENTS ? 1 : 0);
    ceilings.push(ceiling);
  }
  const best = ceilings.reduce((a, b) => (b.rate > a.rate ? b : a));
  console.log(
    `ratio hub / best baseline (${best.client}) : ${(result.rate / best.rate).toFixed(2)}   (load ${await load()})`,
  );
} finally {
  await subscribers.stop();
}
if (failures > 0) {
  console.error(`${failures} problem(s): missing deliveries or wrong signatures`);
  process.exitCode = 1;
}
