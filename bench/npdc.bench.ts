/**
 * `npm run bench:npdc`: the regional committee's year (`shared/reference/npdc-2014.json`,
 * Nord-Pas-de-Calais, 01/10/2013-30/09/2014) rebuilt from messages alone. A hub of two processes
 * (API, worker) on a scratch database receives the scenario of `bench/npdc/scenario.ts` over real
 * HTTP — parc imported through RPLS, guichets and bailleurs on SPT v2 and v1 (ISO-8859-1), the
 * portail — month by month with the renewal sweep as of each month's end, up to 30/09/2014; then
 * `GET /infocentre/flux` is printed beside the reference, cell by cell, with the rate. Exits 1 on
 * any mismatch or any message not applied.
 *
 * Options (environment): BENCH_SCALE (divides every reference figure, default 1 = the full table),
 * BENCH_SEED (default 2014), BENCH_LOT (messages per SPT lot, default 500), BENCH_WORKERS (worker
 * processes, default 1), DATABASE_URL (an admin URL from which a scratch database is made, default
 * local), REDIS_URL (default local).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import pg from 'pg';
import { fluxFromRegistry } from './npdc/flux-oracle.ts';
import { compareFlux, formatFluxTable } from './npdc/flux-report.ts';
import { type HubTransport, runScenario } from './npdc/scenario.ts';
import { dropScratchQueues, scratchQueuePrefix } from './pipeline/scratch-queues.ts';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const SEED = Number(process.env.BENCH_SEED ?? 2014);
const LOT_SIZE = Number(process.env.BENCH_LOT ?? 500);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN_TOKEN = randomBytes(24).toString('hex');
const PORT = 19_000 + Math.floor(Math.random() * 1000);
const BASE = `http://127.0.0.1:${PORT}`;

/**
 * A hub process that is started again if it exits while the bench runs (another session on a
 * shared machine may kill it): a message is kept once answered 202, and sending a lot again with
 * the same ids and content is idempotent, so the scenario goes on where it was.
 */
class HubProcess {
  private child: ChildProcess;
  private stopping = false;
  restarts = 0;

  constructor(
    private readonly env: Record<string, string>,
    private readonly roles: string,
  ) {
    this.child = this.spawn();
  }

  private spawn(): ChildProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', 'services/api/main.ts'], {
      env: { ...process.env, ...this.env, SNE_ROLES: this.roles },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      this.restarts++;
      console.error(`  hub process (${this.roles}) exited (${signal ?? code}); starting it again`);
      this.child = this.spawn();
    });
    return child;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

