import fc from 'fast-check';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditFilter, searchAudit } from '../services/api/audit-search.ts';
import { createPool } from '../services/db/pool.ts';
import type { MessageFilter } from '../services/pipeline/ops/message-filter.ts';
import { listMessages } from '../services/pipeline/ops/message-list.ts';
import { createTestDatabase } from './helpers/database.ts';
import { allPages } from './helpers/pages.ts';
import { analyzedRun } from './helpers/plan.ts';

/**
 * GET /ops/messages and GET /ops/audit turn a period's times into bounds of `seq` (or `id`) so that a
 * page walks the index from the period, not from the newest row. The bounds must never lose a row:
 * here the rows' times go backwards a little against their ids (as concurrent transactions make
 * them), some messages change status days after they arrive, and a 45-day silence makes the probes
 * widen their windows. Every period is compared with the rows filtered by hand, page after page.
 */
const ROWS = 400;
const BASE = Date.parse('2026-01-01T00:00:00Z');
const MINUTE = 60_000;
const DAY = 86_400_000;
const GAP_AFTER = 200;
/** Minutes between rows. */
const SPACING = 3;

let database: { url: string; drop(): Promise<void> };
let pool: pg.Pool;

interface Row {
  id: string;
  seq: number;
  client: string;
  status: string;
  received: number;
  updated: number;
}
let messages: Row[];
let audit: { id: string; actor: string; at: number }[];

/**
 * The time of the i-th row: every 3 minutes, up to 10 minutes early (so often before rows with
 * smaller ids), then the silence.
 */
const TIME = `timestamptz '2026-01-01T00:00:00Z' + make_interval(mins => i * ${SPACING} - (i * 7) % 11)
              + CASE WHEN i >= ${GAP_AFTER} THEN interval '45 days' ELSE interval '0' END`;

