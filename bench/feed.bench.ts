/**
 * `npm run bench:feed`: the events feed under load, and at the size of a nation.
 *
 * 1. The pipeline at full rate (the hub as `bench:pipeline` runs it, `pipeline/hub-run.ts`:
 *    BENCH_MESSAGES enregistrements of département 59 in lots of 500), alone, then beside 50
 *    clients long-polling `GET /feeds/events?wait=30&limit=1000` in mixed roles and départements:
 *    15 see every event of the run (guichets and bailleurs of 59, the portail, operators), 35 see
 *    none of it (other départements, DALO and contingent clients). The clients are served by an
 *    API of their own, in this process, whose feed reads are counted. Prints the pipeline's rate
 *    with and without them, their requests and the hub's feed reads per second.
 * 2. A client that sees 1 event in 10,000 (a DALO commission, a préfet, a guichet, all of 75) on a
 *    log of 10 k events, then 1 M (synthetic rows, inserted in SQL): the latency of a poll that
 *    finds the one event among the last 10,000, and of a first poll from the start; the 10 k figure
 *    is the baseline of the 1 M one (constant time: ratio ≈ 1). Prints the indexes the plan uses.
 *
 * Options (environment): BENCH_MESSAGES (default 30000), BENCH_LOG_EVENTS (the large log, 1000000),
 * BENCH_POLLS (polls per figure, 40), BENCH_ROUNDS (runs alone then beside the clients, 1), BENCH_WARMUP (`0` skips the warm-up run), DATABASE_URL (an admin URL from which scratch databases are
 * made, default local), REDIS_URL (default local). Exits by itself, 1 if a message was not applied
 * or a client missed its event.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from '../services/api/app.ts';
import { loadConfig } from '../services/config/config.ts';
import type { Actor } from '../services/core/actor.ts';
import { migrate } from '../services/db/migrate.ts';
import { createPool } from '../services/db/pool.ts';
import { readFeed } from '../services/pipeline/events.ts';
import { createInfrastructure } from '../services/pipeline/infrastructure.ts';
import { median } from './median.ts';
import { buildLots, type RunningHub, runHub } from './pipeline/hub-run.ts';
import { createScratchDatabase, dropScratchDatabase } from './pipeline/scratch-database.ts';
import { dropScratchQueues, scratchQueuePrefix } from './pipeline/scratch-queues.ts';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 30_000);
const LOG_EVENTS = Number(process.env.BENCH_LOG_EVENTS ?? 1_000_000);
const POLLS = Number(process.env.BENCH_POLLS ?? 40);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SMALL_LOG = 10_000;

const load = () =>
  `load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;

interface ClientSpec {
  id: string;
  role: string;
  departements: string[];
  organisme: string;
  codeGuichet?: string;
  /** Whether the run's events (département 59 enregistrements) are in its scope. */
  sees: boolean;
}

/** The 50 long-polling clients: 15 in the scope of the run's events, 35 outside it. */
function clients(): ClientSpec[] {
  const specs: ClientSpec[] = [];
  let n = 0;
  const add = (role: string, departements: string[], sees: boolean) => {
    n++;
    specs.push({
      id: `feed-${role}-${n}`,
      role,
      departements,
      organisme: String(200_000_000 + n),
      ...(role === 'pgp' ? { codeGuichet: 'GDPUB' } : {}),
      ...(role === 'guichet' || role === 'bailleur' ? { codeGuichet: `C${String(n).padStart(4, '0')}` } : {}),
      sees,
    });
  };
  for (let i = 0; i < 5; i++) add('guichet', ['59'], true);
  for (let i = 0; i < 5; i++) add('bailleur', ['59'], true);
  add('pgp', ['*'], true);
  for (let i = 0; i < 4; i++) add('operator', ['*'], true);
  const others = ['62', '75', '13', '69', '33'];
  for (const d of others) add('guichet', [d], false);
  for (const d of others) add('bailleur', [d, '2A'], false);
  for (let i = 0; i < 10; i++) add('dalo', [i < 5 ? '59' : (others[i - 5] as string)], false);
  for (let i = 0; i < 10; i++) add('contingent', [i < 5 ? '59' : (others[i - 5] as string)], false);
  return specs;
}

