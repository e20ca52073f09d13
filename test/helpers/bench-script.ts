import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { inject } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * Runs a bench script (`bench/<name>.bench.ts`) to its end against the tests' PostgreSQL and
 * Redis, with `env` added; returns its exit code and its whole output (stdout and stderr).
 * No kill on a timer: a bench that hangs fails at vitest's timeout, which is what such a test checks.
 */
export async function runBenchScript(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: inject('postgresAdminUrl'), REDIS_URL: inject('redisUrl'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}
