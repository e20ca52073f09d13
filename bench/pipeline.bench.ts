/**
 * `npm run bench:pipeline`: 100,000 enregistrements in lots of 500 through the HTTP API, applied
 * by the hub's workers, against the strongest bare BullMQ on the same Redis: no-op jobs added in
 * bulk (`addBulk` of 500, 4 batches in flight) at several worker concurrencies, then 50 single adds
 * in flight at the best concurrency (and, for the record, the old one-at-a-time baseline). Prints
 * every setting's rate, the best, the hub's rate and the ratio hub / best (the goal is ≥ 1.0); then
 * where a lot's milliseconds go (`pipeline/lot-profile.ts`). Exits by itself, 1 if a message was
 * not applied.
 *
 * Options (environment): BENCH_MESSAGES (default 100000), BENCH_LOT (500), BENCH_IN_FLIGHT (lots
 * posted at once, 2), BENCH_WORKERS (worker processes, 1), BENCH_NODE_ARGS (extra node flags for the hub's
 * processes, e.g. `--cpu-prof`), BENCH_BASELINE_JOBS (jobs per baseline setting, 50000),
 * BENCH_BASELINE_CONCURRENCY (worker concurrencies tried, `1,10,50,100,200`), BENCH_PROFILE_LOTS
 * (lots profiled, 20, after one warm-up lot; 0 skips), BENCH_REGISTRY_DEMANDES (0; when set, the
 * hub's run again on a copy of a registry already holding that many demandes, `pipeline/registry-seed.ts`,
 * and the ratio seeded / empty printed), DATABASE_URL (an admin URL from which
 * a scratch database is made, default local), REDIS_URL (default local).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createPool } from '../services/db/pool.ts';
import {
  type BaselineResult,
  type BaselineSetting,
  describeSetting,
  runBaseline,
} from './pipeline/bare-bullmq.ts';
import { formatProfile, profileLots } from './pipeline/lot-profile.ts';
import { benchClientToken, createRegistryDatabase, registryTemplate } from './pipeline/registry-seed.ts';
import { createScratchDatabase, dropScratchDatabase } from './pipeline/scratch-database.ts';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 100_000);
const LOT_SIZE = Number(process.env.BENCH_LOT ?? 500);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 2);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
const BASELINE_JOBS = Number(process.env.BENCH_BASELINE_JOBS ?? 50_000);
const BASELINE_CONCURRENCY = (process.env.BENCH_BASELINE_CONCURRENCY ?? '1,10,50,100,200')
  .split(',')
  .map(Number);
const PROFILE_LOTS = Number(process.env.BENCH_PROFILE_LOTS ?? 20);
const REGISTRY_DEMANDES = Number(process.env.BENCH_REGISTRY_DEMANDES ?? 0);
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN_TOKEN = randomBytes(24).toString('hex');
const PORT = 18_000 + Math.floor(Math.random() * 1000);

function rate(count: number, ms: number): number {
  return Math.round((count / ms) * 1000);
}

function enregistrementXml(i: number): string {
  const day = String((i % 28) + 1).padStart(2, '0');
  return `<enregistrement id="B-${i}"><referenceGuichet>BENCH-${i}</referenceGuichet><departement>59</departement><dateDepot>2014-03-${day}</dateDepot><demandeur><nom>Bench${i}</nom><prenom>Personne</prenom><dateNaissance>1980-01-01</dateNaissance><nationalite>FR</nationalite></demandeur><menage nombrePersonnes="2"/><ressourcesMensuelles>1200.00</ressourcesMensuelles><typologie>T2</typologie><communesSouhaitees><commune rang="1">59350</commune></communesSouhaitees><motif>logement-trop-cher</motif></enregistrement>`;
}

/** Lots of LOT_SIZE enregistrements, numbered from `first`, `count` messages in all. */
function buildLots(first: number, count: number): string[] {
  const lots: string[] = [];
  for (let start = first; start < first + count; start += LOT_SIZE) {
    const messages: string[] = [];
    for (let i = start; i < Math.min(start + LOT_SIZE, first + count); i++)
      messages.push(enregistrementXml(i));
    lots.push(`<?xml version="1.0" encoding="UTF-8"?><lot xmlns="urn:sne:spt:2">${messages.join('')}</lot>`);
  }
  return lots;
}