/** An API of its own on `databaseUrl`, listening on a free port; counts the feed's reads. */
async function feedApi(
  env: Record<string, string>,
): Promise<{ app: FastifyInstance; base: string; reads: () => number; close(): Promise<void> }> {
  const config = loadConfig({
    ...env,
    SNE_ROLES: 'api',
    PORT: '0',
    HOST: '127.0.0.1',
    SNE_RATE_LIMIT_PER_MINUTE: JSON.stringify({ '*': 1_000_000, pgp: 1_000_000, public: 1_000_000 }),
  });
  const infrastructure = createInfrastructure(config);
  const app = await buildApp({ config, infrastructure, logger: pino({ level: 'warn' }) });
  await app.ready();
  // Every read of the feed is one statement on the API's pool (services/pipeline/events.ts readFeed).
  let reads = 0;
  const query = app.pg.query.bind(app.pg) as (...args: unknown[]) => unknown;
  app.pg.query = ((...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('AS head FROM events) h')) reads++;
    return query(...args);
  }) as typeof app.pg.query;
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    base: address,
    reads: () => reads,
    async close() {
      await app.close();
      await infrastructure.close();
    },
  };
}

async function provision(app: FastifyInstance, adminToken: string, spec: ClientSpec): Promise<string> {
  const { sees: _, ...body } = spec;
  const reply = await app.inject({
    method: 'POST',
    url: '/admin/clients',
    headers: { authorization: `Bearer ${adminToken}` },
    payload: { nom: spec.id, ...body },
  });
  if (reply.statusCode !== 201) throw new Error(`provisioning ${spec.id}: ${reply.statusCode} ${reply.body}`);
  return reply.json<{ token: string }>().token;
}

interface PollersResult {
  seconds: number;
  requests: { seeing: number; blind: number };
  events: { seeing: number; blind: number };
  reads: number;
}

/** The 50 clients long-polling the hub's feed while the pipeline runs. */
async function pollers(hub: RunningHub): Promise<{ stop(): Promise<PollersResult> }> {
  const api = await feedApi(hub.env);
  const specs = clients();
  const tokens = await Promise.all(specs.map((spec) => provision(api.app, hub.adminToken, spec)));
  const abort = new AbortController();
  const requests = { seeing: 0, blind: 0 };
  const events = { seeing: 0, blind: 0 };
  const begin = performance.now();
  const readsBefore = api.reads();
  const poll = async (spec: ClientSpec, token: string) => {
    let after = '0';
    const kind = spec.sees ? 'seeing' : 'blind';
    while (!abort.signal.aborted) {
      const reply = await fetch(`${api.base}/feeds/events?after=${after}&limit=1000&wait=30`, {
        headers: { authorization: `Bearer ${token}` },
        signal: abort.signal,
      }).catch(() => undefined);
      if (!reply) return;
      if (reply.status !== 200) throw new Error(`${spec.id}: ${reply.status} ${await reply.text()}`);
      const page = (await reply.json()) as { events: unknown[]; next: string };
      requests[kind]++;
      events[kind] += page.events.length;
      after = page.next;
    }
  };
  const running = Promise.all(specs.map((spec, i) => poll(spec, tokens[i] as string)));
  return {
    async stop() {
      const seconds = (performance.now() - begin) / 1000;
      const reads = api.reads() - readsBefore;
      abort.abort();
      await running.catch(() => {});
      await api.close();
      return { seconds, requests: { ...requests }, events: { ...events }, reads };
    },
  };
}

/** Synthetic events `from`..`to` (row numbers): 1 in 10,000 is of 75 (DALO prioritaire-urgent). */
const SYNTHETIC_EVENTS = `
  INSERT INTO events (id, type, subject, departement, data, dalo_decision, prioritaire, bailleur, client_id)
  SELECT gen_random_uuid(),
         CASE WHEN i % 1000 = 7 THEN 'fr.sne.designation.creee.v1' ELSE 'fr.sne.demande.modifiee.v1' END,
         lpad(i::text, 18, '0'),
         CASE WHEN i % 10000 = 5000 THEN '75' ELSE (ARRAY['59', '62', '13', '69', '33'])[1 + i % 5] END,
         jsonb_build_object('numeroUnique', lpad(i::text, 18, '0'), 'motif', 'logement-trop-cher',
                            'dateDepot', '2014-03-01', 'typologie', 'T3', 'communes', jsonb_build_array('59350')),
         CASE WHEN i % 10000 = 5000 THEN 'prioritaire-urgent' WHEN i % 40 = 0 THEN 'favorable' END,
         i % 60 = 1,
         CASE WHEN i % 1000 = 7 THEN '999999999' END,
         CASE WHEN i % 1000 = 7 THEN 'prefet-13' END
    FROM generate_series($1::bigint, $2::bigint) AS i`;

async function growLog(pool: ReturnType<typeof createPool>, from: number, to: number): Promise<void> {
  for (let start = from; start <= to; start += 100_000) {
    await pool.query(SYNTHETIC_EVENTS, [start, Math.min(start + 99_999, to)]);
  }
  // As autovacuum would leave a log table that is only appended to: statistics and visibility map.
  await pool.query('VACUUM ANALYZE events');
}

