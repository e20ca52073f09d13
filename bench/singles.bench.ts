/**
 * `npm run bench:singles`: demandes filed one per request on the portail (`POST
 * /connectors/pgp/v1/demandes`) at a steady rate, open-loop (each request leaves at its time on the
 * clock, whether the earlier ones were answered or not), beside a bailleur's lot of 500
 * enregistrements every 2 s; first at 100/s, then stepped up to find the highest rate the hub
 * sustains. Prints per step: the rate offered and answered, the 202's p50/p99 (request start → 202
 * received) and `202 → applied` p50/p99 (request start → `messages.applied_at` in PostgreSQL, which
 * is the apply transaction's `now()`, its start: the apply's own few milliseconds are not counted).
 *
 * The hub runs as bench:pipeline starts it: an API + scheduler process and one worker process
 * (`SNE_WORKER_CONCURRENCY`, default 2), on a scratch database of the shared PostgreSQL and a
 * fresh BullMQ prefix.
 *
 * Baseline, measured first in the same run on the same PostgreSQL: bare single-row INSERTs into a
 * table of the same shape of payload, each its own transaction (autocommit: one commit, one WAL
 * flush each — what one message per request costs with nothing in between), open-loop at the
 * same rates from a pool of 10 connections (commit latency p50/p99); and the ceiling of separate
 * transactions: 10 connections inserting back to back for 5 s (commits/s; PostgreSQL already
 * groups the WAL flushes of concurrent commits).
 *
 * A step is sustained when every request of it was answered 202 and its `202 → applied` p99 stays
 * under 1 s (the backlog does not grow). Last, the ratios: the highest rate sustained against the
 * bare ceiling, and at 100/s the two p99s against their targets and the 202's against a bare commit's.
 * Exits by itself; 1 if a message was not applied.
 *
 * Options (environment): BENCH_SECONDS (per step, 10), BENCH_STEPS (rates after 100/s,
 * `250,500,1000,1500,2000`), BENCH_LOT_EVERY_MS (2000; 0: no lots beside), BENCH_LOT (500),
 * BENCH_NODE_ARGS (extra node flags for the hub's processes, e.g. `--cpu-prof`), DATABASE_URL (admin URL, default local), REDIS_URL (default local).
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import pg from 'pg';
import { Pool as HttpPool } from 'undici';
import { createPool } from '../services/db/pool.ts';
import {
  BENCH_BAILLEUR,
  type Naming,
  portailDemande,
  sptLotXml,
  startHub,
  stopHub,
  waitUntil,
} from './pipeline/hub-run.ts';
import { createScratchDatabase, dropScratchDatabase } from './pipeline/scratch-database.ts';
import { dropScratchQueues, scratchQueuePrefix } from './pipeline/scratch-queues.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const STEPS = (process.env.BENCH_STEPS ?? '250,500,1000,1500,2000').split(',').filter(Boolean).map(Number);
const LOT_EVERY_MS = Number(process.env.BENCH_LOT_EVERY_MS ?? 2000);
const LOT_SIZE = Number(process.env.BENCH_LOT ?? 500);
/** The lots' enregistrements beside the filings. */
const LOT_NAMING: Naming = { id: 'L', ref: 'LOT', nom: 'Lot' };
const singleDemande = (i: number) => portailDemande(`s-${i}`, `Singles${i}`);
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN_TOKEN = randomBytes(24).toString('hex');
const PORT = 19_000 + Math.floor(Math.random() * 1000);
const BASE = `http://127.0.0.1:${PORT}`;
const SUSTAINED_P99_MS = 1000;

/** Wall-clock milliseconds with sub-millisecond precision, comparable with PostgreSQL's timestamps. */
const now = () => performance.timeOrigin + performance.now();

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