async function waitReady(): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const reply = await fetch(`${BASE}/health/ready`).catch(() => undefined);
    if (reply?.status === 200) return;
    if (Date.now() > deadline) throw new Error('the hub did not get ready in 120 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Real HTTP; a request that found no API process (connection refused or reset) is sent again once it is back. */
const http: HubTransport = {
  async request({ method, path, token, contentType, body }) {
    for (let attempt = 1; ; attempt++) {
      try {
        const reply = await fetch(`${BASE}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(contentType ? { 'content-type': contentType } : {}),
          },
          ...(body !== undefined ? { body } : {}),
        });
        return { status: reply.status, body: await reply.text() };
      } catch (error) {
        if (attempt >= 5) throw error;
        await waitReady();
      }
    }
  },
};

const database = `sne_bench_npdc_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query(`CREATE DATABASE ${database}`);
const databaseUrl = Object.assign(new URL(ADMIN_URL), { pathname: `/${database}` }).href;
const env = {
  DATABASE_URL: databaseUrl,
  REDIS_URL,
  SNE_ADMIN_TOKEN: ADMIN_TOKEN,
  SNE_QUEUE_PREFIX: scratchQueuePrefix('npdc'),
  PORT: String(PORT),
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  // A message that waits for an earlier one of its demande (a follow-up sent in the month of its
  // enregistrement, in another lot) is tried again after this delay: short, as in the tests.
  SNE_DEFER_DELAY_MS: '20',
};
// No scheduler: the scenario runs the sweeps itself, as of the simulated dates.
const children = [new HubProcess(env, 'api')];
const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
// Dropping the scratch database at the end ends any idle connection left: not an error.
pool.on('error', () => {});
let failed = false;
try {
  await waitReady();
  for (let i = 0; i < WORKERS; i++) children.push(new HubProcess(env, 'worker'));
  console.log(
    `bench:npdc — reference ${SCALE === 1 ? 'npdc-2014.json' : `npdc-2014.json ÷ ${SCALE}`}, seed ${SEED}, lots of ${LOT_SIZE}, hub: 1 API process + ${WORKERS} worker process(es)`,
  );
  const started = performance.now();
  const result = await runScenario(http, ADMIN_TOKEN, {
    scale: SCALE,
    seed: SEED,
    lotSize: LOT_SIZE,
    pollMs: 100,
    log: (line) => console.log(`  ${line}`),
  });
  const total = (performance.now() - started) / 1000;
  const { plan } = result;
  const oracle = await fluxFromRegistry(pool, plan.du, plan.au, Object.keys(plan.target.lignes));
  const reference = SCALE === 1 ? 'npdc-2014' : `ref ÷ ${SCALE}`;
  console.log(
    `\nfates: ${Object.entries(plan.fates)
      .map(([f, n]) => `${f} ${n}`)
      .join(', ')}`,
  );
  const swept = result.sweeps.reduce((s, x) => s + (x.slot >= 1 && x.slot <= 12 ? x.radiees : 0), 0);
  console.log(
    `non-renouvellement: the month-end sweeps radiated ${swept} in the period; ${plan.expected.total.radiees['non-renouvellement']} still stand after catch-ups and reactivations`,
  );
  const shown = result.flux ?? oracle;
  console.log(
    result.flux
      ? `\nGET /infocentre/flux?territoire=departement:59&territoire=departement:62&du=${plan.du}&au=${plan.au} — hub beside ${reference}:`
      : `\nGET /infocentre/flux is not served by this hub (404): the table below is the registry's, by domain.md's definitions (SQL), beside ${reference}:`,
  );
  const cells = compareFlux(plan.target, shown);
  console.log(formatFluxTable(cells, reference));
  const mismatches = cells.filter((c) => !c.ok);
  const oracleMismatches = compareFlux(plan.target, oracle).filter((c) => !c.ok);
  console.log(
    `\n${cells.length - mismatches.length}/${cells.length} cells match${result.flux ? `; the registry's own count (SQL, domain.md) matches on ${compareFlux(plan.target, oracle).length - oracleMismatches.length}/${cells.length}` : ''}`,
  );
  console.log(
    `messages: ${result.messages} (+ ${result.logements} logements in one RPLS import) in ${(result.elapsedMs / 1000).toFixed(1)} s from the first sent to the last applied, sweeps included (${(result.sweepMs / 1000).toFixed(1)} s): ${Math.round(result.messages / (result.elapsedMs / 1000))} messages/s; whole run ${total.toFixed(1)} s`,
  );
  if (result.failures.length > 0) {
    console.error(`${result.failures.length} messages not applied, the first ones:`);
    for (const f of result.failures.slice(0, 20))
      console.error(`  ${f.id} ${f.status} ${f.code ?? ''} ${f.message ?? ''}`);
  }
  const restarts = children.reduce((n, c) => n + c.restarts, 0);
  if (restarts > 0) console.log(`hub processes started again during the run: ${restarts}`);
  failed = mismatches.length > 0 || oracleMismatches.length > 0 || result.failures.length > 0;
} finally {
  for (const child of children) await child.stop();
  await pool.end();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
  await dropScratchQueues(REDIS_URL, env.SNE_QUEUE_PREFIX);
}
if (failed) {
  console.error('MISMATCH');
  process.exit(1);
}