/**
 * The indexes a feed read of `actor` from `after` scans, and its execution time in PostgreSQL (the
 * median of 5 runs of EXPLAIN ANALYZE on readFeed's own statement, HTTP and the network left out).
 */
async function planOf(
  pool: ReturnType<typeof createPool>,
  actor: Actor,
  after: string,
): Promise<{ indexes: string; sqlMs: number }> {
  const runs: { Plan: Record<string, unknown>; 'Execution Time': number }[] = [];
  const explaining = {
    query: async (sql: string, params: unknown[]) => {
      const { rows } = await pool.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
      runs.push(...(rows[0] as { 'QUERY PLAN': typeof runs })['QUERY PLAN']);
      return { rows: [] };
    },
  };
  for (let i = 0; i < 5; i++) await readFeed(explaining as never, actor, after, 100);
  const indexes = new Set<string>();
  let scans = 0;
  const walk = (node: Record<string, unknown>) => {
    if (typeof node['Index Name'] === 'string') indexes.add(node['Index Name']);
    if (String(node['Node Type']).includes('Seq Scan')) scans++;
    for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
  };
  if (runs[0]) walk(runs[0].Plan);
  return {
    indexes: `${[...indexes].join(', ')}${scans ? `, ${scans} seq scan(s)` : ''}`,
    sqlMs: median(runs.map((run) => run['Execution Time'])),
  };
}

interface Latency {
  /** Median ms of a poll (through HTTP) over the last 10,000 events, which holds the client's one. */
  recent: number;
  /** Median ms of a first poll, from the start of the log. */
  start: number;
  /** Polls that did not find exactly the one event, or whose `next` was not the head. */
  missed: number;
  /** PostgreSQL's own time for the recent poll's statement (median of 5 EXPLAIN ANALYZE). */
  sqlMs: number;
  indexes: string;
}

