/**
 * Where a lot's milliseconds go: a copy of the hub's path for an SPT v2 lot, run in this process,
 * lot after lot, with each step timed — XML parse, transport to contract JSON, schema validation,
 * mapping to a command, the intake's transaction (the 202), the apply job's transaction. Every SQL
 * statement sent through `pg` is timed too (by patching `pg.Client.prototype.query` in this process
 * only), so that the intake and the apply split into their statements, the commit (fsync), the
 * events' advisory lock and insert, and the JavaScript around them; and how long each apply held
 * EVENTS_LOCK, which every apply queues behind, and a numéro counter's row, which an apply holds
 * to its commit only when it had to draw its numbers inside its own transaction (no pool
 * connection free: migration 016). HTTP (Fastify, auth, the receipt's serialisation) is not in the
 * copy: it is the hub's rate minus this.
 *
 * And the WAL those lots wrote, per message and per table or index (`pg_walinspect`, PostgreSQL ≥ 15,
 * read by the admin URL's superuser): every byte of it is written, flushed at a commit, and later
 * checkpointed and archived, so it is the part of PostgreSQL's work that the timings share with
 * everything else on the server. Skipped, with a line saying so, where the extension is missing.
 */
import { randomBytes } from 'node:crypto';
import type { Job } from 'bullmq';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadContract } from '../../connectors/spt/contract.ts';
import { withRights } from '../../connectors/spt/rights.ts';
import { toCommand } from '../../connectors/spt/v2/mapper.ts';
import { V2_MESSAGE_TYPES, type V2Message } from '../../connectors/spt/v2/messages.ts';
import { toContractJson, V2_DIALECT } from '../../connectors/spt/v2/transport.ts';
import { createXmlReader } from '../../connectors/spt/xml-document.ts';
import { insertClient, newToken } from '../../services/api/clients.ts';
import type { Actor } from '../../services/core/actor.ts';
import { todayInParis } from '../../services/core/dates.ts';
import { migrate } from '../../services/db/migrate.ts';
import { createPool } from '../../services/db/pool.ts';
import { createApplyProcessor } from '../../services/pipeline/apply-worker.ts';
import type { InboundMessage } from '../../services/pipeline/inbound.ts';
import { PgIntake } from '../../services/pipeline/intake.ts';
import { APPLY_QUEUE, type ApplyJobData } from '../../services/pipeline/queues.ts';
import { createScratchDatabase, dropScratchDatabase } from './scratch-database.ts';

/** Milliseconds summed per step over every profiled lot. */
export type Spans = Map<string, number>;

export interface LotProfile {
  lots: number;
  messages: number;
  applied: number;
  /** Step → total ms over all lots, in the order steps were first met. */
  spans: Spans;
  /** Total ms the apply transactions held EVENTS_LOCK. */
  eventsLockHeldMs: number;
  /** Total ms they held a numéro counter's row (drawn inside: every enregistrement of its département and month waits). */
  countersLockHeldMs: number;
  /** The WAL the profiled lots wrote; a sentence instead where it could not be read. */
  wal: WalProfile | string;
}

export interface WalProfile {
  bytes: number;
  /** Per relation of the database (a table, an index, a TOAST table), the largest first. */
  relations: { relation: string; records: number; bytes: number; kinds: string }[];
}

const contract = loadContract(new URL('../../contracts/spt/v2/', import.meta.url), V2_MESSAGE_TYPES);

/** The phase SQL statements are counted under while it runs; undefined: not counted. */
let phase: 'intake' | 'apply' | undefined;
const sqlSpans: Spans = new Map();
/** Total ms the apply held EVENTS_LOCK (from the start of the INSERT that takes it to the end of COMMIT; a wait for the lock counts): a cap on every apply. */
let eventsLockHeldMs = 0;
let eventsLockSince: number | undefined;
/** The same for the numéro counters' rows, when drawn inside the apply's transaction (locked until the COMMIT). */
let countersLockHeldMs = 0;
let countersLockSince: number | undefined;

function add(spans: Spans, key: string, ms: number): void {
  spans.set(key, (spans.get(key) ?? 0) + ms);
}

