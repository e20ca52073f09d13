/**
 * `npm run bench:pipeline`: 100,000 enregistrements in lots of 500 through the HTTP API, applied
 * by the hub's workers, against bare BullMQ moving 100,000 no-op jobs one by one on the same Redis.
 * Prints both rates and their ratio (hub / BullMQ; the goal is ≥ 1.0).
 *
 * Options (environment): BENCH_MESSAGES (default 100000), BENCH_LOT (500), BENCH_IN_FLIGHT (lots
 * posted at once, 2), BENCH_WORKERS (worker processes, 1), BENCH_NODE_ARGS (extra node flags for the hub's
 * processes, e.g. `--cpu-prof`), DATABASE_URL (an admin URL from which
 * a scratch database is made, default local), REDIS_URL (default local).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 100_000);
const LOT_SIZE = Number(process.env.BENCH_LOT ?? 500);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 2);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN_TOKEN = randomBytes(24).toString('hex');
const PORT = 18_000 + Math.floor(Math.random() * 1000);

function rate(count: number, ms: number): number {
  return Math.round((count / ms) * 1000);
}

/** Bare BullMQ: add one job at a time, a worker completes each; from first add to last completion. */
async function bareBullmq(): Promise<{ ms: number; rate: number }> {
  const prefix = `bench${randomBytes(4).toString('hex')}`;
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('noop', { connection, prefix });
  let done = 0;
  let resolveAll: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    resolveAll = resolve;
  });
  const worker = new Worker(
    'noop',
    async () => {
      if (++done === MESSAGES) resolveAll();
    },
    {
      connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }),
      prefix,
      removeOnComplete: { count: 0 },
    },
  );
  const start = performance.now();
  for (let i = 0; i < MESSAGES; i++) await queue.add('noop', { i }, { removeOnComplete: true });
  await all;
  const ms = performance.now() - start;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  return { ms, rate: rate(MESSAGES, ms) };
}

function enregistrementXml(i: number): string {
  const day = String((i % 28) + 1).padStart(2, '0');
  return `<enregistrement id="B-${i}"><referenceGuichet>BENCH-${i}</referenceGuichet><departement>59</departement><dateDepot>2014-03-${day}</dateDepot><demandeur><nom>Bench${i}</nom><prenom>Personne</prenom><dateNaissance>1980-01-01</dateNaissance><nationalite>FR</nationalite></demandeur><menage nombrePersonnes="2"/><ressourcesMensuelles>1200.00</ressourcesMensuelles><typologie>T2</typologie><communesSouhaitees><commune rang="1">59350</commune></communesSouhaitees><motif>logement-trop-cher</motif></enregistrement>`;
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
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The hub: lots of LOT_SIZE through HTTP, from the first POST to the last message applied. */
async function hub(): Promise<{ ms: number; rate: number; intakeMs: number; applied: number }> {
  const database = `sne_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const databaseUrl = Object.assign(new URL(ADMIN_URL), { pathname: `/${database}` }).href;
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
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  try {
    await waitUntil(
      async () => (await fetch(`${base}/health/ready`).catch(() => undefined))?.status === 200,
      'the hub to be ready',
      60_000,
    );
    for (let w = 0; w < WORKERS; w++) children.push(startHub(env, 'worker'));
    const created = await fetch(`${base}/admin/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'bench-bailleur',
        role: 'bailleur',
        organisme: '123456789',
        nom: 'Bench',
        departements: ['59'],
        codeGuichet: 'BE59A',
      }),
    });
    const { token } = (await created.json()) as { token: string };

    const lots: string[] = [];
    for (let start = 0; start < MESSAGES; start += LOT_SIZE) {
      const messages: string[] = [];
      for (let i = start; i < Math.min(start + LOT_SIZE, MESSAGES); i++) messages.push(enregistrementXml(i));
      lots.push(
        `<?xml version="1.0" encoding="UTF-8"?><lot xmlns="urn:sne:spt:2">${messages.join('')}</lot>`,
      );
    }

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
      `SELECT count(*) AS n FROM messages WHERE status = 'applied'`,
    );
    return { ms, rate: rate(MESSAGES, ms), intakeMs, applied: Number(rows[0]?.n) };
  } finally {
    for (const child of children) {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    }
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
}

console.log(
  `bench:pipeline — ${MESSAGES} messages, lots of ${LOT_SIZE}, ${IN_FLIGHT} in flight, ${WORKERS} worker process(es)`,
);
const bare = await bareBullmq();
console.log(`bare BullMQ, no-op jobs one by one : ${bare.rate} jobs/s (${(bare.ms / 1000).toFixed(1)} s)`);
const result = await hub();
console.log(
  `hub, enregistrements via HTTP lots  : ${result.rate} messages/s (${(result.ms / 1000).toFixed(1)} s; all 202s after ${(result.intakeMs / 1000).toFixed(1)} s; ${result.applied} applied)`,
);
console.log(`ratio hub / bare BullMQ            : ${(result.rate / bare.rate).toFixed(2)}`);
if (result.applied !== MESSAGES) {
  console.error(`expected ${MESSAGES} applied messages, found ${result.applied}`);
  process.exitCode = 1;
}
