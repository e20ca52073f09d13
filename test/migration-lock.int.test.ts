import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { LOCK_KEYS } from '../services/db/lock-keys.ts';
import { migrationNames } from '../services/db/migrate.ts';
import { ADMIN_TOKEN } from './helpers/hub.ts';
import { startHubProcess, stopAllHubProcesses } from './helpers/processes.ts';
import { waitFor } from './helpers/wait.ts';

/**
 * Every hub process applies the migrations at its start, one process at a time: the first holds a
 * session's advisory lock while the others wait for it. A process that freezes there (SIGSTOP, a
 * paused machine, a lost network) must not hold the others' start for ever: its session's idle
 * timeouts (SNE_PG_IDLE_IN_TRANSACTION_MS) end it, the lock is freed, the next process migrates, and
 * the frozen one, thawed, migrates again (nothing left to do) and starts.
 */
const IDLE_MS = 1000;
const database = `sne_test_migrate_${randomBytes(6).toString('hex')}`;
const adminUrl = inject('postgresAdminUrl');
const databaseUrl = Object.assign(new URL(adminUrl), { pathname: `/${database}` }).href;
const env = {
  DATABASE_URL: databaseUrl,
  REDIS_URL: inject('redisUrl'),
  SNE_ADMIN_TOKEN: ADMIN_TOKEN,
  SNE_QUEUE_PREFIX: `m${randomBytes(5).toString('hex')}`,
  SNE_ROLES: 'worker',
  SNE_PG_IDLE_IN_TRANSACTION_MS: String(IDLE_MS),
};
const admin = new pg.Pool({ connectionString: adminUrl, max: 1 });

afterAll(async () => {
  await stopAllHubProcesses();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
});

/** The backend pid of the session holding the migration lock in this test's database, if any. */
async function migrationLockHolder(): Promise<number | undefined> {
  const { rows } = await admin.query<{ pid: number }>(
    `SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database
      WHERE l.locktype = 'advisory' AND l.granted AND d.datname = $1
        AND l.objsubid = 1 AND (l.classid::bigint << 32 | l.objid::bigint) = $2`,
    [database, LOCK_KEYS.migration],
  );
  return rows[0]?.pid;
}

describe('a process frozen while it migrates', () => {
  it('loses the migration lock: the next process migrates and starts, and the frozen one starts once thawed', async () => {
    const first = startHubProcess(env);
    // Frozen as soon as it holds the lock: the migrations of an empty database take seconds.
    const holder = await waitFor(migrationLockHolder, 60_000, 'the first process to hold the migration lock');
    process.kill(first.pid, 'SIGSTOP');
    try {
      const second = startHubProcess(env);
      // Without the idle timeouts the second process waits for the lock as long as the first is frozen.
      await second.ready(30_000);
      const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE pid = $1', [
        holder,
      ]);
      expect(rows).toEqual([]);
    } finally {
      process.kill(first.pid, 'SIGCONT');
    }
    await first.ready(30_000);
    expect(first.output()).toMatch(/PostgreSQL unavailable, trying again/);

    const migrated = new pg.Client({ connectionString: databaseUrl });
    await migrated.connect();
    try {
      const applied = await migrated.query<{ name: string }>(
        'SELECT name FROM schema_migrations ORDER BY name',
      );
      expect(applied.rows.map((r) => r.name)).toEqual(await migrationNames());
    } finally {
      await migrated.end();
    }
  }, 120_000);
});