/** A statement's name in the breakdown: its first words, or what it is for. */
function statementName(text: string): string {
  const sql = text.replace(/\s+/g, ' ').trim();
  if (sql === 'BEGIN' || sql === 'COMMIT' || sql === 'ROLLBACK') return sql;
  if (sql.includes('pg_advisory_xact_lock') && sql.includes('INSERT INTO events'))
    return 'events: EVENTS_LOCK and INSERT INTO events';
  if (sql.includes('INSERT INTO numero_blocs') && sql.includes('set_config'))
    return 'numéros: drawn outside (a transaction of their own)';
  if (sql.includes('INSERT INTO numero_sequences'))
    return 'numéro counters: drawn inside (locked to the COMMIT)';
  if (sql.includes('DELETE FROM numero_blocs')) return 'numéros: free ones taken';
  if (sql.includes('INSERT INTO message_attempts') && sql.includes('UPDATE messages m'))
    return 'outcomes: UPDATE messages + INSERT INTO message_attempts';
  return sql.slice(0, 60);
}

let patched = false;
function timeEveryStatement(): void {
  if (patched) return;
  patched = true;
  const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  (pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (
    this: pg.Client,
    ...args: unknown[]
  ) {
    const first = args[0] as string | { text?: string } | undefined;
    const text = typeof first === 'string' ? first : (first?.text ?? '');
    const counted = phase;
    const start = performance.now();
    const name = statementName(text);
    const callback = args.at(-1);
    if (counted && typeof callback === 'function') {
      // pg.Pool#query passes a callback: time it to the callback.
      args[args.length - 1] = (...results: unknown[]) => {
        record();
        return (callback as (...a: unknown[]) => unknown)(...results);
      };
    }
    const result = original.apply(this, args);
    if (!counted || !(result instanceof Promise)) return result;
    return result.then(
      (value) => {
        record();
        return value;
      },
      (error) => {
        record();
        throw error;
      },
    );
    function record() {
      const end = performance.now();
      add(sqlSpans, `${counted as string} SQL · ${name}`, end - start);
      // The statement takes the lock first: held from about its start.
      if (name.startsWith('events: EVENTS_LOCK')) eventsLockSince ??= start;
      if (name.startsWith('numéro counters:')) countersLockSince ??= end;
      if (name === 'COMMIT' || name === 'ROLLBACK') {
        if (eventsLockSince !== undefined) eventsLockHeldMs += end - eventsLockSince;
        if (countersLockSince !== undefined) countersLockHeldMs += end - countersLockSince;
        eventsLockSince = undefined;
        countersLockSince = undefined;
      }
    }
  };
}

/**
 * Runs `lots` through the copied path in a scratch database made from `adminUrl`; drops it after.
 * The first lot is a warm-up, not counted: pass one more than you want measured.
 */
export async function profileLots(options: {
  adminUrl: string;
  redisUrl: string;
  lots: string[];
}): Promise<LotProfile> {
  timeEveryStatement();
  sqlSpans.clear();
  eventsLockHeldMs = 0;
  countersLockHeldMs = 0;
  const spans: Spans = new Map();
  const database = await createScratchDatabase(options.adminUrl, 'sne_bench_profile');
  const pool = createPool({ connectionString: database.url, max: 4 });
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue<ApplyJobData>(APPLY_QUEUE, {
    connection,
    prefix: `benchprofile${randomBytes(4).toString('hex')}`,
  });
  const silent = { warn() {} };
  try {
    await migrate(pool);
    const actor: Actor = {
      clientId: 'bench-bailleur',
      role: 'bailleur',
      organisme: '123456789',
      departements: ['59'],
      codeGuichet: 'BE59A',
    };
    await insertClient(
      pool,
      {
        id: actor.clientId,
        role: 'bailleur',
        organisme: actor.organisme,
        nom: 'Bench',
        departements: ['59'],
        codeGuichet: 'BE59A',
        communes: [],
      },
      newToken().hash,
    );
    const reader = createXmlReader(V2_DIALECT);
    const intake = new PgIntake(pool, queue, silent);
    const apply = createApplyProcessor({
      pool,
      queue,
      today: () => todayInParis(),
      deferDelayMs: 100,
      log: silent,
    });
    let messages = 0;
    let applied = 0;
    let wal: WalWatch | string = 'no lot profiled';
    for (const [index, lot] of options.lots.entries()) {
      const body = Buffer.from(lot);
      let t = performance.now();
      const lap = (step: string) => {
        const now = performance.now();
        add(spans, step, now - t);
        t = now;
      };
      const elements = reader.readLot(body, 'application/xml').messages;
      lap('decode: XML lot → elements (encoding, XMLValidator, scan, content)');
      const inbound: InboundMessage[] = [];
      // The steps of connectors/spt/v2/decode.ts, one at a time over the lot (its rank check is left out: a loop over ≤ 10 communes).
      const transported = elements.map((element) => ({ raw: element.raw, result: toContractJson(element) }));
      lap('decode: XML element → contract JSON');
      const valid: { raw: string; id: string; type: string; json: unknown }[] = [];
      for (const { raw, result } of transported) {
        if ('errors' in result) {
          inbound.push({ id: result.id, type: result.type, raw, errors: result.errors });
          continue;
        }
        const errors = contract.validate(result.type, result.json);
        if (errors.length > 0) inbound.push({ id: result.id, type: result.type, raw, errors });
        else valid.push({ raw, ...result });
      }
      lap('validate: JSON Schema (ajv)');
      for (const { raw, id, type, json } of valid) {
        const command = toCommand({ type, body: json } as unknown as V2Message);
        inbound.push(withRights(actor, { id, type, raw, command }));
      }
      lap('map: contract JSON → command, rights');
      phase = 'intake';
      const receipt = await intake.acceptLot({ actor, system: 'spt', version: 'v2', messages: inbound });
      phase = undefined;
      lap('intake: transaction + queue add (the 202)');
      const messageIds = receipt.messages.filter((m) => m.status === 'accepted').map((m) => m.messageId);
      messages += receipt.received;
      phase = 'apply';
      const job = {
        data: { messageIds },
        attemptsMade: 0,
        opts: { attempts: 1 },
      } as unknown as Job<ApplyJobData>;
      const report = await apply(job);
      phase = undefined;
      lap('apply: job (claim, rules, save, events, outcomes)');
      applied += report.applied;
      if (index === 0) {
        // The first lot warms the JIT and the caches up (contract compilation, plans): not counted.
        spans.clear();
        sqlSpans.clear();
        eventsLockHeldMs = 0;
        countersLockHeldMs = 0;
        messages = 0;
        applied = 0;
        wal = await watchWal(database.url);
      }
    }
    // The SQL inside intake and apply, beside them (they are part of those totals).
    for (const [key, ms] of sqlSpans) add(spans, key, ms);
    return {
      lots: options.lots.length - 1,
      messages,
      applied,
      spans,
      eventsLockHeldMs,
      countersLockHeldMs,
      wal: typeof wal === 'string' ? wal : await wal.read(),
    };
  } finally {
    phase = undefined;
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    await connection.quit();
    await pool.end();
    await dropScratchDatabase(options.adminUrl, database.name);
  }
}

interface WalWatch {
  /** The WAL written since the watch began, by relation of the database; ends the watch. */
  read(): Promise<WalProfile | string>;
}

/**
 * Starts counting the WAL from now: a temporary replication slot (dropped with its session) keeps
 * the segments until they are read, whatever checkpoint comes meanwhile. A sentence instead of a
 * watch where that is not possible (no pg_walinspect, not a superuser).
 */
async function watchWal(databaseUrl: string): Promise<WalWatch | string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_walinspect');
    await client.query('SELECT pg_create_physical_replication_slot($1, true, true)', [
      `sne_bench_wal_${randomBytes(4).toString('hex')}`,
    ]);
  } catch (error) {
    await client.end();
    return `not read (${(error as Error).message})`;
  }
  const { rows } = await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  const start = rows[0]?.lsn;
  return {
    async read() {
      try {
        // A record's relation is its first block's (`blkref #0: rel spc/db/filenode …`); the server's
        // other databases' records and those without a block (commits) are summed apart.
        const { rows: relations } = await client.query<WalProfile['relations'][number]>(
          `WITH r AS (
             SELECT resource_manager || '/' || record_type AS kind, record_length + fpi_length AS bytes,
                    substring(block_ref from 'rel \\d+/(\\d+/\\d+)') AS file
               FROM pg_get_wal_records_info($1::pg_lsn, pg_current_wal_lsn())),
           ours AS (
             SELECT (SELECT oid FROM pg_database WHERE datname = current_database()) || '/' ||
                    pg_relation_filenode(c.oid) AS file, c.relname
               FROM pg_class c WHERE pg_relation_filenode(c.oid) IS NOT NULL),
           per_kind AS (
             SELECT coalesce(ours.relname, CASE WHEN r.file IS NULL THEN '(no relation: commits, …)'
                                                ELSE '(other databases, the catalogue)' END) AS relation,
                    kind, count(*) AS records, sum(bytes) AS bytes
               FROM r LEFT JOIN ours USING (file) GROUP BY 1, 2)
           SELECT relation, sum(records)::int AS records, sum(bytes)::float8 AS bytes,
                  string_agg(kind || ' ×' || records, ', ' ORDER BY bytes DESC) AS kinds
             FROM per_kind GROUP BY relation ORDER BY bytes DESC`,
          [start],
        );
        return { bytes: relations.reduce((sum, r) => sum + r.bytes, 0), relations };
      } catch (error) {
        return `not read (${(error as Error).message})`;
      } finally {
        await client.end();
      }
    },
  };
}

