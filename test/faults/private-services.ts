import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

/**
 * A PostgreSQL and a Redis of the test's own, on free ports, that it may crash, restart and flush
 * without touching the services other tests (or other sessions) use. Built from the server binaries
 * installed on the machine (Debian's `postgresql` and `redis-server` packages).
 */

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

/** The directory of the newest PostgreSQL server binaries, if any. */
function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const version = readdirSync(root)
    .sort((a, b) => Number(a) - Number(b))
    .at(-1);
  const bin = version && path.join(root, version, 'bin');
  return bin && existsSync(path.join(bin, 'pg_ctl')) ? bin : undefined;
}

/**
 * Fails the suite, saying what to install, when this machine lacks what the private services need.
 * The fault suite runs only when asked for (`npm run test:faults`, and `.ci/run`, which installs
 * every prerequisite): it never passes by skipping.
 */
export function requirePrivateServices(suite: string): void {
  const missing = missingPrerequisite();
  if (missing) {
    throw new Error(
      `${suite} cannot run: ${missing}. Install Debian's postgresql and redis-server packages (as .ci/run does).`,
    );
  }
}

function missingPrerequisite(): string | undefined {
  if (!postgresBin()) return 'no PostgreSQL server binaries under /usr/lib/postgresql';
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'no redis-server on the PATH';
  }
  return undefined;
}

export interface PrivatePostgres {
  /** `postgresql://postgres@127.0.0.1:<port>/<database>`. */
  url(database: string): string;
  /** Stops it as a crash would (`immediate`: no checkpoint, recovery from the WAL) and starts it again. */
  crashAndRestart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `initdb` into a temporary directory and start the server (as the `postgres` user when run as root),
 * with `settings` as server options (`max_locks_per_transaction: '10'`).
 */
export async function startPrivatePostgres(settings: Record<string, string> = {}): Promise<PrivatePostgres> {
  const bin = postgresBin();
  if (!bin) throw new Error('no PostgreSQL server binaries');
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'sne-faults-pg-'));
  const data = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) execFileSync('chown', ['postgres:postgres', dir]);
  const run = (tool: string, args: string[]) => {
    const command = asRoot ? 'runuser' : path.join(bin, tool);
    const argv = asRoot ? ['-u', 'postgres', '--', path.join(bin, tool), ...args] : args;
    execFileSync(command, argv, { stdio: 'pipe', cwd: dir });
  };
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const start = () =>
    run('pg_ctl', [
      '-D',
      data,
      '-l',
      path.join(dir, 'server.log'),
      '-w',
      '-o',
      [
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
        ...Object.entries({ max_connections: '200', ...settings }).map(
          ([name, value]) => `-c ${name}=${value}`,
        ),
      ].join(' '),
      'start',
    ]);
  const stop = (mode: 'immediate' | 'fast') => run('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
  start();
  return {
    url: (database) => `postgresql://postgres@127.0.0.1:${port}/${database}`,
    async crashAndRestart() {
      stop('immediate');
      start();
    },
    async stop() {
      try {
        stop('immediate');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export interface PrivateRedis {
  url: string;
  /** FLUSHALL: every queue, job and lock is gone. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/** A `redis-server` child process without persistence. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}/0`;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  client.on('error', () => {});
  for (let tries = 0; ; tries++) {
    try {
      await client.connect();
      await client.ping();
      break;
    } catch (error) {
      if (tries > 50) throw error;
      client.disconnect();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    url,
    async flush() {
      await client.flushall();
    },
    /** Kills it (a second call finds it gone). */
    async stop() {
      client.disconnect();
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
