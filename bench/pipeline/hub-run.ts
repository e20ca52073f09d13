/**
 * The hub as the pipeline bench runs it, for every bench that needs the pipeline at full rate: an
 * API + scheduler process and worker processes on a scratch database, lots of enregistrements
 * posted through HTTP, timed from the first POST to the last message applied.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createPool } from '../../services/db/pool.ts';
import { cpuPerItem, cpuTimes } from '../machine-cpu.ts';
import { benchClientToken, createRegistryDatabase } from './registry-seed.ts';
import {
  checkpointsSince,
  createScratchDatabase,
  dropScratchDatabase,
  startFromCheckpoint,
} from './scratch-database.ts';
import { dropScratchQueues, scratchQueuePrefix } from './scratch-queues.ts';

export function rate(count: number, ms: number): number {
  return Math.round((count / ms) * 1000);
}

/** How a bench names its generated messages: sender id `<id>-<i>`, reference `<ref>-<i>`, nom `<nom><i>`. */
export interface Naming {
  id: string;
  ref: string;
  nom: string;
}

/** The bailleur whose lots the benches post (département 59). */
export const BENCH_BAILLEUR = {
  id: 'bench-bailleur',
  role: 'bailleur',
  organisme: '123456789',
  nom: 'Bench',
  departements: ['59'],
  codeGuichet: 'BE59A',
};

/** The pipeline bench's names (it counts its applied messages by the `B-` sender ids). */
const BENCH_NAMING: Naming = { id: 'B', ref: 'BENCH', nom: 'Bench' };

function enregistrementXml(i: number, naming: Naming): string {
  const day = String((i % 28) + 1).padStart(2, '0');
  return `<enregistrement id="${naming.id}-${i}"><referenceGuichet>${naming.ref}-${i}</referenceGuichet><departement>59</departement><dateDepot>2014-03-${day}</dateDepot><demandeur><nom>${naming.nom}${i}</nom><prenom>Personne</prenom><dateNaissance>1980-01-01</dateNaissance><nationalite>FR</nationalite></demandeur><menage nombrePersonnes="2"/><ressourcesMensuelles>1200.00</ressourcesMensuelles><typologie>T2</typologie><communesSouhaitees><commune rang="1">59350</commune></communesSouhaitees><motif>logement-trop-cher</motif></enregistrement>`;
}

/** One SPT v2 lot of `size` enregistrements (département 59, March 2014) numbered from `first`. */
export function sptLotXml(first: number, size: number, naming: Naming = BENCH_NAMING): string {
  const messages: string[] = [];
  for (let i = first; i < first + size; i++) messages.push(enregistrementXml(i, naming));
  return `<?xml version="1.0" encoding="UTF-8"?><lot xmlns="urn:sne:spt:2">${messages.join('')}</lot>`;
}

/** Lots of `lotSize` enregistrements (département 59), numbered from `first`, `count` messages in all. */
export function buildLots(first: number, count: number, lotSize: number): string[] {
  const lots: string[] = [];
  for (let start = first; start < first + count; start += lotSize)
    lots.push(sptLotXml(start, Math.min(lotSize, first + count - start)));
  return lots;
}

/** A demande filed on the portail (one JSON message per request), département 59, March 2014. */
export function portailDemande(id: string, nom: string): object {
  return {
    id,
    departement: '59',
    dateDepot: '2014-03-01',
    demandeur: { nom, prenom: 'Paul', dateNaissance: '1960-02-29', nationalite: 'FR' },
    menage: { nombrePersonnes: 1 },
    ressourcesMensuelles: 900,
    typologie: 'T2',
    communesSouhaitees: ['59350'],
    motif: 'sans-logement',
  };
}

/**
 * The daily sweeps of a bench's hub: 02:00 on 29 February (Paris). A bench's demandes are filed in
 * 2014, so the renewal sweep at its usual 02:00 radiates every one of them: a bench running across
 * 01:00 UTC once measured 20,000 radiations in the middle of its figures.
 */
const BENCH_SWEEP_CRON = '0 2 29 2 *';