/** Relations shown in the WAL profile, the largest first (the rest summed on one line). */
const SHOWN_RELATIONS = Number(process.env.BENCH_WAL_RELATIONS ?? 16);

/** The WAL profile as lines: bytes and records per message, per relation. */
function formatWal(wal: WalProfile | string, messages: number): string[] {
  if (typeof wal === 'string') return [`WAL per message: ${wal}`];
  // One line: bytes and records per message, then what they belong to.
  const line = (bytes: number, records: number, what: string) =>
    `  ${(bytes / messages).toFixed(0).padStart(6)} B ${(records / messages).toFixed(2).padStart(5)} records  ${what}`;
  const lines = [
    `WAL per message: ${(wal.bytes / messages).toFixed(0)} bytes (pg_walinspect over the profiled lots), by relation:`,
  ];
  for (const r of wal.relations.slice(0, SHOWN_RELATIONS))
    lines.push(line(r.bytes, r.records, `${r.relation}: ${r.kinds}`));
  const rest = wal.relations.slice(SHOWN_RELATIONS);
  if (rest.length > 0)
    lines.push(
      line(
        rest.reduce((sum, r) => sum + r.bytes, 0),
        rest.reduce((sum, r) => sum + r.records, 0),
        `(${rest.length} other relations)`,
      ),
    );
  return lines;
}

