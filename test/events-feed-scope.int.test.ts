import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Actor } from '../services/core/actor.ts';
import {
  type EventSummary,
  parseSummary,
  readFeed as readFeedPage,
  scopeOf,
  scopeParts,
  summaryInScope,
} from '../services/pipeline/events.ts';
import { createTestDatabase } from './helpers/database.ts';
import { provision, readFeed, startTestHub, type TestHub, waitForMessagesDone } from './helpers/hub.ts';
import { planOf } from './helpers/plan.ts';
import { enregistrement, type LotReply, lot, postLot, sendLot } from './helpers/spt.ts';

/**
 * The feed's cursor moves over what a client cannot see, without ever skipping what it can; a
 * long-poll wakes only for its scope, and the notification's summary agrees with scopeOf.
 */
const DESIGNATION = 'fr.sne.designation.creee.v1';
/** More départements than a région has: the feed walks the log instead of merging one range each. */
const MANY_DEPARTEMENTS = [
  '59',
  '62',
  ...Array.from({ length: 12 }, (_, i) => String(i + 1).padStart(2, '0')),
];
const COMMUNES: Record<string, string> = { '59': '59350', '62': '62041', '75': '75056' };

let hub: TestHub;
const tokens: Record<string, string> = {};

let serial = 0;
function enregistrements(departement: string, count: number): string[] {
  return Array.from({ length: count }, () => {
    const id = `S${++serial}`;
    return enregistrement({ id, nom: `Nom${id}`, departement, communes: [COMMUNES[departement] as string] });
  });
}

const headOfLog = async () =>
  (await hub.pool.query<{ head: string }>('SELECT max(sequence)::text AS head FROM events')).rows[0]?.head;

beforeAll(async () => {
  hub = await startTestHub({ env: { SNE_WORKER_CONCURRENCY: '4' } });
  for (const departement of ['59', '62', '75']) {
    tokens[departement] = await provision(hub.app, {
      id: `guichet-${departement}`,
      role: 'guichet',
      codeGuichet: `GU${departement}A`,
      departements: [departement],
    });
  }
  tokens.operator = await provision(hub.app, { id: 'ops', role: 'operator', departements: ['*'] });
});

afterAll(async () => {
  await hub?.close();
});

