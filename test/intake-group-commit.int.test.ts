import { type Job, Queue } from 'bullmq';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../services/core/actor.ts';
import type { Command } from '../services/core/commands.ts';
import { todayInParis } from '../services/core/dates.ts';
import { type ApplyReport, createApplyProcessor } from '../services/pipeline/apply-worker.ts';
import type { LotReceipt, LotSubmission } from '../services/pipeline/inbound.ts';
import { DEFAULT_GROUP_LIMITS, type GroupLimits, PgIntake } from '../services/pipeline/intake.ts';
import { findLot } from '../services/pipeline/message-queries.ts';
import { APPLY_QUEUE, type ApplyJobData } from '../services/pipeline/queues.ts';
import { reconcile } from '../services/pipeline/reconciler.ts';
import { startWorkers } from '../services/pipeline/workers.ts';
import { askedWhile } from './helpers/asked-queue.ts';
import { inscription } from './helpers/commands.ts';
import { provision, startTestHub, type TestHub, waitForMessagesDone } from './helpers/hub.ts';
import { startTcpProxy } from './helpers/tcp-proxy.ts';

/**
 * Group commit at intake (services/pipeline/intake.ts): single submissions that arrive while a
 * group is being stored share the next group's transaction and its one apply job. The workers are
 * driven by hand here, so that what a group's job holds is the test's to see.
 */
let hub: TestHub;
const today = todayInParis();
const guichet: Actor = {
  clientId: 'mairie-lille',
  role: 'guichet',
  organisme: '123456789',
  departements: ['59'],
  codeGuichet: 'ML59A',
};
const portail: Actor = {
  clientId: 'portail',
  role: 'pgp',
  organisme: '130005009',
  departements: ['59'],
  codeGuichet: 'GDPUB',
};
const quiet = { warn: () => {} };
let counter = 0;

beforeAll(async () => {
  hub = await startTestHub({ workers: false });
  await provision(hub.app, { id: guichet.clientId, role: 'guichet', codeGuichet: 'ML59A' });
  await provision(hub.app, {
    id: portail.clientId,
    role: 'pgp',
    codeGuichet: 'GDPUB',
    organisme: '130005009',
  });
});

afterAll(async () => {
  await hub?.close();
});

function intake(limits: Partial<GroupLimits> = {}, queue = hub.infrastructure.applyQueue, waitMs = 1000) {
  return new PgIntake(hub.pool, queue, quiet, waitMs, { ...DEFAULT_GROUP_LIMITS, ...limits });
}

/** A single-message submission, as the portail's route hands one to the intake. */
function single(command: Command, actor: Actor = guichet, id = `grp-${++counter}`): LotSubmission {
  return {
    actor,
    system: 'test',
    version: 'v1',
    messages: [{ id, type: command.type, raw: JSON.stringify(command), command }],
  };
}

async function rowsOf(receipts: LotReceipt[]) {
  const { rows } = await hub.pool.query<{
    id: string;
    lot_id: string;
    client_id: string;
    status: string;
    seq: string;
    job_id: string | null;
    /** The transaction that stored it: one per group. */
    tx: string;
  }>(
    'SELECT id, lot_id, client_id, status, seq, job_id, xmin::text AS tx FROM messages WHERE id = ANY($1::uuid[]) ORDER BY seq',
    [receipts.flatMap((r) => r.messages.map((m) => m.messageId))],
  );
  return rows;
}

function apply(messageIds: string[]): Promise<ApplyReport> {
  const processor = createApplyProcessor({
    pool: hub.pool,
    queue: hub.infrastructure.applyQueue,
    today: () => today,
    deferDelayMs: 100,
  });
  return processor({
    data: { messageIds },
    opts: { attempts: 8 },
    attemptsMade: 0,
  } as unknown as Job<ApplyJobData>);
}