/** Statements shown per phase, the longest first (the rest summed on one line); BENCH_PROFILE_STATEMENTS. */
const SHOWN_STATEMENTS = Number(process.env.BENCH_PROFILE_STATEMENTS ?? 8);

/** The breakdown as lines: per lot ms and share of the copied path; SQL lines indented under their phase. */
export function formatProfile(profile: LotProfile): string[] {
  const perLot = (ms: number) => (ms / profile.lots).toFixed(1).padStart(7);
  const steps = [...profile.spans].filter(([key]) => !key.includes(' SQL · '));
  const total = steps.reduce((sum, [, ms]) => sum + ms, 0);
  const lines = [
    `profile: ${profile.lots} lots, ${profile.messages} messages (${profile.applied} applied), ms per lot of ${Math.round(profile.messages / profile.lots)}:`,
  ];
  for (const [step, ms] of steps) {
    lines.push(`  ${perLot(ms)} ms ${((ms / total) * 100).toFixed(0).padStart(3)} %  ${step}`);
    const phaseName = step.split(':')[0];
    const sql = [...profile.spans]
      .filter(([key]) => key.startsWith(`${phaseName} SQL · `))
      .sort((a, b) => b[1] - a[1]);
    // The events' statements are always shown; the rest, the eight longest.
    const shown = sql.filter(([key], i) => i < SHOWN_STATEMENTS || key.includes('· events:'));
    const others = sql.filter((entry) => !shown.includes(entry));
    if (sql.length === 0) continue;
    const sqlTotal = sql.reduce((sum, [, v]) => sum + v, 0);
    for (const [key, v] of shown) lines.push(`        ${perLot(v)} ms       ${key.split(' SQL · ')[1]}`);
    if (others.length > 0)
      lines.push(
        `        ${perLot(others.reduce((sum, [, v]) => sum + v, 0))} ms       (${others.length} other statements)`,
      );
    lines.push(`        ${perLot(ms - sqlTotal)} ms       JavaScript and waits outside SQL`);
    if (phaseName === 'apply') {
      lines.push(
        `        ${perLot(profile.eventsLockHeldMs)} ms       of it holding EVENTS_LOCK (its INSERT, which takes it first, → end of COMMIT; a wait for it included)`,
      );
      lines.push(
        `        ${perLot(profile.countersLockHeldMs)} ms       of it holding a numéro counter (drawn inside → end of COMMIT)`,
      );
    }
  }
  lines.push(
    `  ${perLot(total)} ms       the copied path; ${Math.round((profile.messages / total) * 1000)} messages/s if nothing overlapped`,
  );
  lines.push(...formatWal(profile.wal, profile.messages));
  return lines;
}
