/**
 * `npm run bench:rpls`: one generated RPLS CSV file of BENCH_ROWS valid rows, loaded by bare
 * PostgreSQL (`psql \copy`) and imported by the hub (`POST /connectors/rpls/v1/imports?mode=upsert`
 * over real HTTP, then merged by its worker), all in one run. Bare COPY goes twice: into a table of
 * `logements`' shape (the file's columns typed as `logements` types them, where COPY can read the
 * file's text, with its primary key and its two indexes: what the hub's import must fill too), and
 * into a plain table of text columns without any index (the raw speed of COPY). Prints the rates,
 * the ratios hub / bare COPY, and the ratio of the staging alone (until the 202).
 *
 * Then the latency of the other routes' 202s: the portail (one JSON demande per request) and SPT
 * lots, sent at a steady rate, first with nothing else running for as long as the import took, then
 * while a second file of as many other logements is imported; p50 and p99 of each, side by side.
 * Both read the same bytes: each file is generated once, streamed to a temporary file.
 *
 * Options (environment): BENCH_ROWS (default 500000), BENCH_PORTAIL_RATE (portail requests per
 * second, default 20), BENCH_SPT_RATE (SPT lots per second, default 2), BENCH_SPT_LOT (messages
 * per lot, default 10), BENCH_LATENCY (0 skips the latency part), BENCH_NODE_ARGS (extra node flags
 * for the hub's processes, e.g. `--cpu-prof`), DATABASE_URL (an admin URL from which a scratch
 * database is made, default local), REDIS_URL (default local), PSQL (default `psql`).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { COLUMNS } from '../connectors/rpls/v1/header.ts';
import { portailDemande, rate, sptLotXml, startHub, stopHub, waitUntil } from './pipeline/hub-run.ts';
import { createScratchDatabase, dropScratchDatabase } from './pipeline/scratch-database.ts';
import { dropScratchQueues, scratchQueuePrefix } from './pipeline/scratch-queues.ts';
import { rplsFile } from './rpls-file.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 500_000);
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PSQL = process.env.PSQL ?? 'psql';
const ADMIN_TOKEN = randomBytes(24).toString('hex');
const PORT = 18_000 + Math.floor(Math.random() * 1000);
const PORTAIL_RATE = Number(process.env.BENCH_PORTAIL_RATE ?? 20);
const SPT_RATE = Number(process.env.BENCH_SPT_RATE ?? 2);
const SPT_LOT = Number(process.env.BENCH_SPT_LOT ?? 10);
const LATENCY = process.env.BENCH_LATENCY !== '0';

/** One HTTP call to the hub; `file` is streamed as the body. */
function call(
  method: string,
  path: string,
  token: string,
  body?: { file: string } | { xml: string } | object,
): Promise<{ status: number; json: () => unknown; text: string }> {
  return new Promise((resolve, reject) => {
    const file = body && 'file' in body ? body.file : undefined;
    const xml = body && 'xml' in body ? body.xml : undefined;
    const json = body && !file && xml === undefined ? JSON.stringify(body) : undefined;
    const req = request(
      {
        host: '127.0.0.1',
        port: PORT,
        method,
        path,
        headers: {
          authorization: `Bearer ${token}`,
          ...(file ? { 'content-type': 'text/csv; charset=utf-8' } : {}),
          ...(json ? { 'content-type': 'application/json' } : {}),
          ...(xml !== undefined ? { 'content-type': 'application/xml' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: () => JSON.parse(text), text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (file) {
      const stream = createReadStream(file);
      stream.on('error', (error) => req.destroy(error));
      stream.pipe(req);
    } else req.end(json ?? xml);
  });
}

/** Runs psql on the database, resolves with its stdout; rejects on a non-zero exit. */
function psql(databaseUrl: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(PSQL, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', databaseUrl, '-c', command], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`psql exited with ${code}: ${err.trim()}`)),
    );
  });
}

/**
 * The columns of a table of `logements`' shape, as the file orders them: typed as `logements` types
 * them where COPY can read the file's text (`surface_habitable` stays text: the file may write its
 * decimals with a comma, which COPY cannot read as numeric), plus `statut` (its default) for the indexes.
 */
const SHAPED_TYPES: Record<string, string> = {
  identifiant_rpls: 'text PRIMARY KEY',
  siren_bailleur: 'text NOT NULL',
  code_commune: 'text NOT NULL',
  nb_pieces: 'smallint',
  surface_habitable: 'text',
  type_construction: 'text',
  annee_achevement: 'smallint',
  financement: 'text',
  conventionne: 'boolean',
  qpv: 'boolean',
};

interface BareCopy {
  ms: number;
  rate: number;
  copied: number;
}

/**
 * Bare PostgreSQL: `\copy` of the file, timed around psql, into a plain table of text columns
 * (`shaped` false) or into a table of `logements`' shape with its key and indexes (`shaped` true).
 */
async function bareCopy(databaseUrl: string, file: string, shaped: boolean): Promise<BareCopy> {
  if (shaped) {
    await psql(
      databaseUrl,
      `CREATE TABLE bench_copy (${COLUMNS.map((c) => `${c} ${SHAPED_TYPES[c] ?? 'text'}`).join(', ')},
         statut text NOT NULL DEFAULT 'en-parc');
       CREATE INDEX ON bench_copy (siren_bailleur) WHERE statut = 'en-parc';
       CREATE INDEX ON bench_copy (code_commune, statut)`,
    );
  } else {
    await psql(databaseUrl, `CREATE TABLE bench_copy (${COLUMNS.map((c) => `${c} text`).join(', ')})`);
  }
  await psql(databaseUrl, 'CHECKPOINT');
  const start = performance.now();
  await psql(
    databaseUrl,
    `\\copy bench_copy (${COLUMNS.join(', ')}) FROM '${file}' WITH (FORMAT csv, DELIMITER ';', HEADER true)`,
  );
  const ms = performance.now() - start;
  const copied = Number((await psql(databaseUrl, 'SELECT count(*) FROM bench_copy')).match(/\d+/)?.[0]);
  await psql(databaseUrl, 'DROP TABLE bench_copy');
  return { ms, rate: rate(ROWS, ms), copied };
}

interface ImportView {
  status: string;
  rowsRead: number;
  inserted: number;
  rejected: number;
  errors: unknown[];
}

interface ImportRun {
  ms: number;
  rate: number;
  receiveMs: number;
  /** When the 202 came (performance.now()): the file was received and staged, the merge starts. */
  receivedAt: number;
  view: ImportView;
}

/** One file POSTed in one request, from the first byte sent to the import `completed`. */
async function importFile(token: string, file: string): Promise<ImportRun> {
  const begin = performance.now();
  const reply = await call('POST', '/connectors/rpls/v1/imports?mode=upsert', token, { file });
  const receivedAt = performance.now();
  const receiveMs = receivedAt - begin;
  if (reply.status !== 202) throw new Error(`file refused: ${reply.status} ${reply.text}`);
  const { importId } = reply.json() as { importId: string };
  let view: ImportView | undefined;
  await waitUntil(async () => {
    const polled = await call('GET', `/connectors/rpls/v1/imports/${importId}`, token);
    if (polled.status !== 200) throw new Error(`import view: ${polled.status} ${polled.text}`);
    view = polled.json() as ImportView;
    if (view.status === 'failed') throw new Error(`import failed: ${polled.text.slice(0, 2000)}`);
    return view.status === 'completed';
  }, 'the import to complete');
  const ms = performance.now() - begin;
  return { ms, rate: rate(ROWS, ms), receiveMs, receivedAt, view: view as ImportView };
}

/** A file of a few rows that are all rejected (nb_pieces out of range): merged, nothing inserted. */
function warmUpCsv(): string {
  const [header = '', rows = ''] = rplsFile(5, 3 * ROWS);
  return header + rows.replace(/;123456789;59350;[0-9]+;/g, ';123456789;59350;99;');
}

/** The 202 latencies of one route, ms, each with the time its request was sent, and the replies that were not 202. */
interface Latencies {
  ms: number[];
  sentAt: number[];
  refused: string[];
}

let probeSequence = 0;

/**
 * Sends portail demandes (one JSON message per request, PORTAIL_RATE a second) and SPT lots of
 * SPT_LOT enregistrements (SPT_RATE a second) at a steady rate, each request on its own (an open
 * loop: a slow reply does not delay the next request), until `stop` resolves; then waits for the
 * replies still due. Returns each route's 202 latencies.
 */
async function probe(tokens: { portail: string; guichet: string }, stop: Promise<unknown>): Promise<Probed> {
  const portail: Latencies = { ms: [], sentAt: [], refused: [] };
  const spt: Latencies = { ms: [], sentAt: [], refused: [] };
  const live: Latencies = { ms: [], sentAt: [], refused: [] };
  const pending: Promise<void>[] = [];
  const send = (into: Latencies, path: string, token: string, body?: object) => {
    const start = performance.now();
    pending.push(
      call(body ? 'POST' : 'GET', path, token, body).then(
        (reply) => {
          if (reply.status === (body ? 202 : 200)) {
            into.ms.push(performance.now() - start);
            into.sentAt.push(start);
          } else into.refused.push(`${reply.status} ${reply.text.slice(0, 200)}`);
        },
        (error: Error) => {
          into.refused.push(error.message);
        },
      ),
    );
  };
  const timers = [
    setInterval(() => {
      const n = probeSequence++;
      send(
        portail,
        '/connectors/pgp/v1/demandes',
        tokens.portail,
        portailDemande(`latence-pgp-${n}`, `Latence${n}`),
      );
    }, 1000 / PORTAIL_RATE),
    setInterval(() => {
      const first = probeSequence;
      probeSequence += SPT_LOT;
      send(spt, '/connectors/spt/v2/lots', tokens.guichet, {
        xml: sptLotXml(first, SPT_LOT, { id: 'latence-spt', ref: 'LAT', nom: 'Latence' }),
      });
    }, 1000 / SPT_RATE),
    // The API's own responsiveness (no database): what its event loop adds to the 202s.
    setInterval(() => send(live, '/health/live', tokens.portail), 100),
  ];
  await stop;
  for (const timer of timers) clearInterval(timer);
  await Promise.all(pending);
  return { portail, spt, live };
}

/** The latencies of the requests sent before `time` (`before` true) or from it on. */
function split({ ms, sentAt, refused }: Latencies, time: number, before: boolean): Latencies {
  const kept = ms.flatMap((_m, i) => ((sentAt[i] as number) < time === before ? [i] : []));
  return { ms: kept.map((i) => ms[i] as number), sentAt: kept.map((i) => sentAt[i] as number), refused };
}

/** `p50 / p99 ms (n)` of a list of latencies (202s, or 200s for /health/live). */
function percentiles({ ms, refused }: Latencies): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  const refusedText = refused.length ? `, ${refused.length} not 202` : '';
  return `${at(0.5).toFixed(1)} / ${at(0.99).toFixed(1)} ms (${sorted.length} replies${refusedText})`;
}

interface Probed {
  portail: Latencies;
  spt: Latencies;
  live: Latencies;
}

interface HubResult {
  first: ImportRun;
  stored: number;
  latency?: { quietMs: number; quiet: Probed; during: Probed; second: ImportRun };
}

async function provisionClient(client: object): Promise<string> {
  const created = await call('POST', '/admin/clients', ADMIN_TOKEN, client);
  if (created.status !== 201 && created.status !== 200) {
    throw new Error(`client refused: ${created.status} ${created.text}`);
  }
  return (created.json() as { token: string }).token;
}

/**
 * The hub: the file imported alone (its rate), then, when LATENCY, the other routes' 202s with
 * nothing else running and during the import of `secondFile`.
 */
async function hub(
  databaseUrl: string,
  { file, secondFile, warmUpFile }: { file: string; secondFile: string; warmUpFile: string },
): Promise<HubResult> {
  const env = {
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    SNE_ADMIN_TOKEN: ADMIN_TOKEN,
    SNE_QUEUE_PREFIX: scratchQueuePrefix('rpls'),
    PORT: String(PORT),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  };
  const children = [startHub(env, 'api,scheduler')];
  const base = `http://127.0.0.1:${PORT}`;
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  pool.on('error', () => {});
  try {
    await waitUntil(
      async () => (await fetch(`${base}/health/ready`).catch(() => undefined))?.status === 200,
      'the hub to be ready',
      60_000,
    );
    children.push(startHub(env, 'worker'));
    const token = await provisionClient({
      id: 'bench-rpls',
      role: 'rpls',
      organisme: '130005481',
      nom: 'RPLS',
      departements: ['*'],
    });
    const tokens = {
      portail: await provisionClient({
        id: 'bench-portail',
        role: 'pgp',
        organisme: '130025265',
        nom: 'Portail grand public',
        departements: ['59'],
        codeGuichet: 'GDPUB',
      }),
      guichet: await provisionClient({
        id: 'bench-guichet',
        role: 'guichet',
        organisme: '215903501',
        nom: 'Mairie de Lille',
        departements: ['59'],
        codeGuichet: 'ML59A',
      }),
    };

    // Warm-up, untimed: an import that the worker merges (so the worker is up), of rows that are all
    // rejected (so the parc stays empty for the timed one), and a few requests on the other routes.
    const warm = await importFile(token, warmUpFile);
    if (warm.view.inserted !== 0) throw new Error('the warm-up import inserted rows');
    await probe(tokens, new Promise((resolve) => setTimeout(resolve, 1000)));

    const first = await importFile(token, file);
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM logements WHERE statut = 'en-parc'`,
    );
    const stored = Number(rows[0]?.n);
    if (!LATENCY) return { first, stored };

    // As long as the first import took, with nothing else running; then during the second one.
    const quietMs = first.ms;
    const quiet = await probe(tokens, new Promise((resolve) => setTimeout(resolve, quietMs)));
    let second: ImportRun | undefined;
    const during = await probe(
      tokens,
      importFile(token, secondFile).then((run) => {
        second = run;
      }),
    );
    return { first, stored, latency: { quietMs, quiet, during, second: second as ImportRun } };
  } finally {
    await stopHub(children);
    await pool.end();
    await dropScratchQueues(REDIS_URL, env.SNE_QUEUE_PREFIX);
  }
}

function load(): string {
  return `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`;
}

console.log(`bench:rpls — ${ROWS} rows, one CSV file, mode=upsert, 1 worker process (${load()})`);
const file = join(tmpdir(), `sne-bench-rpls-${randomBytes(4).toString('hex')}.csv`);
const secondFile = join(tmpdir(), `sne-bench-rpls-${randomBytes(4).toString('hex')}-2.csv`);
const warmUpFile = join(tmpdir(), `sne-bench-rpls-${randomBytes(4).toString('hex')}-warm-up.csv`);
const { name: database, url: databaseUrl } = await createScratchDatabase(ADMIN_URL, 'sne_bench');
try {
  await pipeline(Readable.from(rplsFile(ROWS)), createWriteStream(file));
  if (LATENCY) await pipeline(Readable.from(rplsFile(ROWS, ROWS)), createWriteStream(secondFile));
  await writeFile(warmUpFile, warmUpCsv());
  const { size } = await stat(file);
  console.log(`file                                     : ${(size / 1024 / 1024).toFixed(1)} MiB (${file})`);
  const shaped = await bareCopy(databaseUrl, file, true);
  console.log(
    `bare \\copy, table of logements' shape    : ${shaped.rate} rows/s (${(shaped.ms / 1000).toFixed(2)} s; typed columns, primary key, 2 indexes; ${shaped.copied} rows)`,
  );
  const bare = await bareCopy(databaseUrl, file, false);
  console.log(
    `bare \\copy, text columns, no index       : ${bare.rate} rows/s (${(bare.ms / 1000).toFixed(2)} s; ${bare.copied} rows)`,
  );
  const result = await hub(databaseUrl, { file, secondFile, warmUpFile });
  const { first } = result;
  console.log(
    `hub, POST + merge until completed        : ${first.rate} rows/s (${(first.ms / 1000).toFixed(2)} s; 202 after ${(first.receiveMs / 1000).toFixed(2)} s = ${rate(ROWS, first.receiveMs)} rows/s received, merged ${((first.ms - first.receiveMs) / 1000).toFixed(2)} s later; ${first.view.inserted} inserted, ${result.stored} en-parc)`,
  );
  console.log(`ratio hub / bare \\copy, logements' shape : ${(first.rate / shaped.rate).toFixed(2)}`);
  console.log(`ratio hub / bare \\copy, text columns     : ${(first.rate / bare.rate).toFixed(2)}`);
  // The part this bench's COPY compares with most directly: receiving and staging, until the 202.
  console.log(
    `ratio staged (202) / bare \\copy, text    : ${(rate(ROWS, first.receiveMs) / bare.rate).toFixed(2)}`,
  );
  const { latency } = result;
  if (latency) {
    console.log(
      `other routes' 202s, p50 / p99: portail ${PORTAIL_RATE} demandes/s, SPT ${SPT_RATE} lots/s of ${SPT_LOT} (live: GET /health/live 10/s, no database)`,
    );
    console.log(
      `  without import (${(latency.quietMs / 1000).toFixed(1)} s)     portail : ${percentiles(latency.quiet.portail)}`,
    );
    console.log(`                                   SPT     : ${percentiles(latency.quiet.spt)}`);
    console.log(`                                   live    : ${percentiles(latency.quiet.live)}`);
    console.log(
      `  during import (${(latency.second.ms / 1000).toFixed(1)} s)      portail : ${percentiles(latency.during.portail)}`,
    );
    console.log(`                                   SPT     : ${percentiles(latency.during.spt)}`);
    console.log(`                                   live    : ${percentiles(latency.during.live)}`);
    // Its two halves: receiving and staging the file (until its 202), then the worker's merge.
    const staged = latency.second.receivedAt;
    for (const [phase, before] of [
      [`  of which receiving (${(latency.second.receiveMs / 1000).toFixed(1)} s)`, true],
      [`  of which merging (${((latency.second.ms - latency.second.receiveMs) / 1000).toFixed(1)} s)`, false],
    ] as const) {
      console.log(
        `${phase.padEnd(35)}portail : ${percentiles(split(latency.during.portail, staged, before))}`,
      );
      console.log(
        `                                   SPT     : ${percentiles(split(latency.during.spt, staged, before))}`,
      );
      console.log(
        `                                   live    : ${percentiles(split(latency.during.live, staged, before))}`,
      );
    }
    console.log(
      `  the import beside them: ${latency.second.rate} rows/s (202 after ${(latency.second.receiveMs / 1000).toFixed(2)} s; ${latency.second.view.inserted} inserted)`,
    );
    const refused = [latency.quiet, latency.during].flatMap((p) => [...p.portail.refused, ...p.spt.refused]);
    if (refused.length) {
      console.error(`replies that were not 202: ${refused.slice(0, 5).join(' | ')}`);
      process.exitCode = 1;
    }
  }
  console.log(`(${load()})`);
  if (
    bare.copied !== ROWS ||
    shaped.copied !== ROWS ||
    first.view.rowsRead !== ROWS ||
    first.view.inserted !== ROWS ||
    result.stored !== ROWS ||
    (latency && latency.second.view.inserted !== ROWS)
  ) {
    console.error(
      `expected ${ROWS} rows everywhere: copied ${bare.copied} and ${shaped.copied}, read ${first.view.rowsRead}, inserted ${first.view.inserted} (rejected ${first.view.rejected}), stored ${result.stored}`,
    );
    process.exitCode = 1;
  }
} finally {
  await rm(file, { force: true });
  await rm(secondFile, { force: true });
  await rm(warmUpFile, { force: true });
  await dropScratchDatabase(ADMIN_URL, database);
}