function startHub(env: Record<string, string>, roles: string): ChildProcess {
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'services/api/main.ts'], {
    env: { ...process.env, ...env, SNE_ROLES: roles },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // A failed check (a connection terminated by another session on the shared PostgreSQL) is "not yet".
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The hub: lots of LOT_SIZE through HTTP, from the first POST to the last message applied. */
async function hub(
  lots: string[],
  registry?: string,
): Promise<{ ms: number; rate: number; intakeMs: number; applied: number }> {
  // On a copy of the registry template when one is given (BENCH_REGISTRY_DEMANDES), else empty.
  const { name: database, url: databaseUrl } = registry
    ? await createRegistryDatabase(ADMIN_URL, registry, 'sne_bench')
    : await createScratchDatabase(ADMIN_URL, 'sne_bench');
  const env = {
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    SNE_ADMIN_TOKEN: ADMIN_TOKEN,
    SNE_QUEUE_PREFIX: `benchhub${randomBytes(4).toString('hex')}`,
    PORT: String(PORT),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  };
  const children = [startHub(env, 'api,scheduler')];
  const base = `http://127.0.0.1:${PORT}`;
  // createPool ignores an idle connection's error (another session terminating it): the next query reconnects.
  const pool = createPool({ connectionString: databaseUrl, max: 2 });
  try {
    await waitUntil(
      async () => (await fetch(`${base}/health/ready`).catch(() => undefined))?.status === 200,
      'the hub to be ready',
      60_000,
    );
    for (let w = 0; w < WORKERS; w++) children.push(startHub(env, 'worker'));
    const token = await benchClientToken(base, ADMIN_TOKEN, {
      id: 'bench-bailleur',
      role: 'bailleur',
      organisme: '123456789',
      nom: 'Bench',
      departements: ['59'],
      codeGuichet: 'BE59A',
    });

    const begin = performance.now();
    let next = 0;
    const sender = async () => {
      while (next < lots.length) {
        const body = lots[next++] as string;
        const reply = await fetch(`${base}/connectors/spt/v2/lots`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml' },
          body,
        });
        if (reply.status !== 202) throw new Error(`lot refused: ${reply.status} ${await reply.text()}`);
        await reply.arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, sender));
    const intakeMs = performance.now() - begin;
    await waitUntil(async () => {
      const { rows } = await pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM messages WHERE status IN ('accepted', 'processing')`,
      );
      return Number(rows[0]?.n) === 0;
    }, 'every message to be applied');
    const ms = performance.now() - begin;
    const { rows } = await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM messages WHERE status = 'applied' AND sender_id LIKE 'B-%'`,
    );
    return { ms, rate: rate(MESSAGES, ms), intakeMs, applied: Number(rows[0]?.n) };
  } finally {
    for (const child of children) {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    }
    await pool.end();
    await dropScratchDatabase(ADMIN_URL, database);
  }
}

/** The baseline's settings: adds in bulk at each worker concurrency, then single adds in flight at the best one. */
async function strongestBaseline(): Promise<{ results: BaselineResult[]; best: BaselineResult }> {
  const results: BaselineResult[] = [];
  const report = (result: BaselineResult) => {
    results.push(result);
    console.log(`  ${String(result.rate).padStart(6)} jobs/s  ${describeSetting(result.setting)}`);
  };
  for (const concurrency of BASELINE_CONCURRENCY) {
    report(
      await runBaseline(REDIS_URL, BASELINE_JOBS, { adds: 'bulk', batch: 500, inFlight: 4, concurrency }),
    );
  }
  const bestBulk = results.reduce((a, b) => (b.rate > a.rate ? b : a));
  const single: BaselineSetting = {
    adds: 'single',
    batch: 1,
    inFlight: 50,
    concurrency: bestBulk.setting.concurrency,
  };
  report(await runBaseline(REDIS_URL, BASELINE_JOBS, single));
  // The original baseline, for the record: one add at a time, concurrency 1.
  report(
    await runBaseline(REDIS_URL, Math.min(BASELINE_JOBS, 20_000), {
      adds: 'single',
      batch: 1,
      inFlight: 1,
      concurrency: 1,
    }),
  );
  return { results, best: results.reduce((a, b) => (b.rate > a.rate ? b : a)) };
}

console.log(
  `bench:pipeline — ${MESSAGES} messages, lots of ${LOT_SIZE}, ${IN_FLIGHT} in flight, ${WORKERS} worker process(es)`,
);
console.log(`bare BullMQ, ${BASELINE_JOBS} no-op jobs per setting, same Redis:`);
const baseline = await strongestBaseline();
console.log(
  `bare BullMQ, best                   : ${baseline.best.rate} jobs/s (${describeSetting(baseline.best.setting)})`,
);
const result = await hub(buildLots(0, MESSAGES));
console.log(
  `hub, enregistrements via HTTP lots  : ${result.rate} messages/s (${(result.ms / 1000).toFixed(1)} s; all 202s after ${(result.intakeMs / 1000).toFixed(1)} s; ${result.applied} applied; API + scheduler process, ${WORKERS} worker process(es) at SNE_WORKER_CONCURRENCY ${process.env.SNE_WORKER_CONCURRENCY ?? 2})`,
);
console.log(`ratio hub / best bare BullMQ        : ${(result.rate / baseline.best.rate).toFixed(2)}`);
if (result.applied !== MESSAGES) {
  console.error(`expected ${MESSAGES} applied messages, found ${result.applied}`);
  process.exitCode = 1;
}
if (REGISTRY_DEMANDES > 0) {
  // The same measurement on a registry that holds REGISTRY_DEMANDES demandes already (registry-seed.ts).
  const seeded = await hub(buildLots(0, MESSAGES), await registryTemplate(ADMIN_URL, REGISTRY_DEMANDES));
  console.log(
    `hub, on ${REGISTRY_DEMANDES} demandes already  : ${seeded.rate} messages/s (${(seeded.ms / 1000).toFixed(1)} s; all 202s after ${(seeded.intakeMs / 1000).toFixed(1)} s; ${seeded.applied} applied)`,
  );
  console.log(
    `ratio seeded / empty registry       : ${(seeded.rate / result.rate).toFixed(2)} (target ≥ 0.90)`,
  );
  if (seeded.applied !== MESSAGES) {
    console.error(`seeded registry: expected ${MESSAGES} applied messages, found ${seeded.applied}`);
    process.exitCode = 1;
  }
}
if (PROFILE_LOTS > 0) {
  const profile = await profileLots({
    adminUrl: ADMIN_URL,
    redisUrl: REDIS_URL,
    lots: buildLots(10_000_000, (PROFILE_LOTS + 1) * LOT_SIZE),
  });
  for (const line of formatProfile(profile)) console.log(line);
  if (profile.applied !== profile.messages) {
    console.error(`profile: expected ${profile.messages} applied messages, found ${profile.applied}`);
    process.exitCode = 1;
  }
}
