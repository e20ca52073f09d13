/**
 * `npm run bench:ops-messages`: how GET /ops/messages and GET /ops/audit answer on millions of rows.
 * Fills a scratch database with BENCH_ROWS messages (default 2,000,000: 93 % applied, 5 % failed
 * under 5 error codes, 1 % rejected, 1 % discarded; 4 systems, 20 clients, received over 60 days)
 * and as many audit lines, then times the first page (limit 100) and a deep page of each filter
 * through the same query functions the routes use, and prints the plan's index for each.
 *
 * Options (environment): BENCH_ROWS, DATABASE_URL (an admin URL from which the scratch database is
 * made, default local). The scratch database is dropped at the end, unless BENCH_KEEP=1; a kept one
 * is measured again with BENCH_DATABASE=<name> (and then kept).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { searchAudit } from '../services/api/audit-search.ts';
import { migrate } from '../services/db/migrate.ts';
import type { MessageFilter } from '../services/pipeline/ops/message-filter.ts';
import { listMessages, pageQueries, seqBounds } from '../services/pipeline/ops/message-list.ts';
import { median, timedRuns } from './median.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 2_000_000);
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
/** A scratch database loaded by an earlier run with BENCH_KEEP=1: measured again, not reloaded. */
const REUSE = process.env.BENCH_DATABASE;
const KEEP = process.env.BENCH_KEEP === '1' || REUSE !== undefined;

async function main() {
  const name = REUSE ?? `bench_ops_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  if (!REUSE) await admin.query(`CREATE DATABASE ${name}`);
  const url = Object.assign(new URL(ADMIN_URL), { pathname: `/${name}` }).href;
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    if (!REUSE) await load(pool);
    await measure(pool);
  } finally {
    await pool.end();
    if (KEEP) console.log(`kept: BENCH_DATABASE=${name}`);
    else await admin.query(`DROP DATABASE ${name}`);
    await admin.end();
  }
}

async function load(pool: pg.Pool): Promise<void> {
  await migrate(pool);
  const started = Date.now();
  await pool.query(`INSERT INTO clients (id, role, organisme, nom, departements, token_hash)
      SELECT 'client-' || i, 'bailleur', '123456789', 'c' || i, '{59}', decode(md5(i::text), 'hex')
        FROM generate_series(1, 20) i`);
  await pool.query(
    `INSERT INTO messages (id, client_id, sender_id, system, version, type, status, received_at, updated_at, error, attempts)
       SELECT gen_random_uuid(), 'client-' || (1 + i % 20), 'M-' || i,
              (ARRAY['spt','pgp','dalo','contingent'])[1 + i % 4], 'v1',
              (ARRAY['enregistrement','modification','renouvellement','radiation','attribution'])[1 + (i / 7) % 5],
              s.status,
              now() - make_interval(secs => ($1 - i) * (60 * 86400.0 / $1)),
              now() - make_interval(secs => ($1 - i) * (60 * 86400.0 / $1)) + interval '1 second',
              CASE WHEN s.status IN ('failed', 'rejected') THEN jsonb_build_object('code',
                (ARRAY['LOGEMENT_INCONNU','DEMANDE_INCONNUE','DOUBLON','DATE_INVALIDE','HORS_TERRITOIRE'])[1 + (i / 3) % 5],
                'message', 'x') END,
              1
         FROM generate_series(1, $1) i,
              LATERAL (SELECT CASE WHEN i % 100 < 5 THEN 'failed' WHEN i % 100 = 5 THEN 'rejected'
                                   WHEN i % 100 = 6 THEN 'discarded' ELSE 'applied' END AS status) s`,
    [ROWS],
  );
  await pool.query(
    `INSERT INTO audit (actor, action, target, at)
       SELECT 'ops-' || (i % 10), (ARRAY['message.replay','message.discard','piece.download','delivery.replay'])[1 + i % 4],
              gen_random_uuid()::text, now() - make_interval(secs => ($1 - i) * (60 * 86400.0 / $1))
         FROM generate_series(1, $1) i`,
    [ROWS],
  );
  await pool.query('VACUUM ANALYZE messages');
  await pool.query('VACUUM ANALYZE audit');
  console.log(
    `${ROWS} messages and ${ROWS} audit lines loaded in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
}

