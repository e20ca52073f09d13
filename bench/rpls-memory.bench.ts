/**
 * `npm run bench:rpls-memory`: "streamed, never held whole in memory", measured. For 100,000 and
 * 1,000,000 rows (RPLS_MEMORY_ROWS sets the larger; the smaller is a tenth of it), a hub in a
 * child process (all roles, one process) imports a file generated on the fly over real HTTP
 * (`mode=snapshot`), and the bench prints the hub's peak resident memory (VmHWM, Linux) with the
 * time to receive and to merge. Ten times the rows should not take more memory.
 *
 * The hub's V8 heap is capped (`--max-old-space-size=96`): the figure then shows what the import
 * keeps alive, not how lazily V8 collects (uncapped, V8 grows its heap under a high allocation
 * rate instead of collecting: 216 MiB at 100k rows, 322 MiB at 1M). A hub that held the file
 * (70 MB for 1M rows, more as strings) would die under the cap.
 *
 * Options (environment): RPLS_MEMORY_ROWS (default 1000000), DATABASE_URL (an admin URL from which
 * scratch databases are made, default local), REDIS_URL (default local). Exits 1 if an import
 * does not store every row.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import pg from 'pg';
import { dropScratchQueues, scratchQueuePrefix } from './pipeline/scratch-queues.ts';
import { rplsFile } from './rpls-file.ts';

const LARGE = Number(process.env.RPLS_MEMORY_ROWS ?? 1_000_000);
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN_TOKEN = randomBytes(24).toString('hex');
const PORT = 19_000 + Math.floor(Math.random() * 1000);

/** Peak resident memory of a process so far, MiB. */
function peakMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
  return Number(line?.[1]) / 1024;
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One HTTP call to the hub; a stream body is piped as CSV. */
function call(
  method: string,
  path: string,
  token: string,
  body?: Readable | object,
): Promise<{ status: number; text: string; json: () => unknown }> {
  return new Promise((resolve, reject) => {
    const stream = body instanceof Readable ? body : undefined;
    const json = body && !stream ? JSON.stringify(body) : undefined;
    const req = request(
      {
        host: '127.0.0.1',
        port: PORT,
        method,
        path,
        headers: {
          authorization: `Bearer ${token}`,
          ...(stream ? { 'content-type': 'text/csv; charset=utf-8' } : {}),
          ...(json ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, json: () => JSON.parse(text) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (stream) stream.pipe(req);
    else req.end(json);
  });
}

interface Measure {
  rows: number;
  idle: number;
  peak: number;
  receiveMs: number;
  mergeMs: number;
  stored: number;
  status: string;
}

/** One import of `rows` rows into a fresh database and a fresh hub process. */
async function measure(rows: number): Promise<Measure> {
  const database = `sne_bench_mem_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const databaseUrl = Object.assign(new URL(ADMIN_URL), { pathname: `/${database}` }).href;
  const queuePrefix = scratchQueuePrefix('mem');
  let hub: ChildProcess | undefined;
  try {
    hub = spawn(process.execPath, ['--import', 'tsx', 'services/api/main.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        REDIS_URL,
        SNE_ADMIN_TOKEN: ADMIN_TOKEN,
        SNE_QUEUE_PREFIX: queuePrefix,
        PORT: String(PORT),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        NODE_OPTIONS: '--max-old-space-size=96',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const pid = hub.pid as number;
    await waitUntil(
      async () =>
        (await fetch(`http://127.0.0.1:${PORT}/health/ready`).catch(() => undefined))?.status === 200,
      'the hub to be ready',
      60_000,
    );
    const created = await call('POST', '/admin/clients', ADMIN_TOKEN, {
      id: 'bench-rpls',
      role: 'rpls',
      organisme: '130005481',
      nom: 'RPLS',
      departements: ['*'],
    });
    if (created.status !== 201) throw new Error(`client refused: ${created.status} ${created.text}`);
    const { token } = created.json() as { token: string };

    const idle = peakMiB(pid);
    const begin = performance.now();
    const reply = await call(
      'POST',
      '/connectors/rpls/v1/imports?mode=snapshot',
      token,
      Readable.from(rplsFile(rows)),
    );
    const receiveMs = performance.now() - begin;
    if (reply.status !== 202) throw new Error(`file refused: ${reply.status} ${reply.text}`);
    const { importId } = reply.json() as { importId: string };
    let status = 'running';
    await waitUntil(async () => {
      const polled = await call('GET', `/connectors/rpls/v1/imports/${importId}`, token);
      status = (polled.json() as { status: string }).status;
      return status !== 'running';
    }, 'the import to finish');
    const mergeMs = performance.now() - begin - receiveMs;
    const peak = peakMiB(pid);
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    const counted = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM logements WHERE statut = 'en-parc'`,
    );
    await pool.end();
    return { rows, idle, peak, receiveMs, mergeMs, stored: Number(counted.rows[0]?.n), status };
  } finally {
    if (hub && hub.exitCode === null && hub.signalCode === null) {
      hub.kill('SIGTERM');
      await once(hub, 'exit');
    }
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
    await dropScratchQueues(REDIS_URL, queuePrefix);
  }
}

console.log(
  'bench:rpls-memory — peak resident memory of a hub process importing an RPLS file (V8 heap capped at 96 MiB)',
);
const results: Measure[] = [];
for (const rows of [Math.round(LARGE / 10), LARGE]) {
  const r = await measure(rows);
  results.push(r);
  console.log(
    `${String(rows).padStart(9)} rows: peak ${r.peak.toFixed(0)} MiB (idle ${r.idle.toFixed(0)} MiB), ` +
      `received in ${(r.receiveMs / 1000).toFixed(1)} s, merged in ${(r.mergeMs / 1000).toFixed(1)} s, ` +
      `${r.stored} stored, import ${r.status}`,
  );
  if (r.status !== 'completed' || r.stored !== rows) process.exitCode = 1;
}
const [small, large] = results as [Measure, Measure];
console.log(`growth for ten times the rows: ${(large.peak - small.peak).toFixed(0)} MiB`);
