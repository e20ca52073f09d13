/**
 * The floor under the hub's writes, for `bench:pipeline`: the rows a hub run left in the registry,
 * written again by bare PostgreSQL into an empty database of the same schema (the same tables,
 * indexes and triggers), each table by one `COPY … FROM STDIN (FORMAT binary)`, two tables at a
 * time on two connections (the machine's two cores). That is the least PostgreSQL can do to hold
 * what the hub holds after applying the messages: each row written once, in its final state, in
 * bulk. The hub writes more (each message twice: accepted, then its outcome; its ordering keys, in
 * and out), reads (idempotency, doublons, ordering), makes round trips, answers HTTP and moves
 * queue jobs: the ratio hub / floor is what all of that costs together.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { migrate } from '../../services/db/migrate.ts';
import { createPool } from '../../services/db/pool.ts';
import { createScratchDatabase, dropScratchDatabase, startFromCheckpoint } from './scratch-database.ts';

/**
 * What the hub writes itself, in two lanes of about the same size, one per connection; each lane in
 * order, for the foreign keys (`clients` first: `lots` refers to it; `demandes` before `events`).
 * The other tables the hub fills (the infocentre's, the metrics', `infocentre_saisies`) are filled
 * by these tables' triggers, here as in the hub.
 */
const LANES = [
  ['clients', 'demandes', 'events', 'lots'],
  ['message_payloads', 'messages', 'demande_historique', 'message_attempts'],
];

export interface ExportedRows {
  dir: string;
  /** Each table's columns (stored ones: a generated column is computed again), in file order. */
  tables: { table: string; columns: string[]; file: string }[];
}

/** Writes the registry's rows of the database at `databaseUrl` to files in a temporary directory. */
export async function exportRows(databaseUrl: string): Promise<ExportedRows> {
  const dir = await mkdtemp(join(tmpdir(), 'sne-bench-floor-'));
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const tables: ExportedRows['tables'] = [];
    for (const table of LANES.flat()) {
      const { rows } = await client.query<{ name: string }>(
        `SELECT quote_ident(attname) AS name FROM pg_attribute
          WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
          ORDER BY attnum`,
        [table],
      );
      const columns = rows.map((r) => r.name);
      const file = join(dir, `${table}.copy`);
      await pipeline(
        client.query(copyTo(`COPY ${table} (${columns.join(', ')}) TO STDOUT (FORMAT binary)`)),
        createWriteStream(file),
      );
      tables.push({ table, columns, file });
    }
    return { dir, tables };
  } finally {
    await client.end();
  }
}

/** `COPY`s the exported rows into a new database of the same schema; the time from the first row to the last commit. */
export async function copyFloor(
  adminUrl: string,
  exported: ExportedRows,
): Promise<{ ms: number; rows: number }> {
  const { name, url } = await createScratchDatabase(adminUrl, 'sne_bench_floor');
  const pool = createPool({ connectionString: url, max: 2 });
  try {
    await migrate(pool);
    await startFromCheckpoint(adminUrl);
    let rows = 0;
    const copier = async (lane: string[]) => {
      const client = await pool.connect();
      try {
        for (const { table, columns, file } of exported.tables.filter((t) => lane.includes(t.table))) {
          const copy = client.query(
            copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN (FORMAT binary)`),
          );
          await pipeline(createReadStream(file), copy);
          rows += copy.rowCount ?? 0;
        }
      } finally {
        client.release();
      }
    };
    const begin = performance.now();
    await Promise.all(LANES.map(copier));
    return { ms: performance.now() - begin, rows };
  } finally {
    await pool.end();
    await dropScratchDatabase(adminUrl, name);
  }
}

export async function removeExport(exported: ExportedRows): Promise<void> {
  await rm(exported.dir, { recursive: true, force: true });
}