const ms = (value: number) => (Number.isNaN(value) ? '   —' : `${value.toFixed(1).padStart(7)} ms`);
const load = () =>
  `load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;

/**
 * Calls `send(i)` for i = 0..count-1, the i-th at `start + i / rate` seconds, never waiting for a
 * reply before sending the next; resolves when every call settled.
 */
async function openLoop(rate: number, seconds: number, send: (i: number) => Promise<void>): Promise<void> {
  const count = Math.round(rate * seconds);
  const start = now();
  const pending: Promise<void>[] = [];
  let next = 0;
  while (next < count) {
    const due = Math.min(count, Math.floor(((now() - start) / 1000) * rate) + 1);
    while (next < due) pending.push(send(next++));
    const wait = start + (next / rate) * 1000 - now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
  }
  await Promise.all(pending);
}

// ---------------------------------------------------------------------------------------------
// Baseline: bare PostgreSQL, one row per transaction.

/** What the baseline measured: commit p99 by rate, and the ceiling of separate transactions. */
interface Baseline {
  p99: Map<number, number>;
  ceiling: number;
}

async function baseline(rates: number[]): Promise<Baseline> {
  const p99 = new Map<number, number>();
  const { name, url } = await createScratchDatabase(ADMIN_URL, 'sne_bench_singles_base');
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  pool.on('error', () => {});
  try {
    await pool.query(
      'CREATE TABLE singles (id bigserial PRIMARY KEY, received_at timestamptz DEFAULT now(), raw text, canonical jsonb)',
    );
    const body = JSON.stringify(portailDemande('s-0', 'Singles0'));
    const insert = () =>
      pool.query('INSERT INTO singles (raw, canonical) VALUES ($1, $2::jsonb)', [body, body]);
    for (const rate of rates) {
      const latencies: number[] = [];
      await openLoop(rate, Math.min(SECONDS, 5), async () => {
        const begin = now();
        await insert();
        latencies.push(now() - begin);
      });
      p99.set(rate, percentile(latencies, 99));
      console.log(
        `  bare INSERT+COMMIT at ${String(rate).padStart(5)}/s: commit p50 ${ms(percentile(latencies, 50))}  p99 ${ms(percentile(latencies, 99))}  (${load()})`,
      );
    }
    let commits = 0;
    const until = now() + 5000;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (now() < until) {
          await insert();
          commits++;
        }
      }),
    );
    const ceiling = Math.round(commits / 5);
    console.log(`  ceiling, separate transactions (10 connections back to back): ${ceiling} commits/s`);
    return { p99, ceiling };
  } finally {
    await pool.end();
    await dropScratchDatabase(ADMIN_URL, name);
  }
}

// ---------------------------------------------------------------------------------------------
// The hub.

async function provision(spec: object): Promise<string> {
  const reply = await fetch(`${BASE}/admin/clients`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(spec),
  });
  if (reply.status !== 201) throw new Error(`provisioning: ${reply.status} ${await reply.text()}`);
  return ((await reply.json()) as { token: string }).token;
}

interface StepResult {
  rate: number;
  sent: number;
  answered: number;
  refused: number;
  ack: number[];
  applied: number[];
  notApplied: number;
  answeredRate: number;
}

async function hub(base: Baseline): Promise<boolean> {
  const { name: database, url: databaseUrl } = await createScratchDatabase(ADMIN_URL, 'sne_bench_singles');
  const env = {
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    SNE_ADMIN_TOKEN: ADMIN_TOKEN,
    SNE_QUEUE_PREFIX: scratchQueuePrefix('singles'),
    PORT: String(PORT),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    // The portail's real limit (6,000/min) is what this bench goes beyond on purpose.
    SNE_RATE_LIMIT_PER_MINUTE: JSON.stringify({ '*': 100_000_000, pgp: 100_000_000, public: 100_000_000 }),
  };
  const children = [startHub(env, 'api,scheduler')];
  const pool = createPool({ connectionString: databaseUrl, max: 2 });
  // The filings' client: undici's pool of keep-alive connections, which costs a request a fraction
  // of what `fetch` costs in this process's CPU, taken from the two cores the hub runs on.
  const http = new HttpPool(BASE, { connections: 128 });
  let allApplied = true;
  try {
    await waitUntil(
      async () => (await fetch(`${BASE}/health/ready`).catch(() => undefined))?.status === 200,
      'the hub to be ready',
      60_000,
    );
    children.push(startHub(env, 'worker'));
    const portail = await provision({
      id: 'portail',
      role: 'pgp',
      organisme: '130005009',
      nom: 'Portail',
      departements: ['59'],
      codeGuichet: 'GDPUB',
    });
    const bailleur = await provision(BENCH_BAILLEUR);

    let filed = 0;
    let lotsFirst = 0;
    const lotErrors: string[] = [];
    const runStep = async (rate: number, seconds: number): Promise<StepResult> => {
      const starts = new Map<string, number>();
      const ack: number[] = [];
      let refused = 0;
      let stopLots = false;
      const lots = (async () => {
        if (LOT_EVERY_MS <= 0) return;
        const inFlight: Promise<void>[] = [];
        while (!stopLots) {
          const body = sptLotXml(lotsFirst, LOT_SIZE, LOT_NAMING);
          lotsFirst += LOT_SIZE;
          inFlight.push(
            http
              .request({
                path: '/connectors/spt/v2/lots',
                method: 'POST',
                headers: { authorization: `Bearer ${bailleur}`, 'content-type': 'application/xml' },
                body,
              })
              .then(async (reply) => {
                if (reply.statusCode !== 202) lotErrors.push(`${reply.statusCode}`);
                await reply.body.dump();
              }),
          );
          await new Promise((resolve) => setTimeout(resolve, LOT_EVERY_MS));
        }
        await Promise.all(inFlight);
      })();
      const begin = now();
      await openLoop(rate, seconds, async () => {
        const body = JSON.stringify(singleDemande(filed++));
        const start = now();
        try {
          const reply = await http.request({
            path: '/connectors/pgp/v1/demandes',
            method: 'POST',
            headers: { authorization: `Bearer ${portail}`, 'content-type': 'application/json' },
            body,
          });
          const answer = (await reply.body.json()) as { messageId?: string };
          if (reply.statusCode !== 202 || !answer.messageId) {
            refused++;
            return;
          }
          ack.push(now() - start);
          starts.set(answer.messageId, start);
        } catch {
          refused++;
        }
      });
      const elapsed = now() - begin;
      stopLots = true;
      await lots;
      const ids = [...starts.keys()];
      // Drained: every filing of the step done (a growing backlog shows as a high p99, not a wait here).
      await waitUntil(
        async () => {
          const { rows } = await pool.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM messages WHERE id = ANY($1::uuid[]) AND status IN ('accepted', 'processing')`,
            [ids],
          );
          return rows[0]?.n === 0;
        },
        `the step at ${rate}/s to be applied`,
        120_000,
      ).catch((error: Error) => console.error(`  (${error.message})`));
      const { rows } = await pool.query<{ id: string; at: number | null }>(
        `SELECT id, extract(epoch FROM applied_at) * 1000 AS at FROM messages WHERE id = ANY($1::uuid[])`,
        [ids],
      );
      const applied = rows.flatMap((r) => (r.at === null ? [] : [Number(r.at) - (starts.get(r.id) ?? 0)]));
      return {
        rate,
        sent: Math.round(rate * seconds),
        answered: ids.length,
        refused,
        ack,
        applied,
        notApplied: ids.length - applied.length,
        answeredRate: Math.round((ids.length / elapsed) * 1000),
      };
    };
    const report = (step: StepResult) => {
      const sustained =
        step.refused === 0 && step.notApplied === 0 && percentile(step.applied, 99) < SUSTAINED_P99_MS;
      console.log(
        `  ${String(step.rate).padStart(5)}/s offered, ${String(step.answeredRate).padStart(5)}/s answered 202 ` +
          `| 202 p50 ${ms(percentile(step.ack, 50))} p99 ${ms(percentile(step.ack, 99))} ` +
          `| 202→applied p50 ${ms(percentile(step.applied, 50))} p99 ${ms(percentile(step.applied, 99))} ` +
          `| ${step.refused} refused, ${step.notApplied} not applied ${sustained ? '' : '(not sustained) '}(${load()})`,
      );
      if (step.notApplied > 0) allApplied = false;
      return sustained;
    };

    // Warm-up: the first requests compile the routes and fill the pools.
    await runStep(100, 5);
    console.log(
      `hub, portail filings at a steady rate${LOT_EVERY_MS > 0 ? `, a lot of ${LOT_SIZE} every ${LOT_EVERY_MS} ms beside` : ''}:`,
    );
    const first = await runStep(100, Math.max(SECONDS, 20));
    let best = report(first) ? 100 : 0;
    for (const rate of best > 0 ? STEPS : []) {
      if (!report(await runStep(rate, SECONDS))) break;
      best = rate;
    }
    console.log(
      `hub, highest sustained single-message rate: ${best > 0 ? `${best}/s` : 'none'} (of steps ${[100, ...STEPS].join(', ')})`,
    );
    console.log(
      `ratio highest sustained / bare ceiling of separate transactions: ${(best / base.ceiling).toFixed(2)} ` +
        `(${best}/s against ${base.ceiling} commits/s; target: at least 1,000/s)`,
    );
    const bareP99 = base.p99.get(100) ?? Number.NaN;
    console.log(
      `at 100/s, 202 p99 ${ms(percentile(first.ack, 99)).trim()} (target < 50 ms), 202→applied p99 ` +
        `${ms(percentile(first.applied, 99)).trim()} (target < 100 ms); bare commit p99 ${ms(bareP99).trim()}: ` +
        `202 p99 / bare ${(percentile(first.ack, 99) / bareP99).toFixed(1)}×`,
    );
    if (lotErrors.length > 0) console.log(`  lots refused: ${lotErrors.join(', ')}`);
    const { rows } = await pool.query<{ n: number; jobs: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT job_id)::int AS jobs FROM messages WHERE system = 'pgp'`,
    );
    console.log(
      `  ${rows[0]?.n} portail messages in ${rows[0]?.jobs} distinct job ids (an intake group's job, or a defer's)`,
    );
  } finally {
    await http.close();
    await stopHub(children);
    await pool.end();
    await dropScratchDatabase(ADMIN_URL, database);
    await dropScratchQueues(REDIS_URL, env.SNE_QUEUE_PREFIX);
  }
  return allApplied;
}

console.log(`bench:singles — ${SECONDS} s per step (100/s: ${Math.max(SECONDS, 20)} s), ${load()}`);
console.log('baseline, bare PostgreSQL, one single-row INSERT per transaction, same PostgreSQL:');
const base = await baseline([100, ...STEPS]);
if (!(await hub(base))) {
  console.error('a message answered 202 was not applied');
  process.exitCode = 1;
}