describe('concurrent single submissions', () => {
  it('are committed in shared transactions, each caller with its own receipt and lot, their messages in few apply jobs', async () => {
    const group = intake({ maxMessages: 8, maxJobMessages: 20 });
    const submissions = Array.from({ length: 40 }, (_, i) =>
      single(inscription(`Groupe${i}`), i % 2 === 0 ? guichet : portail),
    );
    const receipts = await Promise.all(submissions.map((s) => group.acceptLot(s)));
    // No worker here: the first job still waits, so every later group is held for the next job until now.
    await group.close();

    expect(receipts).toHaveLength(40);
    receipts.forEach((receipt, i) => {
      expect(receipt).toMatchObject({ received: 1, accepted: 1, rejected: 0 });
      expect(receipt.messages[0]).toMatchObject({ id: submissions[i]?.messages[0]?.id, status: 'accepted' });
    });
    const rows = await rowsOf(receipts);
    expect(rows).toHaveLength(40);
    expect(rows.every((r) => r.status === 'accepted')).toBe(true);
    // Each caller its own lot, of its own client.
    expect(new Set(rows.map((r) => r.lot_id)).size).toBe(40);
    const { rows: lots } = await hub.pool.query<{ client_id: string; n: number }>(
      'SELECT client_id, count(*)::int AS n FROM lots WHERE id = ANY($1::uuid[]) GROUP BY client_id ORDER BY client_id',
      [receipts.map((r) => r.lotId)],
    );
    expect(lots).toEqual([
      { client_id: 'mairie-lille', n: 20 },
      { client_id: 'portail', n: 20 },
    ]);
    // The first is stored alone (an idle intake waits for no one); the others in groups of 8 at most.
    const byTx = new Map<string, number>();
    for (const row of rows) byTx.set(row.tx, (byTx.get(row.tx) ?? 0) + 1);
    expect(byTx.get(rows[0]?.tx ?? '')).toBe(1);
    expect(byTx.size).toBeGreaterThanOrEqual(Math.ceil(39 / 8) + 1);
    expect(byTx.size).toBeLessThan(40);
    expect([...byTx.values()].every((n) => n <= 8)).toBe(true);
    // Acceptance order is arrival order, across groups too.
    expect(rows.map((r) => r.id)).toEqual(receipts.map((r) => r.messages[0]?.messageId));
    // The first message's job waits (no worker), so the groups after it are held and queued together,
    // up to their bound: fewer jobs than groups, none over 20 held + a group of 8.
    const byJob = new Map<string, string[]>();
    for (const row of rows) byJob.set(row.job_id ?? '', [...(byJob.get(row.job_id ?? '') ?? []), row.id]);
    expect(byJob.get(rows[0]?.job_id ?? '')).toHaveLength(1);
    expect(byJob.size).toBeLessThan(byTx.size);
    expect([...byJob.values()].every((ids) => ids.length < 28)).toBe(true);
    for (const [jobId, ids] of byJob) {
      const job = await hub.infrastructure.applyQueue.getJob(jobId);
      expect(job?.data.messageIds.sort()).toEqual([...ids].sort());
    }
    const report = await apply(rows.map((r) => r.id));
    expect(report).toEqual({ applied: 40, failed: 0, deferred: 0 });
  });

  it('are bounded by bytes too', async () => {
    const group = intake({ maxBytes: 1 });
    const receipts = await Promise.all(
      Array.from({ length: 6 }, (_, i) => group.acceptLot(single(inscription(`Octets${i}`)))),
    );
    await group.close();
    const rows = await rowsOf(receipts);
    // A group always takes one submission, whatever its size; over the bound, no more.
    expect(new Set(rows.map((r) => r.tx)).size).toBe(6);
  });

  it('keep per-demande order across a group: a modification sent after its enregistrement applies after it', async () => {
    const group = intake();
    const first = group.acceptLot(single(inscription('Amorce')));
    const [enregistrement, modification] = [
      group.acceptLot(single(inscription('Ordre', { referenceGuichet: 'GRP-R1' }))),
      group.acceptLot(
        single({
          type: 'modification',
          demande: { referenceGuichet: 'GRP-R1' },
          changes: { typologie: 'T4' },
        }),
      ),
    ];
    const receipts = await Promise.all([first, enregistrement, modification]);
    await group.close();
    const rows = await rowsOf(receipts);
    const [, enr, mod] = receipts.map((r) => rows.find((row) => row.id === r.messages[0]?.messageId));
    // Both in the second group, the enregistrement first.
    expect(enr?.tx).toBe(mod?.tx);
    expect(enr?.job_id).toBe(mod?.job_id);
    expect(enr?.job_id).toMatch(/^group-/);
    expect(BigInt(enr?.seq ?? 0)).toBeLessThan(BigInt(mod?.seq ?? 0));
    const { rows: keys } = await hub.pool.query<{ key: string; message_id: string }>(
      'SELECT key, message_id FROM pending_keys WHERE key = $1 ORDER BY seq',
      [`ref:${guichet.organisme}:GRP-R1`],
    );
    expect(keys.map((k) => k.message_id)).toEqual([enr?.id, mod?.id]);
    // The modification alone waits for the enregistrement; together they apply in order.
    expect(await apply([mod?.id ?? ''])).toEqual({ applied: 0, failed: 0, deferred: 1 });
    expect(await apply([enr?.id ?? '', mod?.id ?? ''])).toEqual({ applied: 2, failed: 0, deferred: 0 });
    const { rows: demande } = await hub.pool.query<{ typologie: string }>(
      'SELECT typologie FROM demandes WHERE organisme = $1 AND reference_guichet = $2',
      [guichet.organisme, 'GRP-R1'],
    );
    expect(demande).toEqual([{ typologie: 'T4' }]);
  });

  it('are idempotent inside one group: the same id and content is one message, another content a conflict', async () => {
    const group = intake();
    const command = inscription('Double');
    const first = group.acceptLot(single(inscription('Amorce2')));
    const same = [
      group.acceptLot(single(command, guichet, 'GRP-DUP')),
      group.acceptLot(single(command, guichet, 'GRP-DUP')),
      group.acceptLot(single(inscription('Autre'), guichet, 'GRP-DUP')),
      // Another client's id is its own.
      group.acceptLot(single(command, portail, 'GRP-DUP')),
    ];
    const [, original, again, conflict, other] = await Promise.all([first, ...same]);
    await group.close();
    expect(original?.messages[0]?.status).toBe('accepted');
    expect(again?.messages[0]).toEqual({
      id: 'GRP-DUP',
      messageId: original?.messages[0]?.messageId,
      status: 'accepted',
    });
    expect(conflict?.messages[0]).toMatchObject({
      status: 'rejected',
      errors: [{ code: 'IDEMPOTENCY_CONFLICT' }],
    });
    expect(other?.messages[0]?.status).toBe('accepted');
    expect(other?.messages[0]?.messageId).not.toBe(original?.messages[0]?.messageId);
    const { rows } = await hub.pool.query<{
      client_id: string;
      status: string;
      job_id: string | null;
      tx: string;
    }>(
      `SELECT client_id, status, job_id, xmin::text AS tx FROM messages WHERE sender_id = 'GRP-DUP' ORDER BY seq`,
    );
    // The conflict is stored once the group's messages are (it may yet be a message stored before).
    expect(rows.map((r) => [r.client_id, r.status])).toEqual([
      ['mairie-lille', 'accepted'],
      ['portail', 'accepted'],
      ['mairie-lille', 'rejected'],
    ]);
    // The accepted ones in one group's transaction and job (the rejected one carries no job).
    expect(rows[1]?.tx).toBe(rows[0]?.tx);
    expect(rows[0]?.job_id).toMatch(/^group-/);
    expect(rows[1]?.job_id).toBe(rows[0]?.job_id);
    expect(rows[2]?.job_id).toBeNull();
    // Sent again later, alone: still the same message.
    const later = await intake().acceptLot(single(command, guichet, 'GRP-DUP'));
    expect(later.messages[0]?.messageId).toBe(original?.messages[0]?.messageId);
  });

  it('answer ids already stored from what is stored: no lookup before the insert, the unique index turns them away', async () => {
    const command = inscription('Deja');
    const stored = await intake().acceptLot(single(command, guichet, 'GRP-STORED'));
    const storedId = stored.messages[0]?.messageId;
    const group = intake();
    const [again, twice, conflict, fresh] = await Promise.all([
      group.acceptLot(single(command, guichet, 'GRP-STORED')),
      // The same again in the same group: the duplicate of a message the index turned away.
      group.acceptLot(single(command, guichet, 'GRP-STORED')),
      group.acceptLot(single(inscription('Autrement'), guichet, 'GRP-STORED')),
      group.acceptLot(single(inscription('Nouveau'), guichet, 'GRP-FRESH')),
    ]);
    await group.close();
    expect(again?.messages[0]).toEqual({ id: 'GRP-STORED', messageId: storedId, status: 'accepted' });
    expect(twice?.messages[0]).toEqual({ id: 'GRP-STORED', messageId: storedId, status: 'accepted' });
    expect(conflict?.messages[0]).toMatchObject({
      id: 'GRP-STORED',
      status: 'rejected',
      errors: [{ code: 'IDEMPOTENCY_CONFLICT', message: expect.stringContaining(storedId as string) }],
    });
    expect(fresh?.messages[0]?.status).toBe('accepted');
    const { rows } = await hub.pool.query<{
      id: string;
      status: string;
      lot_id: string;
      code: string | null;
      message: string | null;
    }>(
      `SELECT id, status, lot_id, error->>'code' AS code, error->>'message' AS message FROM messages
        WHERE sender_id IN ('GRP-STORED', 'GRP-FRESH') ORDER BY seq`,
    );
    expect(rows.map((r) => [r.status, r.code])).toEqual([
      ['accepted', null],
      ['accepted', null],
      ['rejected', 'IDEMPOTENCY_CONFLICT'],
    ]);
    // The conflict is kept in the lot it came with, under the id its receipt gave.
    expect(rows[2]).toMatchObject({
      id: conflict?.messages[0]?.messageId,
      lot_id: conflict?.lotId,
      message: expect.stringContaining(storedId as string),
    });
    // Pending keys only for the message stored anew (the one turned away never was).
    const keys = await hub.pool.query(
      'SELECT message_id FROM pending_keys WHERE message_id = ANY($1::uuid[])',
      [rows.map((r) => r.id)],
    );
    expect(keys.rows.map((k) => k.message_id).sort()).toEqual(
      [storedId, fresh?.messages[0]?.messageId].sort(),
    );
  });

  it('store a lot sent twice at once one time: both receipts name the same messages', async () => {
    const messages = Array.from({ length: DEFAULT_GROUP_LIMITS.soloAbove + 10 }, (_, i) => {
      const command = inscription(`Jumeau${i}`);
      return { id: `TWIN-${i}`, type: command.type, raw: JSON.stringify(command), command };
    });
    const lot: LotSubmission = { actor: guichet, system: 'test', version: 'v1', messages };
    const [first, second] = await Promise.all([intake().acceptLot(lot), intake().acceptLot(lot)]);
    expect(second?.messages).toEqual(first?.messages);
    expect(first?.lotId).not.toBe(second?.lotId);
    const { rows } = await hub.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM messages WHERE sender_id LIKE 'TWIN-%' AND status = 'accepted'`,
    );
    expect(rows[0]?.n).toBe(messages.length);
  });

  it('keep each lot readable as its receipt, and write members only for the lot that needs them', async () => {
    const group = intake();
    // The first submission is stored at once; the next three wait for it and share one group.
    const amorce = group.acceptLot(single(inscription('Amorce Lot'), portail));
    const command = inscription('Deux Clics');
    const [once, twice, fresh] = await Promise.all([
      group.acceptLot(single(command, portail, 'GRP-TWICE')),
      // The same message again in the same group: its lot names the first one's message.
      group.acceptLot(single(command, portail, 'GRP-TWICE')),
      group.acceptLot(single(inscription('Un Clic'), portail)),
    ]);
    const receipts = [await amorce, once, twice, fresh] as LotReceipt[];
    await group.close();
    expect(twice?.messages).toEqual(once?.messages);
    for (const receipt of receipts) {
      expect((await findLot(hub.pool, receipt.lotId))?.messages).toEqual(receipt.messages);
    }
    // Lots of their own messages only (the hot path) have no members written.
    const { rows } = await hub.pool.query<{ id: string }>(
      'SELECT id FROM lots WHERE id = ANY($1::uuid[]) AND members IS NOT NULL',
      [receipts.map((r) => r.lotId)],
    );
    expect(rows.map((r) => r.id)).toEqual([twice?.lotId]);
  });

  it('do not fail together: a member PostgreSQL refuses fails alone, the others are stored', async () => {
    const group = intake();
    // Lots without messages (a re-send whose messages all existed already) are not this test's.
    const lotsBefore =
      (
        await hub.pool.query(
          'SELECT 1 FROM lots l WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.lot_id = l.id)',
        )
      ).rowCount ?? 0;
    const first = group.acceptLot(single(inscription('Amorce3')));
    const poisoned: LotSubmission = {
      ...single(inscription('Poison')),
      // U+0000: PostgreSQL refuses it in text and jsonb (the HTTP edge refuses it before; the intake must hold anyway).
      messages: [
        { id: 'GRP-POISON', type: 'enregistrement', raw: 'poison \u0000', command: inscription('Poison') },
      ],
    };
    const others = ['Sain1', 'Sain2', 'Sain3'].map((nom) => single(inscription(nom)));
    const settled = await Promise.allSettled([
      first,
      group.acceptLot(others[0] as LotSubmission),
      group.acceptLot(poisoned),
      group.acceptLot(others[1] as LotSubmission),
      group.acceptLot(others[2] as LotSubmission),
    ]);
    expect(settled.map((s) => s.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    const receipts = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    await group.close();
    const rows = await rowsOf(receipts);
    expect(rows).toHaveLength(4);
    expect(rows.every((r) => r.status === 'accepted' && r.job_id !== null)).toBe(true);
    const { rows: poison } = await hub.pool.query(`SELECT id FROM messages WHERE sender_id = 'GRP-POISON'`);
    expect(poison).toEqual([]);
    // The group that failed left nothing behind: a lot for each stored submission, none for the poisoned one.
    const { rows: lots } = await hub.pool.query(
      'SELECT l.id FROM lots l WHERE l.id = ANY($1::uuid[]) OR NOT EXISTS (SELECT 1 FROM messages m WHERE m.lot_id = l.id)',
      [receipts.map((r) => r.lotId)],
    );
    expect(lots).toHaveLength(lotsBefore + 4);
    // And the intake goes on grouping.
    const after = intake();
    const next = await Promise.all([1, 2, 3].map((i) => after.acceptLot(single(inscription(`Apres${i}`)))));
    await after.close();
    expect(next.every((r) => r.accepted === 1)).toBe(true);
  });
});

describe('a group committed but not queued (Redis away)', () => {
  it('is answered, and the reconciler queues its messages when Redis is back', async () => {
    const redis = new URL(hub.env.REDIS_URL ?? '');
    const proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
    const away = new Queue<ApplyJobData>(APPLY_QUEUE, {
      connection: { host: '127.0.0.1', port: proxy.port, db: Number(redis.pathname.slice(1) || 0) },
      prefix: hub.config.queuePrefix,
    });
    await proxy.cut();
    try {
      const group = intake({}, away, 200);
      const receipts = await Promise.all(
        Array.from({ length: 5 }, (_, i) => group.acceptLot(single(inscription(`Perdu${i}`)))),
      );
      // 202 means durable: every receipt, every message committed, though no job reached Redis.
      expect(receipts.every((r) => r.accepted === 1)).toBe(true);
      const rows = await rowsOf(receipts);
      expect(rows.map((r) => r.status)).toEqual(Array(5).fill('accepted'));
      await group.close();
      const groupJob = rows.find((r) => r.job_id?.startsWith('group-'))?.job_id ?? '';
      expect(groupJob).not.toBe('');
      expect(await hub.infrastructure.applyQueue.getJob(groupJob)).toBeUndefined();
      // Redis loses the pending add too (still cut): only the reconciler can queue the group now.

      const ids = rows.map((r) => r.id);
      expect((await reconcile(hub.pool, hub.infrastructure.applyQueue, 0)).requeued).toBeGreaterThanOrEqual(
        5,
      );
      const { rows: requeued } = await hub.pool.query<{ job_id: string }>(
        'SELECT DISTINCT job_id FROM messages WHERE id = ANY($1::uuid[])',
        [ids],
      );
      const queued = await Promise.all(
        requeued.map(
          async (r) => (await hub.infrastructure.applyQueue.getJob(r.job_id))?.data.messageIds ?? [],
        ),
      );
      expect(queued.flat()).toEqual(expect.arrayContaining(ids));
      expect(await apply(ids)).toEqual({ applied: 5, failed: 0, deferred: 0 });
    } finally {
      // Redis back first: closing a queue needs it. The pending add lands then: its job finds its messages done.
      await proxy.restore();
      await away.close().catch(() => {});
      await proxy.close();
    }
  });
});

describe('a statement after the commit that fails', () => {
  it('leaves no committed message unqueued, for a lot stored alone and for a group', async () => {
    const stored = await intake().acceptLot(single(inscription('DejaLa'), guichet, 'AFTER-STORED'));
    // Any lot listing a message re-sent gets its members written after the commit: make that fail.
    await hub.pool.query(`CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'refused by the test'; END $$`);
    await hub.pool.query(
      'CREATE TRIGGER test_refuse BEFORE UPDATE ON lots FOR EACH ROW EXECUTE FUNCTION test_refuse()',
    );
    try {
      const resent = { ...single(inscription('DejaLa'), guichet, 'AFTER-STORED') };
      for (const [label, limits] of [
        ['alone', { soloAbove: 0 }],
        ['in a group', {}],
      ] as const) {
        const fresh = single(
          inscription(`Frais ${label}`),
          guichet,
          `AFTER-FRESH-${limits.soloAbove ?? 'g'}`,
        );
        const lotOfTwo: LotSubmission = { ...resent, messages: [...resent.messages, ...fresh.messages] };
        const group = intake(limits);
        await expect(group.acceptLot(lotOfTwo)).rejects.toThrow(/refused by the test/);
        await group.close();
        // The new message was committed by the first statement: its job is in the queue all the same.
        const { rows } = await hub.pool.query<{ id: string; job_id: string }>(
          'SELECT id, job_id FROM messages WHERE sender_id = $1',
          [fresh.messages[0]?.id],
        );
        expect(rows).toHaveLength(1);
        const job = await hub.infrastructure.applyQueue.getJob(rows[0]?.job_id as string);
        expect(job?.data.messageIds, label).toContain(rows[0]?.id);
        expect(await apply([rows[0]?.id as string])).toEqual({ applied: 1, failed: 0, deferred: 0 });
      }
    } finally {
      await hub.pool.query('DROP TRIGGER test_refuse ON lots; DROP FUNCTION test_refuse()');
    }
    expect(stored.accepted).toBe(1);
  });
});

describe('the reconciler', () => {
  /** `count` single inscriptions accepted together (one group), left for the reconciler: their message ids. */
  async function acceptSingles(count: number, nom: string): Promise<string[]> {
    const group = intake();
    const receipts = await Promise.all(
      Array.from({ length: count }, (_, i) => group.acceptLot(single(inscription(`${nom}${i}`)))),
    );
    await group.close();
    return receipts.map((r) => r.messages[0]?.messageId ?? '');
  }

  it('goes through a backlog larger than its page one page a pass, and queues every message whose job was lost', async () => {
    const ids = await acceptSingles(7, 'Arriere');
    // Their job lost: it names no job Redis holds.
    await hub.pool.query(`UPDATE messages SET job_id = 'lost-' || id WHERE id = ANY($1::uuid[])`, [ids]);
    let after: string | undefined;
    let passes = 0;
    do {
      const pass = await reconcile(hub.pool, hub.infrastructure.applyQueue, 0, after, 3);
      if (passes === 0) expect(pass.after).toBeDefined();
      after = pass.after;
      passes++;
    } while (after !== undefined && passes < 100);
    // 7 messages (and any other test's left open) at 3 a page: three passes at least, then the end.
    expect(passes).toBeGreaterThanOrEqual(3);
    expect(after).toBeUndefined();
    const { rows } = await hub.pool.query<{ job_id: string }>(
      'SELECT job_id FROM messages WHERE id = ANY($1::uuid[])',
      [ids],
    );
    const jobs = await Promise.all(rows.map((r) => hub.infrastructure.applyQueue.getJob(r.job_id)));
    expect(jobs.flatMap((job) => job?.data.messageIds ?? [])).toEqual(expect.arrayContaining(ids));
    // A page's jobs hold what the page read: 3 messages at most.
    expect(Math.max(...jobs.map((job) => job?.data.messageIds.length ?? 0))).toBeLessThanOrEqual(3);
    expect(await apply(ids)).toEqual({ applied: 7, failed: 0, deferred: 0 });
  });

  it('queues nothing for messages a job applies while Redis is asked about it', async () => {
    const ids = await acceptSingles(6, 'Course');
    await hub.pool.query(`UPDATE messages SET job_id = 'ending-' || id WHERE id = ANY($1::uuid[])`, [ids]);
    // Their job ends while the reconciler asks Redis about it: four of the six are applied.
    const queue = askedWhile(hub.infrastructure.applyQueue, () => apply(ids.slice(0, 4)));
    await reconcile(hub.pool, queue, 0);
    const { rows } = await hub.pool.query<{ id: string; job_id: string; status: string }>(
      'SELECT id, job_id, status FROM messages WHERE id = ANY($1::uuid[])',
      [ids],
    );
    const applied = rows.filter((row) => row.status === 'applied');
    expect(applied.map((row) => row.id).sort()).toEqual(ids.slice(0, 4).sort());
    // The applied ones keep their job; the two left open are in a new one, and only they are.
    for (const row of applied) expect(row.job_id).toBe(`ending-${row.id}`);
    const open = rows.filter((row) => row.status !== 'applied');
    const jobs = await Promise.all(open.map((row) => hub.infrastructure.applyQueue.getJob(row.job_id)));
    expect(new Set(jobs.flatMap((job) => job?.data.messageIds ?? []))).toEqual(new Set(ids.slice(4)));
    expect(await apply(ids.slice(4))).toEqual({ applied: 2, failed: 0, deferred: 0 });
  });
});

describe('groups held while the workers are busy', () => {
  it('are queued as one job as soon as a worker takes the previous one, and every message applies once', async () => {
    const workers = startWorkers(hub.config, hub.infrastructure, pino({ level: 'silent' }));
    const group = intake({ maxMessages: 4 });
    try {
      const receipts: LotReceipt[] = [];
      // Three waves, each sent while the workers may still apply the previous one.
      for (let wave = 0; wave < 3; wave++) {
        receipts.push(
          ...(await Promise.all(
            Array.from({ length: 30 }, (_, i) => group.acceptLot(single(inscription(`Vague${wave}x${i}`)))),
          )),
        );
      }
      const ids = receipts.map((r) => r.messages[0]?.messageId ?? '');
      await waitForMessagesDone(hub.pool, ids);
      const rows = await rowsOf(receipts);
      expect(rows.map((r) => r.status)).toEqual(Array(90).fill('applied'));
      // Intake groups hold 4 messages at most (at least 23 groups), yet the jobs are fewer: held groups
      // were queued together. (After the apply, xmin names the apply transactions: fewer still.)
      const jobs = new Set(rows.map((r) => r.job_id)).size;
      expect(jobs).toBeLessThan(90 / 4);
      expect(new Set(rows.map((r) => r.tx)).size).toBeLessThanOrEqual(jobs);
      const { rows: attempts } = await hub.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM message_attempts WHERE message_id = ANY($1::uuid[])',
        [ids],
      );
      expect(attempts).toEqual([{ n: 90 }]);
    } finally {
      await group.close();
      await workers.close();
    }
  });
});
