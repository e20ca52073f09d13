import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = 'services/api/main.ts';
/** Enough of a child's output to explain a failure; older output is dropped. */
const OUTPUT_KEPT = 64 * 1024;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A hub process (`node --import tsx services/api/main.ts`) started by a test. */
export interface HubProcess {
  readonly pid: number;
  /** The last 64 KiB of its stdout and stderr, to print when a test fails. */
  output(): string;
  /** Resolves once the process logged `sne-hub started` (needs LOG_LEVEL info or finer). */
  ready(timeoutMs?: number): Promise<void>;
  /** Sends SIGKILL (no draining, as in a crash) and waits for the exit. */
  kill(): Promise<Exit>;
  /** Sends SIGTERM (the hub drains), waits for the exit; SIGKILL if it takes longer than `timeoutMs`. */
  stop(timeoutMs?: number): Promise<Exit>;
  readonly exited: Promise<Exit>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

export interface HubProcessOptions {
  /** The child's LOG_LEVEL, whatever `env` says; `ready()` needs `info` or finer. Default `info`. */
  logLevel?: string;
}

/**
 * Starts the hub's entry as a child process with exactly `env` (plus PATH, HOME and TMPDIR), its
 * output piped and kept rather than printed. Call `stopAllHubProcesses()` in `afterAll` so that a
 * failing test leaves no child behind.
 */
export function startHubProcess(env: Record<string, string>, options: HubProcessOptions = {}): HubProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
    cwd: ROOT,
    env: {
      ...pick(process.env, ['PATH', 'HOME', 'TMPDIR']),
      ...env,
      LOG_LEVEL: options.logLevel ?? 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('the hub process could not be spawned');
  running.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Last resort if the test runner exits without running afterAll: no orphan workers.
    process.once('exit', () => {
      for (const c of running) c.kill('SIGKILL');
    });
  }

  let output = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const onData = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_KEPT);
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(output)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);

  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });

  const waitFor = (pattern: RegExp, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      if (pattern.test(output)) return resolve();
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1);
        reject(new Error(`hub process ${child.pid} did not log ${pattern} in ${timeoutMs} ms:\n${output}`));
      }, timeoutMs);
      const waiter = {
        pattern,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      waiters.push(waiter);
      void exited.then((exit) => {
        clearTimeout(timer);
        reject(new Error(`hub process ${child.pid} exited (${JSON.stringify(exit)}):\n${output}`));
      });
    });

  const signal = async (name: NodeJS.Signals): Promise<Exit> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    return exited;
  };

  return {
    pid: child.pid,
    output: () => output,
    ready: (timeoutMs = 20_000) => waitFor(/"msg":"sne-hub started"/, timeoutMs),
    kill: () => signal('SIGKILL'),
    async stop(timeoutMs = 15_000) {
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await signal('SIGTERM');
      } finally {
        clearTimeout(timer);
      }
    },
    exited,
  };
}

/** Kills (SIGKILL) every hub process still running and waits for their exits. */
export async function stopAllHubProcesses(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

function pick(env: NodeJS.ProcessEnv, keys: string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const key of keys) {
    const value = env[key];
    if (value !== undefined) picked[key] = value;
  }
  return picked;
}
