/**
 * `npm run bench:rpls`: one generated RPLS CSV file of BENCH_ROWS valid rows, loaded by bare
 * PostgreSQL (`psql \copy` into a plain table of text columns) and imported by the hub
 * (`POST /connectors/rpls/v1/imports?mode=upsert` over real HTTP, then merged by its worker).
 * Prints both rates and their ratio (hub / bare COPY), and the ratio of the staging alone (until
 * the 202) to bare COPY. Both read the same bytes: the file is
 * generated once, streamed to a temporary file.
 *
 * Options (environment): BENCH_ROWS (default 500000), BENCH_NODE_ARGS (extra node flags for the
 * hub's processes, e.g. `--cpu-prof`), DATABASE_URL (an admin URL from which a scratch database is
 * made, default local), REDIS_URL (default local), PSQL (default `psql`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { COLUMNS } from '../connectors/rpls/v1/header.ts';
import { rplsFile } from './rpls-file.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 500_000);
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PSQL = process.env.PSQL ?? 'psql';
const ADMIN_TOKEN = randomBytes(24).toString('hex');
const PORT = 18_000 + Math.floor(Math.random() * 1000);

function rate(count: number, ms: number): number {
  return Math.round((count / ms) * 1000);
}

function startHub(env: Record<string, string>, roles: string): ChildProcess {
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  return spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'services/api/main.ts'], {
    env: { ...process.env, ...env, SNE_ROLES: roles },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One HTTP call to the hub; `file` is streamed as the body. */
function call(
  method: string,
  path: string,
  token: string,
  body?: { file: string } | object,
): Promise<{ status: number; json: () => unknown; text: string }> {
  return new Promise((resolve, reject) => {
    const file = body && 'file' in body ? body.file : undefined;
    const json = body && !file ? JSON.stringify(body) : undefined;
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
    } else req.end(json);
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

/** Bare PostgreSQL: `\copy` of the file into a plain table of text columns, timed around psql. */
async function bareCopy(
  databaseUrl: string,
  file: string,
): Promise<{ ms: number; rate: number; copied: number }> {
  await psql(databaseUrl, `CREATE TABLE bench_copy (${COLUMNS.map((c) => `${c} text`).join(', ')})`);
  const start = performance.now();
  await psql(databaseUrl, `\\copy bench_copy FROM '${file}' WITH (FORMAT csv, DELIMITER ';', HEADER true)`);
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

/** The hub: the file POSTed in one request, from the first byte sent to the import `completed`. */
async function hub(
  databaseUrl: string,
  file: string,
): Promise<{ ms: number; rate: number; receiveMs: number; view: ImportView; stored: number }> {
  const env = {
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    SNE_ADMIN_TOKEN: ADMIN_TOKEN,
    SNE_QUEUE_PREFIX: `benchrpls${randomBytes(4).toString('hex')}`,
    PORT: String(PORT),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  };
  const children = [startHub(env, 'api,scheduler')];
  const base = `http://127.0.0.1:${PORT}`;
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    await waitUntil(
      async () => (await fetch(`${base}/health/ready`).catch(() => undefined))?.status === 200,
      'the hub to be ready',
      60_000,
    );
    children.push(startHub(env, 'worker'));
    const created = await call('POST', '/admin/clients', ADMIN_TOKEN, {
      id: 'bench-rpls',
      role: 'rpls',
      organisme: '130005481',
      nom: 'RPLS',
      departements: ['*'],
    });
    if (created.status !== 201 && created.status !== 200) {
      throw new Error(`client refused: ${created.status} ${created.text}`);
    }
    const { token } = created.json() as { token: string };

    const begin = performance.now();
    const reply = await call('POST', '/connectors/rpls/v1/imports?mode=upsert', token, { file });
    const receiveMs = performance.now() - begin;
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
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM logements WHERE statut = 'en-parc'`,
    );
    return { ms, rate: rate(ROWS, ms), receiveMs, view: view as ImportView, stored: Number(rows[0]?.n) };
  } finally {
    for (const child of children) {
      child.kill('SIGTERM');
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    }
    await pool.end();
  }
}

console.log(`bench:rpls — ${ROWS} rows, one CSV file, mode=upsert, 1 worker process`);
const file = join(tmpdir(), `sne-bench-rpls-${randomBytes(4).toString('hex')}.csv`);
const database = `sne_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query(`CREATE DATABASE ${database}`);
const databaseUrl = Object.assign(new URL(ADMIN_URL), { pathname: `/${database}` }).href;
try {
  await pipeline(Readable.from(rplsFile(ROWS)), createWriteStream(file));
  const { size } = await stat(file);
  console.log(`file                               : ${(size / 1024 / 1024).toFixed(1)} MiB (${file})`);
  const bare = await bareCopy(databaseUrl, file);
  console.log(
    `bare PostgreSQL, psql \\copy        : ${bare.rate} rows/s (${(bare.ms / 1000).toFixed(1)} s; ${bare.copied} rows copied)`,
  );
  const result = await hub(databaseUrl, file);
  console.log(
    `hub, POST + merge until completed  : ${result.rate} rows/s (${(result.ms / 1000).toFixed(1)} s; 202 after ${(result.receiveMs / 1000).toFixed(1)} s = ${rate(ROWS, result.receiveMs)} rows/s received; ${result.view.inserted} inserted, ${result.stored} en-parc)`,
  );
  console.log(`ratio hub / bare COPY              : ${(result.rate / bare.rate).toFixed(2)}`);
  // The part this bench's COPY compares with most directly: receiving and staging, until the 202.
  console.log(
    `ratio staged (202) / bare COPY     : ${(rate(ROWS, result.receiveMs) / bare.rate).toFixed(2)}`,
  );
  if (
    bare.copied !== ROWS ||
    result.view.rowsRead !== ROWS ||
    result.view.inserted !== ROWS ||
    result.stored !== ROWS
  ) {
    console.error(
      `expected ${ROWS} rows everywhere: copied ${bare.copied}, read ${result.view.rowsRead}, inserted ${result.view.inserted} (rejected ${result.view.rejected}), stored ${result.stored}`,
    );
    process.exitCode = 1;
  }
} finally {
  await rm(file, { force: true });
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
}
