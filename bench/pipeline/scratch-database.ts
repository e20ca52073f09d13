/**
 * Scratch databases for the pipeline bench. Each admin statement runs on a connection of its own,
 * opened and closed around it: on the shared PostgreSQL another session may terminate idle
 * connections, and a long-held admin connection would then crash the bench with an unhandled error.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

async function asAdmin(adminUrl: string, sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  admin.on('error', () => {});
  await admin.connect();
  try {
    await admin.query(sql);
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