async function measure(pool: pg.Pool): Promise<void> {
  const day = (n: number) => new Date(Date.now() - n * 86400_000).toISOString();
  const filters: [string, MessageFilter][] = [
    ['(none)', {}],
    ['status=failed', { status: 'failed' }],
    ['status=rejected', { status: 'rejected' }],
    ['system=dalo', { system: 'dalo' }],
    ['system=spt&type=attribution', { system: 'spt', type: 'attribution' }],
    ['client=client-7', { client: 'client-7' }],
    ['errorCode=LOGEMENT_INCONNU', { errorCode: 'LOGEMENT_INCONNU' }],
    ['status=failed&errorCode=DOUBLON', { status: 'failed', errorCode: 'DOUBLON' }],
    ['from/to (one day, 30 days ago)', { from: day(31), to: day(30) }],
    ['from (last 2 days, no end)', { from: day(2) }],
    ['to (30 days ago, no start)', { to: day(30) }],
    ['from/to (58 days)', { from: day(59), to: day(1) }],
    ['receivedSince/Until (one day, 45 days ago)', { receivedSince: day(46), receivedUntil: day(45) }],
    ['receivedUntil (45 days ago, no start)', { receivedUntil: day(45) }],
    ['receivedSince (last hour)', { receivedSince: new Date(Date.now() - 3600_000).toISOString() }],
    ['status=failed&receivedSince (2 days)', { status: 'failed', receivedSince: day(2) }],
    ['client=client-3&status=failed', { client: 'client-3', status: 'failed' }],
  ];
  console.log('filter | first page ms | page 50 ms | index');
  for (const [label, filter] of filters) {
    const first = await timed(() => listMessages(pool, filter, { limit: 100 }));
    // A deep page: follow the cursor 49 times, time the 50th.
    let cursor: string | undefined;
    for (let i = 0; i < 49 && (i === 0 || cursor); i++) {
      cursor = (await listMessages(pool, filter, { limit: 100, ...(cursor ? { cursor } : {}) })).next;
    }
    const deep = cursor ? await timed(() => listMessages(pool, filter, { limit: 100, cursor })) : NaN;
    console.log(
      `${label} | ${first.toFixed(1)} | ${Number.isNaN(deep) ? '-' : deep.toFixed(1)} | ${await planOf(pool, filter)}`,
    );
  }
  for (const [label, filter] of [
    ['audit (none)', {}],
    ['audit actor=ops-3', { actor: 'ops-3' }],
    ['audit action=message.discard', { action: 'message.discard' }],
    ['audit from/to (one day)', { from: day(31), to: day(30) }],
    ['audit to (30 days ago, no start)', { to: day(30) }],
  ] as const) {
    const ms = await timed(() => searchAudit(pool, filter, { limit: 100 }));
    console.log(`${label} | ${ms.toFixed(1)} | - | -`);
  }
}

/** Median of 5 runs after one warm-up, ms. */
async function timed(run: () => Promise<unknown>): Promise<number> {
  return median((await timedRuns(5, run)).times);
}

/** The indexes the first page's plans use (the queries of `listMessages`, every part). */
async function planOf(pool: pg.Pool, filter: MessageFilter): Promise<string> {
  const indexes = new Set<string>();
  for (const query of pageQueries(filter, await seqBounds(pool, filter), 'm.id')) {
    const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${query.sql}`, [
      null,
      101,
      ...query.params,
    ]);
    for (const row of rows) {
      const match = /Index(?: Only)? Scan(?: Backward)? using (\S+)|Bitmap Index Scan on (\S+)/.exec(
        row['QUERY PLAN'],
      );
      if (match) indexes.add((match[1] ?? match[2]) as string);
    }
  }
  return [...indexes].join(', ') || 'seq scan';
}

await main();
