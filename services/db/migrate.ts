import { readdir, readFile } from 'node:fs/promises';
import type { Pool } from 'pg';
import { LOCK_KEYS } from './lock-keys.ts';
import { limitIdleSession } from './pool.ts';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
/** Only one process migrates a database at a time. */
const MIGRATION_LOCK = LOCK_KEYS.migration;

/** The migration files, in the order they apply (their names start with a number). */
export async function migrationNames(): Promise<string[]> {
  const files = await readdir(MIGRATIONS_DIR);
  return files.filter((f) => f.endsWith('.sql')).sort();
}

/**
 * Applies the migrations not yet applied, each in its own transaction. Returns their names. The
 * migration lock is a session's: with the pool's idle timeouts (`prepareDatabase`), a process that
 * freezes while migrating loses its session and the lock, and the processes waiting at their start
 * go on; the frozen one, thawed, finds its connection lost and migrates again (nothing left to do).
 */
export async function migrate(pool: Pool): Promise<string[]> {
  const client = await pool.connect();
  let idleMs = 0;
  try {
    idleMs = await limitIdleSession(client, pool);
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set(
      (await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name),
    );
    const applied: string[] = [];
    for (const name of await migrationNames()) {
      if (done.has(name)) continue;
      const sql = await readFile(new URL(name, MIGRATIONS_DIR), 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${name} failed: ${(error as Error).message}`);
      }
      applied.push(name);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    // With its idle timeout set, the connection is not given back to the pool.
    client.release(idleMs > 0);
  }
}

/** True when every migration file has been applied (the readiness probe asks). */
export async function migrationsApplied(pool: Pool): Promise<boolean> {
  const names = await migrationNames();
  const { rows } = await pool.query<{ count: string }>(
    `SELECT count(*) FROM schema_migrations WHERE name = ANY($1)`,
    [names],
  );
  return Number(rows[0]?.count) === names.length;
}