beforeAll(async () => {
  database = await createTestDatabase();
  pool = createPool({ connectionString: database.url, max: 2 });
  await pool.query(`INSERT INTO clients (id, role, organisme, nom, departements, token_hash)
      VALUES ('c1', 'bailleur', '123456789', 'c1', '{59}', '\\x01'), ('c2', 'bailleur', '123456789', 'c2', '{59}', '\\x02')`);
  await pool.query(
    `INSERT INTO messages (id, client_id, sender_id, system, version, type, status, received_at, updated_at, attempts)
     SELECT gen_random_uuid(), 'c' || (1 + i % 2), 'M-' || i, 'spt', 'v1', 'radiation',
            CASE i % 10 WHEN 0 THEN 'failed' WHEN 1 THEN 'rejected' ELSE 'applied' END,
            ${TIME},
            ${TIME} + CASE WHEN i % 13 = 0 THEN interval '10 days' ELSE interval '1 second' END, 1
       FROM generate_series(0, $1 - 1) i ORDER BY i`,
    [ROWS],
  );
  await pool.query(
    `INSERT INTO audit (actor, action, at)
     SELECT 'ops-' || i % 3, 'message.replay', ${TIME} FROM generate_series(0, $1 - 1) i ORDER BY i`,
    [ROWS],
  );
  await pool.query('ANALYZE messages; ANALYZE audit');
  const read = await pool.query<{
    id: string;
    seq: string;
    client_id: string;
    status: string;
    r: Date;
    u: Date;
  }>('SELECT id, seq, client_id, status, received_at AS r, updated_at AS u FROM messages');
  messages = read.rows.map((m) => ({
    id: m.id,
    seq: Number(m.seq),
    client: m.client_id,
    status: m.status,
    received: m.r.getTime(),
    updated: m.u.getTime(),
  }));
  const lines = await pool.query<{ id: string; actor: string; at: Date }>('SELECT id, actor, at FROM audit');
  audit = lines.rows.map((line) => ({ id: line.id, actor: line.actor, at: line.at.getTime() }));
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

/** Times around and between the rows: before them all, on a row, in the silence, after them all. */
const instant = fc.oneof(
  fc.integer({ min: -30, max: GAP_AFTER + 5 }).map((k) => BASE + k * SPACING * MINUTE),
  fc.integer({ min: 0, max: 44 }).map((d) => BASE + GAP_AFTER * SPACING * MINUTE + d * DAY),
  fc.integer({ min: GAP_AFTER - 5, max: ROWS + 30 }).map((k) => BASE + 45 * DAY + k * SPACING * MINUTE),
  fc.integer({ min: 0, max: 80 * DAY }).map((ms) => BASE + ms),
);
const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const defined = <T extends object>(object: T) =>
  Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;

/** The messages a filter selects, newest first, filtered by hand. */
function selected(times: {
  from?: number;
  to?: number;
  receivedSince?: number;
  receivedUntil?: number;
  status?: string;
  client?: string;
}): string[] {
  return messages
    .filter(
      (m) =>
        (times.from === undefined || m.updated >= times.from) &&
        (times.to === undefined || m.updated < times.to) &&
        (times.receivedSince === undefined || m.received >= times.receivedSince) &&
        (times.receivedUntil === undefined || m.received < times.receivedUntil) &&
        (times.status === undefined || m.status === times.status) &&
        (times.client === undefined || m.client === times.client),
    )
    .sort((a, b) => b.seq - a.seq)
    .map((m) => m.id);
}

/**
 * The properties' seed, fixed: their non-vacuity checks count the filters that select rows, which
 * a random seed would make a matter of chance. Another seed, to explore: FC_SEED=….
 */
const SEED = Number(process.env.FC_SEED ?? 20261202);

describe('a period selects exactly its rows, page after page', () => {
  it('GET /ops/messages', async () => {
    let nonEmpty = 0;
    const filters = fc.record({
      from: maybe(instant),
      to: maybe(instant),
      receivedSince: maybe(instant),
      receivedUntil: maybe(instant),
      status: maybe(fc.constantFrom('failed' as const, 'applied' as const)),
      client: maybe(fc.constantFrom('c1', 'c2')),
    });
    await fc.assert(
      fc.asyncProperty(filters, fc.integer({ min: 5, max: 60 }), async (times, limit) => {
        const filter: MessageFilter = defined({
          ...times,
          from: iso(times.from),
          to: iso(times.to),
          receivedSince: iso(times.receivedSince),
          receivedUntil: iso(times.receivedUntil),
        });
        const expected = selected(times);
        if (expected.length > 0) nonEmpty++;
        const listed = await allPages(
          (page) => listMessages(pool, filter, { limit, ...page }),
          (item) => item.messageId,
        );
        expect(listed).toEqual(expected);
      }),
      { numRuns: 150, seed: SEED },
    );
    // About one filter in five selects something (7 to 17 in 60 runs, measured): not a vacuous property.
    expect(nonEmpty).toBeGreaterThanOrEqual(8);
  });

  it('GET /ops/messages, messages received long before a period of updates and changed in it', async () => {
    // Rows 0, 13, 26… of the first 200 changed status ten days after they arrived: only the part
    // read below `split` finds them, the walk above it finding nothing of the period.
    const times = { from: BASE + 5 * DAY, to: BASE + 12 * DAY };
    const expected = selected(times);
    expect(expected).toHaveLength(16);
    const filter = { from: iso(times.from), to: iso(times.to) } as MessageFilter;
    const listed = await allPages(
      (page) => listMessages(pool, filter, { limit: 5, ...page }),
      (item) => item.messageId,
    );
    expect(listed).toEqual(expected);
  });

  it('GET /ops/audit', async () => {
    let nonEmpty = 0;
    const filters = fc.record({
      from: maybe(instant),
      to: maybe(instant),
      actor: maybe(fc.constantFrom('ops-0', 'ops-2')),
    });
    await fc.assert(
      fc.asyncProperty(filters, fc.integer({ min: 5, max: 60 }), async (times, limit) => {
        const filter: AuditFilter = defined({ ...times, from: iso(times.from), to: iso(times.to) });
        const expected = audit
          .filter(
            (line) =>
              (times.from === undefined || line.at >= times.from) &&
              (times.to === undefined || line.at < times.to) &&
              (times.actor === undefined || line.actor === times.actor),
          )
          .sort((a, b) => Number(b.id) - Number(a.id))
          .map((line) => line.id);
        if (expected.length > 0) nonEmpty++;
        const listed = await allPages(
          (page) => searchAudit(pool, filter, { limit, ...page }),
          (line) => line.id,
        );
        expect(listed).toEqual(expected);
      }),
      { numRuns: 60, seed: SEED },
    );
    // About one filter in two selects something (18 to 24 in 40 runs, measured).
    expect(nonEmpty).toBeGreaterThanOrEqual(10);
  });
});

describe('a page of a period in the past reads about its own rows, not every later one', () => {
  // Row 60's time: 340 rows come after it; the hour of slack past it holds 20.
  const past = new Date(BASE + 60 * SPACING * MINUTE).toISOString();
  const cases: [string, MessageFilter][] = [
    ['to only', { to: past }],
    ['receivedUntil only', { receivedUntil: past }],
    ['a closed period of updates', { from: new Date(BASE).toISOString(), to: past }],
    ['a closed period of arrivals', { receivedSince: new Date(BASE).toISOString(), receivedUntil: past }],
  ];
  it.each(cases)('messages, %s', async (_label, filter) => {
    const { rowsRemoved, plan, result } = await analyzedRun(pool, (db) =>
      listMessages(db, filter, { limit: 10 }),
    );
    expect(rowsRemoved, plan).toBeLessThanOrEqual(30);
    expect(result.items).toHaveLength(10);
  });

  it('the last page of a closed period of arrivals stops at its start', async () => {
    const filter = {
      receivedSince: new Date(BASE + 300 * SPACING * MINUTE + 45 * DAY).toISOString(),
      receivedUntil: new Date(BASE + 310 * SPACING * MINUTE + 45 * DAY).toISOString(),
    };
    const { rowsRemoved, plan, result } = await analyzedRun(pool, (db) =>
      listMessages(db, filter, { limit: 100 }),
    );
    // The hour of slack on each side: about 40 rows. Without the lower bound: the 300 rows before.
    expect(rowsRemoved, plan).toBeLessThanOrEqual(50);
    expect(result.items.map((item) => item.messageId)).toEqual(
      selected({
        receivedSince: Date.parse(filter.receivedSince),
        receivedUntil: Date.parse(filter.receivedUntil),
      }),
    );
  });

  it('audit, to only', async () => {
    const { rowsRemoved, plan, result } = await analyzedRun(pool, (db) =>
      searchAudit(db, { to: past }, { limit: 10 }),
    );
    expect(rowsRemoved, plan).toBeLessThanOrEqual(30);
    expect(result.items).toHaveLength(10);
  });
});
