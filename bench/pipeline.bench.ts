/**
 * `npm run bench:pipeline`: 100,000 enregistrements in lots of 500 through the HTTP API, applied
 * by the hub's workers, against the strongest bare BullMQ on the same Redis: no-op jobs added in
 * bulk (`addBulk` of 500, 4 batches in flight) at several worker concurrencies, then 50 single adds
 * in flight at the best concurrency (and, for the record, the old one-at-a-time baseline). Prints
 * every setting's rate, the best, the hub's rate and the ratio hub / best (the goal is ≥ 1.0); then
 * where a lot's milliseconds go, and the bytes of WAL each message costs, per table and index
 * (`pipeline/lot-profile.ts`). Exits by itself, 1 if a message was not applied.
 *
 * Options (environment): BENCH_MESSAGES (default 100000), BENCH_LOT (500), BENCH_IN_FLIGHT (lots
 * posted at once, 2), BENCH_WORKERS (worker processes, 1), BENCH_NODE_ARGS (extra node flags for the hub's
 * processes, e.g. `--cpu-prof`), BENCH_BASELINE_JOBS (jobs per baseline setting, 50000; 0 skips the
 * baseline: the hub alone, e.g. to compare two builds of it, run from each one's directory),
 * BENCH_BASELINE_CONCURRENCY (worker concurrencies tried, `1,10,50,100,200`), BENCH_PROFILE_LOTS
 * (lots profiled, 20, after one warm-up lot; 0 skips), BENCH_WAL_RELATIONS (relations the WAL profile
 * lists by name, 16; the rest are summed), BENCH_PROFILE_ONLY (1: only the profile, no
 * baseline nor hub run), BENCH_REGISTRY_DEMANDES (0; when set, the hub's run again on a copy of a
 * registry already holding that many demandes, `pipeline/registry-seed.ts`, and the ratio seeded /
 * empty printed), BENCH_REGISTRY_PAIRS (1; more: as many pairs of runs, empty then seeded, and the
 * median of their ratios), BENCH_COPY_FLOOR (1; 0 skips the floor: the hub run's rows COPYed into
 * the same schema by bare PostgreSQL, `pipeline/bare-postgres.ts`), DATABASE_URL (an admin URL from which
 * a scratch database is made, default local), REDIS_URL (default local).
 */

import { median } from './median.ts';
import {
  type BaselineResult,
  type BaselineSetting,
  describeSetting,
  runBaseline,
} from './pipeline/bare-bullmq.ts';
import { copyFloor, type ExportedRows, exportRows, removeExport } from './pipeline/bare-postgres.ts';
import { buildLots as buildLotsOf, type HubRun, rate, runHub } from './pipeline/hub-run.ts';
import { formatProfile, profileLots } from './pipeline/lot-profile.ts';
import { registryTemplate } from './pipeline/registry-seed.ts';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 100_000);
const LOT_SIZE = Number(process.env.BENCH_LOT ?? 500);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 2);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
const BASELINE_JOBS = Number(process.env.BENCH_BASELINE_JOBS ?? 50_000);
const BASELINE_CONCURRENCY = (process.env.BENCH_BASELINE_CONCURRENCY ?? '1,10,50,100,200')
  .split(',')
  .map(Number);
const PROFILE_LOTS = Number(process.env.BENCH_PROFILE_LOTS ?? 20);
const PROFILE_ONLY = process.env.BENCH_PROFILE_ONLY === '1';
const REGISTRY_DEMANDES = Number(process.env.BENCH_REGISTRY_DEMANDES ?? 0);
const REGISTRY_PAIRS = Math.max(1, Number(process.env.BENCH_REGISTRY_PAIRS ?? 1));
const COPY_FLOOR = process.env.BENCH_COPY_FLOOR !== '0';
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const buildLots = (first: number, count: number) => buildLotsOf(first, count, LOT_SIZE);

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

