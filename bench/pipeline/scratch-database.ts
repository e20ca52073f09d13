/**
 * Scratch databases for the pipeline bench. Each admin statement runs on a connection of its own,
 * opened and closed around it: on the shared PostgreSQL another session may terminate idle
 * connections, and a long-held admin connection would then crash the bench with an unhandled error.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

async function asAdmin<R extends pg.QueryResultRow = pg.QueryResultRow>(
  adminUrl: string,
  sql: string,
): Promise<R[]> {
  const admin = new pg.Client({ connectionString: adminUrl });
  admin.on('error', () => {});
  await admin.connect();
  try {
    return (await admin.query<R>(sql)).rows;
  } finally {
    await admin.end();
  }
}

/** Creates a database named `<prefix>_<random>` and returns its URL (the admin URL with its path). */
export async function createScratchDatabase(
  adminUrl: string,
  prefix: string,
): Promise<{ name: string; url: string }> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await asAdmin(adminUrl, `CREATE DATABASE ${name}`);
  return { name, url: Object.assign(new URL(adminUrl), { pathname: `/${name}` }).href };
}

/** Drops a scratch database, closing whatever connections it still has. */
export async function dropScratchDatabase(adminUrl: string, name: string): Promise<void> {
  await asAdmin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/**
 * Starts a measured run from a checkpoint: every dirty buffer written, so a run does not pay for the
 * writes of what came before it (a template copied, an earlier run), and the first change of each
 * page after it writes a full-page image to the WAL in every run alike. Returns the number of
 * checkpoints the server has made so far, to count those that fall inside the run
 * (`checkpointsSince`); a role not allowed to CHECKPOINT just counts them.
 */
export async function startFromCheckpoint(adminUrl: string): Promise<number> {
  await asAdmin(adminUrl, 'CHECKPOINT').catch((error: Error) =>
    console.warn(`CHECKPOINT refused (${error.message}): the run starts wherever the server is`),
  );
  return checkpointsSoFar(adminUrl);
}

/** Checkpoints the server made since `before` (timed ones and those the WAL's volume asked for). */
export async function checkpointsSince(adminUrl: string, before: number): Promise<number> {
  return (await checkpointsSoFar(adminUrl)) - before;
}

async function checkpointsSoFar(adminUrl: string): Promise<number> {
  const [row] = await asAdmin<{ n: string }>(
    adminUrl,
    'SELECT checkpoints_timed + checkpoints_req AS n FROM pg_stat_bgwriter',
  );
  return Number(row?.n ?? 0);
}