describe('the feed cursor', () => {
  it('moves a client that sees 1 event in N to the head, and the next poll starts there', async () => {
    await sendLot(hub.app, tokens['75'] as string, ...enregistrements('75', 1));
    await sendLot(hub.app, tokens['59'] as string, ...enregistrements('59', 120));
    const head = (await headOfLog()) as string;

    const first = await readFeed(hub.app, tokens['75'] as string, '?limit=50');
    expect(first.events).toHaveLength(1);
    expect(first.events[0]?.subject.slice(0, 3)).toBe('075');
    expect(BigInt(first.next)).toBe(BigInt(head));
    expect(BigInt(first.next)).toBeGreaterThan(BigInt(first.events[0]?.sequence as string));

    // Nothing new for 75: the cursor still follows the head, and an event of 75 is found from there.
    await sendLot(hub.app, tokens['59'] as string, ...enregistrements('59', 10));
    const second = await readFeed(hub.app, tokens['75'] as string, `?limit=50&after=${first.next}`);
    expect(second.events).toEqual([]);
    expect(BigInt(second.next)).toBe(BigInt((await headOfLog()) as string));
    await sendLot(hub.app, tokens['75'] as string, ...enregistrements('75', 1));
    const third = await readFeed(hub.app, tokens['75'] as string, `?limit=50&after=${second.next}`);
    expect(third.events.map((e) => e.subject.slice(0, 3))).toEqual(['075']);
    expect(third.next).toBe(third.events[0]?.sequence);

    // A full page ends at its last event, even when the log goes further.
    const full = await readFeed(hub.app, tokens.operator as string, '?limit=5');
    expect(full.events).toHaveLength(5);
    expect(full.next).toBe(full.events[4]?.sequence);
  });

  it('skips no event of its scope while events commit concurrently (at least once)', async () => {
    const readers = ['59', '75'];
    const seen: Record<string, string[]> = { '59': [], '75': [] };
    const cursors: Record<string, string> = { '59': '0', '75': '0' };
    let jumps = 0;
    const pollOnce = async (departement: string) => {
      const page = await readFeed(
        hub.app,
        tokens[departement] as string,
        `?limit=3&after=${cursors[departement]}`,
      );
      seen[departement]?.push(...page.events.map((e) => e.sequence));
      const last = page.events.at(-1)?.sequence ?? cursors[departement];
      if (page.next !== last) jumps++;
      expect(BigInt(page.next)).toBeGreaterThanOrEqual(BigInt(cursors[departement] as string));
      cursors[departement] = page.next;
      return page.events.length;
    };

    // Writers: lots of 1 to 4 enregistrements in three départements, 6 in flight, applied by 4 jobs at once.
    const messageIds: string[] = [];
    let writing = true;
    const plan = Array.from({ length: 90 }, (_, i) => ({
      departement: ['59', '62', '75'][i % 3] as string,
      count: (i % 4) + 1,
    }));
    const writer = async () => {
      for (let spec = plan.shift(); spec; spec = plan.shift()) {
        const reply = await postLot(
          hub.app,
          tokens[spec.departement] as string,
          lot(...enregistrements(spec.departement, spec.count)),
        );
        expect(reply.statusCode, reply.body).toBe(202);
        messageIds.push(...reply.json<LotReply>().messages.map((m) => m.messageId));
      }
    };
    const writers = Promise.all(Array.from({ length: 6 }, writer)).then(async () => {
      await waitForMessagesDone(hub.pool, messageIds);
      writing = false;
    });
    const reader = async (departement: string) => {
      while (writing) await pollOnce(departement);
      while ((await pollOnce(departement)) > 0);
    };
    await Promise.all([writers, ...readers.map(reader)]);

    for (const departement of readers) {
      const actor: Actor = {
        clientId: `guichet-${departement}`,
        role: 'guichet',
        organisme: '123456789',
        departements: [departement],
      };
      const scope = scopeOf(actor, 1);
      const { rows } = await hub.pool.query<{ sequence: string }>(
        `SELECT lpad(e.sequence::text, 12, '0') AS sequence FROM events e WHERE ${scope.sql} ORDER BY e.sequence`,
        scope.params,
      );
      const visible = rows.map((r) => r.sequence);
      expect(visible.length).toBeGreaterThan(60);
      expect(seen[departement], departement).toEqual(visible);
    }
    // The cursors did move over events of other départements.
    expect(jumps).toBeGreaterThan(0);
  });
});