/** A hub process running `roles` (BENCH_NODE_ARGS: extra node flags, e.g. `--cpu-prof`). */
export function startHub(env: Record<string, string>, roles: string): ChildProcess {
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  return spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'services/api/main.ts'], {
    env: { ...process.env, SNE_SWEEP_CRON: BENCH_SWEEP_CRON, ...env, SNE_ROLES: roles },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Stops hub processes (SIGTERM: they drain) and waits until each has exited. */
export async function stopHub(children: ChildProcess[]): Promise<void> {
  for (const child of children) {
    child.kill('SIGTERM');
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  }
}

/** Resolves once `check` holds, polled every `everyMs`; throws after `timeoutMs`. */
export async function waitUntil(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 600_000,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // A failed check (a connection terminated by another session on the shared PostgreSQL) is "not yet".
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** The running hub, as a bench's companion sees it. */
export interface RunningHub {
  base: string;
  databaseUrl: string;
  adminToken: string;
  env: Record<string, string>;
}

export interface HubRunOptions<T> {
  adminUrl: string;
  redisUrl: string;
  /** Lots posted at once. */
  inFlight: number;
  /** Worker processes. */
  workers: number;
  /** A registry template (`registry-seed.ts`) the hub's database is copied from; default an empty database. */
  registry?: string;
  /** Started once the hub is ready, before the first lot; stopped once every message is done. */
  alongside?: (hub: RunningHub) => Promise<{ stop(): Promise<T> }>;
  /** Run once every message is done and counted, before the scratch database is dropped. */
  afterRun?: (databaseUrl: string) => Promise<void>;
}

export interface HubRun<T> {
  ms: number;
  rate: number;
  intakeMs: number;
  /** Checkpoints the server made during the run (each followed by full-page images in the WAL). */
  checkpoints: number;
  /** The machine's CPU time during the run, per message (`cpuPerItem`). */
  cpu: string;
  applied: number;
  messages: number;
  alongside?: T;
}

/** The hub on a scratch database: the lots through HTTP, from the first POST to the last message applied. */
export async function runHub<T = undefined>(lots: string[], options: HubRunOptions<T>): Promise<HubRun<T>> {
  const { name: database, url: databaseUrl } = options.registry
    ? await createRegistryDatabase(options.adminUrl, options.registry, 'sne_bench')
    : await createScratchDatabase(options.adminUrl, 'sne_bench');
  const adminToken = randomBytes(24).toString('hex');
  const port = 18_000 + Math.floor(Math.random() * 1000);
  const env = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: options.redisUrl,
    SNE_ADMIN_TOKEN: adminToken,
    SNE_QUEUE_PREFIX: scratchQueuePrefix('hub'),
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  };
  const messages = lots.reduce((sum, lot) => sum + lot.split('<enregistrement ').length - 1, 0);
  const children = [startHub(env, 'api,scheduler')];
  const base = `http://127.0.0.1:${port}`;
  // createPool ignores an idle connection's error (another session terminating it): the next query reconnects.
  const pool = createPool({ connectionString: databaseUrl, max: 2 });
  let companion: { stop(): Promise<T> } | undefined;
  try {
    await waitUntil(
      async () => (await fetch(`${base}/health/ready`).catch(() => undefined))?.status === 200,
      'the hub to be ready',
      60_000,
    );
    for (let w = 0; w < options.workers; w++) children.push(startHub(env, 'worker'));
    const token = await benchClientToken(base, adminToken, BENCH_BAILLEUR);
    companion = await options.alongside?.({ base, databaseUrl, adminToken, env });

    const checkpointsBefore = await startFromCheckpoint(options.adminUrl);
    const cpuBefore = cpuTimes();
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
    await Promise.all(Array.from({ length: options.inFlight }, sender));
    const intakeMs = performance.now() - begin;
    // EXISTS stops at the first message still to do (a count read the whole backlog every 50 ms,
    // about 8 % of the statements' time in the run it measured).
    await waitUntil(async () => {
      const { rows } = await pool.query<{ waiting: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM messages WHERE status IN ('accepted', 'processing')) AS waiting`,
      );
      return rows[0]?.waiting === false;
    }, 'every message to be applied');
    const ms = performance.now() - begin;
    const cpu = cpuPerItem(cpuBefore, cpuTimes(), messages);
    const checkpoints = await checkpointsSince(options.adminUrl, checkpointsBefore);
    const alongside = await companion?.stop();
    companion = undefined;
    const { rows } = await pool.query<{ n: string }>(
      // The bench's own messages (a seeded registry holds others).
      `SELECT count(*) AS n FROM messages WHERE status = 'applied' AND sender_id LIKE 'B-%'`,
    );
    await options.afterRun?.(databaseUrl);
    return {
      ms,
      rate: rate(messages, ms),
      intakeMs,
      checkpoints,
      cpu,
      applied: Number(rows[0]?.n),
      messages,
      ...(alongside === undefined ? {} : { alongside }),
    };
  } finally {
    await companion?.stop().catch(() => {});
    await stopHub(children);
    await pool.end();
    await dropScratchDatabase(options.adminUrl, database);
    await dropScratchQueues(options.redisUrl, env.SNE_QUEUE_PREFIX);
  }
}