async function poll(base: string, token: string, after: number) {
  const begin = performance.now();
  const reply = await fetch(`${base}/feeds/events?after=${after}&limit=100`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const page = (await reply.json()) as { events: unknown[]; next: string };
  return { ms: performance.now() - begin, found: page.events.length, next: page.next };
}

/** The readers' latencies at one log size: polls interleaved across readers, after 3 unmeasured rounds. */
async function latencies(
  pool: ReturnType<typeof createPool>,
  base: string,
  readers: { actor: Actor; token: string }[],
  head: number,
): Promise<Latency[]> {
  const recent = readers.map((): number[] => []);
  const start = readers.map((): number[] => []);
  const missed = readers.map(() => 0);
  for (let round = -3; round < POLLS; round++) {
    for (const [i, reader] of readers.entries()) {
      const r = await poll(base, reader.token, head - SMALL_LOG);
      const s = await poll(base, reader.token, 0);
      if (round < 0) continue;
      if (r.found !== 1 || Number(r.next) !== head) missed[i] = (missed[i] as number) + 1;
      recent[i]?.push(r.ms);
      start[i]?.push(s.ms);
    }
  }
  const figures: Latency[] = [];
  for (const [i, reader] of readers.entries()) {
    const plan = await planOf(pool, reader.actor, String(head - SMALL_LOG));
    figures.push({
      recent: median(recent[i] as number[]),
      start: median(start[i] as number[]),
      missed: missed[i] as number,
      ...plan,
    });
  }
  return figures;
}

async function constantTime(): Promise<boolean> {
  const { name, url } = await createScratchDatabase(ADMIN_URL, 'sne_bench_feed');
  const pool = createPool({ connectionString: url, max: 2 });
  const queuePrefix = scratchQueuePrefix('feed');
  let api: Awaited<ReturnType<typeof feedApi>> | undefined;
  try {
    await migrate(pool);
    const adminToken = randomBytes(24).toString('hex');
    api = await feedApi({
      DATABASE_URL: url,
      REDIS_URL,
      SNE_ADMIN_TOKEN: adminToken,
      SNE_QUEUE_PREFIX: queuePrefix,
      LOG_LEVEL: 'warn',
    });
    const readers: ClientSpec[] = [
      { id: 'dalo-75', role: 'dalo', departements: ['75'], organisme: '130000075', sees: true },
      { id: 'prefet-75', role: 'contingent', departements: ['75'], organisme: '130000175', sees: true },
      {
        id: 'guichet-75',
        role: 'guichet',
        departements: ['75'],
        organisme: '300000075',
        codeGuichet: 'PA75A',
        sees: true,
      },
    ];
    const tokens = await Promise.all(
      readers.map((spec) => provision(api?.app as FastifyInstance, adminToken, spec)),
    );
    const polled = readers.map((spec, i) => ({
      actor: {
        clientId: spec.id,
        role: spec.role as Actor['role'],
        organisme: spec.organisme,
        departements: spec.departements,
      },
      token: tokens[i] as string,
    }));
    const figures: Latency[][] = [];
    let ok = true;
    for (const size of [SMALL_LOG, LOG_EVENTS]) {
      const begin = performance.now();
      await growLog(pool, figures.length === 0 ? 1 : SMALL_LOG + 1, size);
      const head = Number(
        (await pool.query<{ head: string }>('SELECT max(sequence) AS head FROM events')).rows[0]?.head,
      );
      console.log(
        `log of ${size.toLocaleString('en')} events (${((performance.now() - begin) / 1000).toFixed(0)} s to write), ${load()}`,
      );
      const bySize = await latencies(pool, api.base, polled, head);
      for (const [i, spec] of readers.entries()) {
        const l = bySize[i] as Latency;
        if (l.missed > 0) ok = false;
        console.log(
          `  ${spec.id.padEnd(10)} poll over the last 10,000: ${l.recent.toFixed(1).padStart(5)} ms, from the start: ${l.start.toFixed(1).padStart(5)} ms (medians of ${POLLS}; ${l.missed} missed); in SQL ${l.sqlMs.toFixed(3)} ms, ${l.indexes}`,
        );
      }
      figures.push(bySize);
    }
    const [small, large] = figures as [Latency[], Latency[]];
    for (const [i, spec] of readers.entries()) {
      const s = small[i] as Latency;
      const l = large[i] as Latency;
      console.log(
        `  ${spec.id.padEnd(10)} ${LOG_EVENTS.toLocaleString('en')} / 10,000 events: poll over the last 10,000 ${(l.recent / s.recent).toFixed(2)}× (in SQL ${(l.sqlMs / s.sqlMs).toFixed(2)}×), from the start ${(l.start / s.start).toFixed(2)}×`,
      );
    }
    return ok;
  } finally {
    await api?.close();
    await pool.end();
    await dropScratchDatabase(ADMIN_URL, name);
    await dropScratchQueues(REDIS_URL, queuePrefix);
  }
}

console.log(`bench:feed — ${MESSAGES} messages in lots of 500 (département 59), ${load()}`);
const hubOptions = { adminUrl: ADMIN_URL, redisUrl: REDIS_URL, inFlight: 2, workers: 1 };
// A warm-up run, not reported: the first hub of a bench also pays for compiling its modules.
if (process.env.BENCH_WARMUP !== '0') await runHub(buildLots(0, 1000, 500), hubOptions);
let aloneRate = 0;
let besideRate = 0;
for (let round = 1; round <= ROUNDS; round++) {
  const alone = await runHub(buildLots(0, MESSAGES, 500), hubOptions);
  console.log(
    `pipeline alone                       : ${alone.rate} messages/s (${(alone.ms / 1000).toFixed(1)} s), ${load()}`,
  );
  const beside = await runHub(buildLots(0, MESSAGES, 500), { ...hubOptions, alongside: pollers });
  const polled = beside.alongside as PollersResult;
  console.log(
    `pipeline beside 50 long-polls        : ${beside.rate} messages/s (${(beside.ms / 1000).toFixed(1)} s), ${load()}`,
  );
  const perSecond = (n: number) => (n / polled.seconds).toFixed(1);
  console.log(
    `the 15 clients seeing the run        : ${perSecond(polled.requests.seeing)} requests/s, ${perSecond(polled.events.seeing)} events/s`,
  );
  console.log(
    `the 35 clients seeing none of it     : ${perSecond(polled.requests.blind)} requests/s, ${polled.events.blind} events`,
  );
  console.log(
    `the feed's reads in SQL, all 50      : ${perSecond(polled.reads)}/s (${polled.reads} over ${polled.seconds.toFixed(1)} s)`,
  );
  if (alone.applied !== alone.messages || beside.applied !== beside.messages) {
    console.error(`expected ${MESSAGES} applied messages, found ${alone.applied} and ${beside.applied}`);
    process.exitCode = 1;
  }
  if (polled.events.blind > 0) {
    console.error('clients outside the scope of the run received events');
    process.exitCode = 1;
  }
  aloneRate += alone.rate / ROUNDS;
  besideRate += beside.rate / ROUNDS;
}
console.log(
  `${`ratio with / without${ROUNDS > 1 ? ` (means of ${ROUNDS})` : ''}`.padEnd(37)}: ${(besideRate / aloneRate).toFixed(2)}`,
);
console.log(`a client that sees 1 event in 10,000 (polls of limit 100 through HTTP):`);
if (!(await constantTime())) {
  console.error('a poll missed the event of its scope');
  process.exitCode = 1;
}