describe('long polling', () => {
  it('does not wake a reader of 75 for events of 59, and wakes it for an event of 75', async () => {
    const feedQueries = vi.fn();
    const query = hub.app.pg.query.bind(hub.app.pg);
    const spy = vi.spyOn(hub.app.pg, 'query').mockImplementation(((text: unknown, ...rest: unknown[]) => {
      const sql = typeof text === 'string' ? text : '';
      if (sql.includes('AS head FROM events) h') && rest[0] && (rest[0] as unknown[]).length === 3) {
        feedQueries((rest[0] as unknown[])[2]);
      }
      return (query as (...args: unknown[]) => unknown)(text, ...rest);
    }) as typeof hub.app.pg.query);
    try {
      // Warm-up: once a 59 reader is answered by a commit, the process's listener is connected.
      const warm = readFeed(
        hub.app,
        tokens['59'] as string,
        `?after=${(await headOfLog()) as string}&wait=20`,
      );
      await sendLot(hub.app, tokens['59'] as string, ...enregistrements('59', 1));
      expect((await warm).events).toHaveLength(1);

      const { next } = await readFeed(
        hub.app,
        tokens['75'] as string,
        `?after=${(await headOfLog()) as string}`,
      );
      const countFor75 = () => feedQueries.mock.calls.filter(([departement]) => departement === '75').length;
      const before = countFor75();
      const waiting75 = readFeed(hub.app, tokens['75'] as string, `?after=${next}&wait=25`);
      await vi.waitFor(() => expect(countFor75()).toBe(before + 1));

      // Events of 59: a 59 reader waiting beside it is woken by the same notification, the 75 one is not.
      for (let round = 0; round < 3; round++) {
        const head = (await headOfLog()) as string;
        const waiting59 = readFeed(hub.app, tokens['59'] as string, `?after=${head}&wait=20`);
        await sendLot(hub.app, tokens['59'] as string, ...enregistrements('59', 2));
        expect((await waiting59).events).toHaveLength(2);
      }
      expect(countFor75()).toBe(before + 1);

      await sendLot(hub.app, tokens['75'] as string, ...enregistrements('75', 1));
      const page = await waiting75;
      expect(page.events.map((e) => e.subject.slice(0, 3))).toEqual(['075']);
      expect(countFor75()).toBe(before + 2);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('the notification summary', () => {
  const actors: Actor[] = [
    { clientId: 'ops', role: 'operator', organisme: '111111111', departements: ['*'] },
    { clientId: 'portail', role: 'pgp', organisme: '111111111', departements: ['*'] },
    { clientId: 'g59', role: 'guichet', organisme: '111111111', departements: ['59'] },
    { clientId: 'g-all', role: 'guichet', organisme: '111111111', departements: ['*'] },
    { clientId: 'b59', role: 'bailleur', organisme: '222222222', departements: ['59', '62'] },
    { clientId: 'd59', role: 'dalo', organisme: '333333333', departements: ['59'] },
    { clientId: 'd-all', role: 'dalo', organisme: '333333333', departements: ['*'] },
    { clientId: 'p59', role: 'contingent', organisme: '444444444', departements: ['59'] },
    { clientId: 'p75', role: 'contingent', organisme: '444444444', departements: ['75'] },
    { clientId: 'p-two', role: 'contingent', organisme: '444444444', departements: ['59', '62'] },
    { clientId: 'g-many', role: 'guichet', organisme: '111111111', departements: MANY_DEPARTEMENTS },
    { clientId: 'rpls', role: 'rpls', organisme: '555555555', departements: ['*'] },
  ];
  type Row = {
    type: string;
    departement: string | null;
    dalo?: string;
    prioritaire?: boolean;
    bailleur?: string;
    client?: string;
  };
  const demande = 'fr.sne.demande.modifiee.v1';
  const rows: Row[] = [
    { type: demande, departement: '59' },
    { type: demande, departement: '62' },
    { type: demande, departement: '75' },
    { type: demande, departement: null },
    { type: demande, departement: '59', dalo: 'favorable' },
    { type: demande, departement: '59', dalo: 'prioritaire-urgent' },
    { type: demande, departement: '75', dalo: 'prioritaire-urgent' },
    { type: demande, departement: '59', prioritaire: true },
    { type: demande, departement: '62', prioritaire: true, dalo: 'rejet' },
    { type: DESIGNATION, departement: '59', bailleur: '222222222', client: 'p75' },
    { type: DESIGNATION, departement: '75', bailleur: '999999999', client: 'p59' },
    { type: DESIGNATION, departement: '59', bailleur: '999999999', client: 'other', prioritaire: true },
  ];
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let writer: pg.Client;
  let listener: pg.Client;
  const payloads: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    writer = new pg.Client({ connectionString: database.url });
    listener = new pg.Client({ connectionString: database.url });
    await Promise.all([writer.connect(), listener.connect()]);
    listener.on('notification', (message) => payloads.push(message.payload ?? ''));
    await listener.query('LISTEN sne_events');
  });

  afterAll(async () => {
    await writer?.end();
    await listener?.end();
    await database?.drop();
  });

  /** Inserts rows in one statement; returns their sequences and the summary notified. */
  async function insert(batch: Row[]): Promise<{ sequences: string[]; payload: string }> {
    const count = payloads.length;
    const { rows: inserted } = await writer.query<{ sequence: string }>(
      `INSERT INTO events (id, type, subject, departement, data, dalo_decision, prioritaire, bailleur, client_id)
       SELECT gen_random_uuid(), r.type, 'x', r.departement, '{}', r.dalo, coalesce(r.prioritaire, false), r.bailleur, r.client
         FROM jsonb_to_recordset($1::jsonb) AS r(type text, departement text, dalo text, prioritaire boolean,
           bailleur text, client text)
       RETURNING sequence`,
      [JSON.stringify(batch)],
    );
    await vi.waitFor(() => expect(payloads.length).toBe(count + 1));
    return { sequences: inserted.map((r) => r.sequence), payload: payloads[count] as string };
  }

  async function sqlSees(actor: Actor, sequences: string[]): Promise<boolean> {
    const scope = scopeOf(actor, 2);
    const { rows } = await writer.query(
      `SELECT 1 FROM events e WHERE e.sequence = ANY($1::bigint[]) AND ${scope.sql}`,
      [sequences, ...scope.params],
    );
    return rows.length > 0;
  }

  it('wakes exactly the actors whose scope holds one of the events (a table against scopeOf)', async () => {
    const disagreements: string[] = [];
    let woken = 0;
    for (const row of rows) {
      const { sequences, payload } = await insert([row]);
      const summary = parseSummary(payload);
      expect(summary, payload).toBeDefined();
      for (const actor of actors) {
        const sql = await sqlSees(actor, sequences);
        const wakes = summaryInScope(actor, summary);
        if (wakes) woken++;
        if (sql !== wakes)
          disagreements.push(`${actor.clientId} ${JSON.stringify(row)}: sql ${sql}, summary ${wakes}`);
      }
    }
    expect(disagreements).toEqual([]);
    expect(woken).toBeGreaterThan(actors.length);
    expect(woken).toBeLessThan(actors.length * rows.length);

    // One statement of several rows: an actor wakes when any of them is in its scope.
    for (const batch of [rows.slice(0, 3), rows.slice(4, 7), rows.slice(9)]) {
      const { sequences, payload } = await insert(batch);
      for (const actor of actors) {
        expect(summaryInScope(actor, parseSummary(payload)), actor.clientId).toBe(
          await sqlSees(actor, sequences),
        );
      }
    }
  });

  it('wakes everyone when the summary would not fit in a notification', async () => {
    const many: Row[] = Array.from({ length: 800 }, (_, i) => ({
      type: DESIGNATION,
      departement: '59',
      bailleur: String(100_000_000 + i),
      client: 'someone',
    }));
    const { payload } = await insert(many);
    expect(payload).toBe('');
    const summary: EventSummary | undefined = parseSummary(payload);
    expect(summary).toBeUndefined();
    for (const actor of actors.filter((a) => a.role !== 'rpls'))
      expect(summaryInScope(actor, summary)).toBe(true);
  });

  it('the feed, merging one range per département, reads exactly what scopeOf selects, page after page', async () => {
    // Clients of no département too (the admin route refuses them, a hand-made row might not).
    const noDepartement: Actor[] = [
      { clientId: 'g-none', role: 'guichet', organisme: '111111111', departements: [] },
      { clientId: 'b-none', role: 'bailleur', organisme: '222222222', departements: [] },
    ];
    for (const actor of [...actors, ...noDepartement]) {
      const scope = scopeOf(actor, 1);
      const { rows: expected } = await writer.query<{ sequence: string }>(
        `SELECT e.sequence FROM events e WHERE ${scope.sql} ORDER BY e.sequence`,
        scope.params,
      );
      const read: string[] = [];
      let after = '0';
      for (;;) {
        const page = await readFeedPage(writer, actor, after, 2);
        read.push(...page.events.map((event) => String(BigInt(event.sequence))));
        after = page.next;
        if (page.events.length < 2) break;
      }
      expect(read, actor.clientId).toEqual(expected.map((row) => row.sequence));
      // The events of the tests above: every actor but the RPLS registry sees some.
      if (actor.role !== 'rpls' && actor.clientId !== 'g-none')
        expect(read.length, actor.clientId).toBeGreaterThan(0);
    }
  });

  it('reads a client of a few départements through one index range each, merged in order', async () => {
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    try {
      for (const actor of actors.filter((a) => ['b59', 'd59', 'p-two'].includes(a.clientId))) {
        const plan = await planOf(pool, (db) => readFeedPage(db, actor, '0', 100));
        // d59's scope is one range: nothing to merge.
        if (actor.clientId !== 'd59') expect(plan, actor.clientId).toMatch(/Merge Append/);
        expect(plan, actor.clientId).toMatch(/Index Cond: \(\(departement = /);
        expect(plan, actor.clientId).not.toMatch(/ANY/);
      }
      expect(scopeParts(actors.find((a) => a.clientId === 'g-many') as Actor, 1)).toHaveLength(1);
    } finally {
      await pool.end();
    }
  });
});