if (!PROFILE_ONLY) {
  console.log(
    `bench:pipeline — ${MESSAGES} messages, lots of ${LOT_SIZE}, ${IN_FLIGHT} in flight, ${WORKERS} worker process(es)`,
  );
  console.log(`bare BullMQ, ${BASELINE_JOBS} no-op jobs per setting, same Redis:`);
  const baseline = BASELINE_JOBS > 0 ? await strongestBaseline() : undefined;
  if (baseline)
    console.log(
      `bare BullMQ, best                   : ${baseline.best.rate} jobs/s (${describeSetting(baseline.best.setting)})`,
    );
  const hubRun = (registry?: string, afterRun?: (databaseUrl: string) => Promise<void>) =>
    runHub(buildLots(0, MESSAGES), {
      adminUrl: ADMIN_URL,
      redisUrl: REDIS_URL,
      inFlight: IN_FLIGHT,
      workers: WORKERS,
      ...(registry ? { registry } : {}),
      ...(afterRun ? { afterRun } : {}),
    });
  let exported: ExportedRows | undefined;
  const result = await hubRun(
    undefined,
    COPY_FLOOR
      ? async (databaseUrl) => {
          exported = await exportRows(databaseUrl);
        }
      : undefined,
  );
  console.log(
    `hub, enregistrements via HTTP lots  : ${describeRun(result)}; API + scheduler process, ${WORKERS} worker process(es) at SNE_WORKER_CONCURRENCY ${process.env.SNE_WORKER_CONCURRENCY ?? 2}`,
  );
  if (baseline)
    console.log(`ratio hub / best bare BullMQ        : ${(result.rate / baseline.best.rate).toFixed(2)}`);
  if (exported) {
    // The floor under the hub's writes: its rows COPYed into the same schema (pipeline/bare-postgres.ts).
    try {
      const floor = await copyFloor(ADMIN_URL, exported);
      const floorRate = rate(MESSAGES, floor.ms);
      console.log(
        `bare PostgreSQL, the run's rows    : ${floorRate} messages/s (${floor.rows} rows of ${exported.tables.length} tables by COPY, 2 connections, ${(floor.ms / 1000).toFixed(1)} s)`,
      );
      console.log(`ratio hub / bare PostgreSQL COPY    : ${(result.rate / floorRate).toFixed(2)}`);
    } finally {
      await removeExport(exported);
    }
  }
  if (result.applied !== MESSAGES) {
    console.error(`expected ${MESSAGES} applied messages, found ${result.applied}`);
    process.exitCode = 1;
  }
  if (REGISTRY_DEMANDES > 0) {
    // The same measurement on a registry that holds REGISTRY_DEMANDES demandes already (registry-seed.ts),
    // then, for REGISTRY_PAIRS > 1, more pairs (empty, seeded) one after the other: the machine's own
    // rate moves between runs, so each seeded run is compared with the empty run just before it.
    const template = await registryTemplate(ADMIN_URL, REGISTRY_DEMANDES);
    const ratios: number[] = [];
    let empty = result;
    for (let pair = 1; pair <= REGISTRY_PAIRS; pair++) {
      if (pair > 1) {
        empty = await hubRun();
        console.log(`hub, empty registry (pair ${pair})     : ${describeRun(empty)}`);
      }
      const seeded = await hubRun(template);
      console.log(`hub, on ${REGISTRY_DEMANDES} demandes already  : ${describeRun(seeded)}`);
      ratios.push(seeded.rate / empty.rate);
      console.log(`ratio seeded / empty registry       : ${ratios.at(-1)?.toFixed(2)} (target ≥ 0.90)`);
      for (const run of pair > 1 ? [empty, seeded] : [seeded]) {
        if (run.applied !== MESSAGES) {
          console.error(`expected ${MESSAGES} applied messages, found ${run.applied}`);
          process.exitCode = 1;
        }
      }
    }
    if (ratios.length > 1) {
      console.log(
        `ratio seeded / empty, ${ratios.length} pairs     : median ${median(ratios).toFixed(2)} (${ratios.map((r) => r.toFixed(2)).join(', ')})`,
      );
    }
  }
}

/** A run's rate, then its time, its last 202, what it applied and the checkpoints inside it. */
function describeRun(run: HubRun<undefined>): string {
  return `${run.rate} messages/s (${(run.ms / 1000).toFixed(1)} s; all 202s after ${(run.intakeMs / 1000).toFixed(1)} s; ${run.applied} applied; ${run.checkpoints} checkpoint(s) during it; ${run.cpu})`;
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
