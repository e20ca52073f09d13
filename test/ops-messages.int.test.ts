import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOpsQueue,
  createReplayJob,
  findOpsJob,
  reconcileOpsJobs,
} from '../services/pipeline/ops/replay-job.ts';
import { postLotDone, provision, startTestHub, type TestHub, waitFor } from './helpers/hub.ts';
import { call, importParc } from './helpers/ops.ts';
import { allPages } from './helpers/pages.ts';
import {
  attribution,
  enregistrement,
  type LotReply,
  lot,
  postLot,
  radiation,
  sendLot,
} from './helpers/spt.ts';
import { waitForMessagesDone } from './helpers/wait.ts';

/**
 * Operators' routes on messages (interfaces.md §11) through the real app, PostgreSQL and Redis:
 * refusals, the list and its filters, the detail, replays (as they are, corrected, forced), bulk
 * replays (within the request and in the background), discards, and the audit lines of each.
 */
let hub: TestHub;
let bailleur: string;
let guichet: string;
let infocentre: string;
let rpls: string;
let dalo: string;
let operator: string;
let counter = 0;
const uid = (prefix: string) => `${prefix}-${++counter}`;

/** Bulk replays of more than this many messages run in the background here. */
const BACKGROUND_ABOVE = 4;

beforeAll(async () => {
  hub = await startTestHub({ env: { SNE_REPLAY_BACKGROUND_ABOVE: String(BACKGROUND_ABOVE) } });
  bailleur = await provision(hub.app, { id: 'lille-habitat', role: 'bailleur', codeGuichet: 'LH59A' });
  guichet = await provision(hub.app, {
    id: 'mairie-lille',
    role: 'guichet',
    organisme: '215903501',
    codeGuichet: 'ML59A',
  });
  infocentre = await provision(hub.app, { id: 'dreal', role: 'infocentre', organisme: '130005001' });
  rpls = await provision(hub.app, { id: 'rpls', role: 'rpls', organisme: '130005009', departements: ['*'] });
  dalo = await provision(hub.app, { id: 'comdalo-59', role: 'dalo', organisme: '130005002' });
  operator = await provision(hub.app, { id: 'ops', role: 'operator', departements: ['*'] });
});

afterAll(async () => {
  if (hub?.infrastructure.redis.status === 'ready') {
    const queue = createOpsQueue(hub.infrastructure.redis, hub.config.queuePrefix);
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
  }
  await hub?.close();
});

const ops = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
  call(hub.app, operator, method, url, payload);

interface Detail {
  messageId: string;
  status: string;
  raw: string;
  canonical?: Record<string, unknown>;
  revision: number;
  error?: { code: string };
  attemptsLog: { attempt: number; outcome: string; error?: { code: string } }[];
  revisions: {
    revision: number;
    raw: string;
    canonical: Record<string, unknown>;
    actor: string;
    reason: string;
  }[];
  audit: { actor: string; action: string; reason?: string; details?: Record<string, unknown> }[];
}

async function detail(messageId: string): Promise<Detail> {
  const reply = await ops('GET', `/ops/messages/${messageId}`);
  expect(reply.statusCode, reply.body).toBe(200);
  return reply.json<Detail>();
}

/** Posts a lot and waits until every accepted message is done; returns messageIds by sender id. */
async function lotDone(...messages: string[]): Promise<Record<string, string>> {
  const receipt = await postLotDone(hub, bailleur, ...messages);
  return Object.fromEntries(receipt.messages.map((m) => [m.id, m.messageId]));
}

async function count(sql: string, params: unknown[]): Promise<number> {
  const { rows } = await hub.pool.query<{ n: number }>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

const auditLines = (action: string, target: string) =>
  count('SELECT count(*)::int AS n FROM audit WHERE action = $1 AND target = $2', [action, target]);

describe('refusals', () => {
  const UNKNOWN = '00000000-0000-4000-8000-000000000000';
  const routes: ['GET' | 'POST', string, unknown?][] = [
    ['GET', '/ops/messages'],
    ['GET', `/ops/messages/${UNKNOWN}`],
    ['POST', `/ops/messages/${UNKNOWN}/replay`, { reason: 'r' }],
    ['POST', '/ops/messages/replay', { filter: {}, reason: 'r' }],
    ['POST', `/ops/messages/${UNKNOWN}/discard`, { reason: 'r' }],
    ['GET', `/ops/jobs/${UNKNOWN}`],
    ['GET', '/ops/audit'],
  ];

  it('answers 401 without a token and 403 to a bailleur, a guichet, an infocentre', async () => {
    for (const [method, url, payload] of routes) {
      const anonymous = await call(hub.app, undefined, method, url, payload);
      expect(anonymous.statusCode, `${method} ${url}`).toBe(401);
      expect(anonymous.headers['content-type']).toContain('application/problem+json');
      for (const token of [bailleur, guichet, infocentre]) {
        const reply = await call(hub.app, token, method, url, payload);
        expect(reply.statusCode, `${method} ${url}`).toBe(403);
        expect(reply.json()).toMatchObject({ code: 'FORBIDDEN' });
      }
    }
  });

  it('answers 404 problems for unknown ids', async () => {
    for (const [method, url, payload] of routes.filter(([, url]) => url.includes(UNKNOWN))) {
      const reply = await ops(method, url, payload);
      expect(reply.statusCode, `${method} ${url}`).toBe(404);
      expect(reply.headers['content-type']).toContain('application/problem+json');
      expect(reply.json().code).toBe(url.startsWith('/ops/jobs') ? 'JOB_UNKNOWN' : 'MESSAGE_UNKNOWN');
    }
  });

  it('answers 400 problems for bad filters and bodies', async () => {
    const bad: ['GET' | 'POST', string, unknown?][] = [
      ['GET', '/ops/messages?status=perdu'],
      ['GET', '/ops/messages?limit=0'],
      ['GET', '/ops/messages?limit=1001'],
      ['GET', '/ops/messages?cursor=abc'],
      ['GET', '/ops/messages?from=hier'],
      ['GET', '/ops/messages?errorCode=pas-un-code'],
      ['GET', '/ops/messages?couleur=rouge'],
      ['GET', '/ops/messages?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z'],
      ['GET', '/ops/messages/pas-un-uuid'],
      ['GET', '/ops/audit?from=hier'],
      ['GET', '/ops/audit?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z'],
      ['POST', '/ops/messages/replay', { filter: { status: 'applied' }, reason: 'r' }],
      // A misspelt filter must not widen a bulk replay to every failed message.
      ['POST', '/ops/messages/replay', { filter: { errorcode: 'LOGEMENT_INCONNU' }, reason: 'r' }],
      ['POST', '/ops/messages/replay', { filter: {}, reason: '' }],
      ['POST', '/ops/messages/replay', { filter: { receivedSince: 'hier' }, reason: 'r' }],
      ['POST', '/ops/messages/replay', { reason: 'r' }],
      ['POST', '/ops/messages/00000000-0000-4000-8000-000000000000/replay', {}],
      ['POST', '/ops/messages/00000000-0000-4000-8000-000000000000/discard', { reason: 'r', extra: 1 }],
    ];
    for (const [method, url, payload] of bad) {
      const reply = await ops(method, url, payload);
      expect(reply.statusCode, `${method} ${url} ${JSON.stringify(payload)}`).toBe(400);
      expect(reply.headers['content-type']).toContain('application/problem+json');
      expect(reply.json()).toMatchObject({ status: 400, code: expect.stringMatching(/^[A-Z_]+$/) });
    }
  });
});

describe('a lot fails for logements missing from the parc; the parc is imported; one bulk replay', () => {
  it('applies exactly the failed messages, once each', async () => {
    const since = new Date().toISOString();
    const refs = [uid('REF'), uid('REF'), uid('REF')];
    const logements = ['5900100001', '5900100002', '5900100003'];
    const ids = await lotDone(
      ...refs.map((ref, i) => enregistrement({ id: `E-${ref}`, ref, nom: `Parc${i}`, prenom: 'Manquant' })),
      ...refs.map((ref, i) => attribution(`A-${ref}`, ref, logements[i] as string, '2014-05-02')),
      radiation(uid('R'), '0599901000001LH59A', 'abandon', '2014-05-02'),
    );
    const attributions = refs.map((ref) => ids[`A-${ref}`] as string);

    const failed = await ops(
      'GET',
      `/ops/messages?status=failed&errorCode=LOGEMENT_INCONNU&receivedSince=${since}`,
    );
    expect(failed.statusCode).toBe(200);
    expect(
      failed
        .json()
        .items.map((m: { messageId: string }) => m.messageId)
        .sort(),
    ).toEqual([...attributions].sort());
    expect(failed.json().next).toBeUndefined();

    await importParc(hub.app, rpls, logements);

    const filter = { errorCode: 'LOGEMENT_INCONNU', receivedSince: since };
    const dry = await ops('POST', '/ops/messages/replay', { filter, reason: 'parc importé', dryRun: true });
    expect(dry.statusCode, dry.body).toBe(200);
    expect(dry.json()).toMatchObject({ matched: 3, replayed: 0 });
    expect(dry.json().sample.map((m: { messageId: string }) => m.messageId)).toEqual(attributions);
    // A dry run changes nothing.
    expect((await detail(attributions[0] as string)).status).toBe('failed');

    const bulk = await ops('POST', '/ops/messages/replay', { filter, reason: 'parc importé' });
    expect(bulk.statusCode, bulk.body).toBe(200);
    expect(bulk.json()).toEqual({ matched: 3, replayed: 3 });
    await waitForMessagesDone(hub.pool, attributions);

    for (const messageId of attributions) {
      const view = await detail(messageId);
      expect(view.status).toBe('applied');
      expect(view.attemptsLog.map((a) => a.outcome)).toEqual(['failed', 'applied']);
      expect(view.attemptsLog[0]?.error?.code).toBe('LOGEMENT_INCONNU');
      expect(view.audit).toContainEqual(
        expect.objectContaining({ actor: 'ops', action: 'message.replay', reason: 'parc importé' }),
      );
      // Once each: one attribution, one line of history.
      expect(
        await count('SELECT count(*)::int AS n FROM attributions WHERE message_id = $1', [messageId]),
      ).toBe(1);
      expect(
        await count('SELECT count(*)::int AS n FROM demande_historique WHERE message_id = $1', [messageId]),
      ).toBe(1);
    }
    // The other failure (another error code) was not touched.
    const other = await detail(ids[Object.keys(ids).find((k) => k.startsWith('R-')) as string] as string);
    expect(other).toMatchObject({ status: 'failed', error: { code: 'DEMANDE_INCONNUE' } });
    expect(other.attemptsLog).toHaveLength(1);
    // Nothing failed is left to replay.
    const again = await ops('POST', '/ops/messages/replay', { filter, reason: 'encore' });
    expect(again.json()).toEqual({ matched: 0, replayed: 0 });

    const bulkAudit = await ops('GET', '/ops/audit?actor=ops&action=message.replay-bulk');
    expect(bulkAudit.json().items[1]).toMatchObject({
      reason: 'parc importé',
      details: { matched: 3, replayed: 3 },
    });
  });
});

describe('the list', () => {
  it('filters and pages newest first with a cursor, next absent on the last page', async () => {
    const since = new Date().toISOString();
    const ids = await lotDone(
      enregistrement({ id: uid('P'), nom: 'Page', prenom: 'Un' }),
      enregistrement({ id: uid('P'), nom: 'Page', prenom: 'Deux' }),
      enregistrement({ id: uid('P'), nom: 'Page', prenom: 'Trois' }),
    );
    const expected = Object.values(ids).reverse();
    let pages = 0;
    const seen = await allPages(
      async ({ cursor }) => {
        const reply = await ops(
          'GET',
          `/ops/messages?client=lille-habitat&system=spt&type=enregistrement&status=applied&receivedSince=${since}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(reply.statusCode, reply.body).toBe(200);
        pages++;
        return reply.json<{ items: { messageId: string; revision: number }[]; next?: string }>();
      },
      (m) => m.messageId,
    );
    expect(seen).toEqual(expected);
    expect(pages).toBe(2);
    const none = await ops('GET', `/ops/messages?client=mairie-lille&receivedSince=${since}`);
    expect(none.json()).toEqual({ items: [] });
    const updated = await ops(
      'GET',
      `/ops/messages?from=${since}&to=${new Date(Date.now() + 60_000).toISOString()}&type=enregistrement`,
    );
    expect(updated.json().items.map((m: { messageId: string }) => m.messageId)).toEqual(
      expect.arrayContaining(expected),
    );
  });
});

describe('replay with a corrected payload', () => {
  it('takes a corrected XML element: a new revision applied, the original kept', async () => {
    const ref = uid('REF');
    const good = await sendLot(
      hub.app,
      bailleur,
      enregistrement({ id: `E-${ref}`, ref, nom: 'Revise', prenom: 'Xml' }),
    );
    const numero = good[`E-${ref}`]?.result?.numeroUnique as string;
    const id = uid('R');
    const wrong = radiation(id, '0599901000002LH59A', 'abandon', '2014-05-02');
    const ids = await lotDone(wrong);
    const messageId = ids[id] as string;
    const before = await detail(messageId);
    expect(before).toMatchObject({ status: 'failed', error: { code: 'DEMANDE_INCONNUE' }, revision: 0 });
    expect(before.raw).toBe(wrong);

    // Refused: another id, another type, a contract violation. None leaves a trace.
    const otherId = await ops('POST', `/ops/messages/${messageId}/replay`, {
      reason: 'r',
      payload: radiation('AUTRE', numero, 'abandon', '2014-05-02'),
    });
    expect(otherId.statusCode).toBe(400);
    expect(otherId.json().code).toBe('REVISION_MISMATCH');
    const otherType = await ops('POST', `/ops/messages/${messageId}/replay`, {
      reason: 'r',
      payload: attribution(id, numero, '5900100001', '2014-05-02'),
    });
    expect(otherType.json().code).toBe('REVISION_MISMATCH');
    const invalid = await ops('POST', `/ops/messages/${messageId}/replay`, {
      reason: 'r',
      payload: radiation(id, numero, 'demenagement', '2014-05-02'),
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toMatchObject({
      code: 'CONTRACT_INVALID',
      errors: [expect.objectContaining({ path: '/motif' })],
    });
    const malformed = await ops('POST', `/ops/messages/${messageId}/replay`, {
      reason: 'r',
      payload: '<radiation id=',
    });
    expect(malformed.statusCode).toBe(400);
    expect((await detail(messageId)).audit).toEqual([]);
    expect((await detail(messageId)).revisions).toEqual([]);

    const corrected = radiation(id, numero, 'abandon', '2014-05-02');
    const reply = await ops('POST', `/ops/messages/${messageId}/replay`, {
      reason: 'numéro corrigé',
      payload: corrected,
    });
    expect(reply.statusCode, reply.body).toBe(202);
    expect(reply.json()).toEqual({ messageId, status: 'accepted', revision: 1 });
    await waitForMessagesDone(hub.pool, [messageId]);
    const after = await detail(messageId);
    expect(after).toMatchObject({ status: 'applied', revision: 1, result: { numeroUnique: numero } });
    expect(after.raw).toBe(wrong);
    expect(after.canonical).toMatchObject({ demande: { numeroUnique: '0599901000002LH59A' } });
    expect(after.revisions).toEqual([
      expect.objectContaining({
        revision: 1,
        raw: corrected,
        actor: 'ops',
        reason: 'numéro corrigé',
        canonical: expect.objectContaining({ demande: { numeroUnique: numero } }),
      }),
    ]);
    expect(after.audit).toEqual([
      expect.objectContaining({
        action: 'message.replay',
        reason: 'numéro corrigé',
        details: expect.objectContaining({ revised: true }),
      }),
    ]);
    const demande = await hub.pool.query(
      'SELECT statut, motif_radiation FROM demandes WHERE numero_unique = $1',
      [numero],
    );
    expect(demande.rows[0]).toEqual({ statut: 'radiee', motif_radiation: 'abandon' });
  });

  it('takes a rejected XML message, corrected', async () => {
    const id = uid('E');
    const reply = await postLot(
      hub.app,
      bailleur,
      lot(enregistrement({ id, nom: 'Rejete', typologie: 'T9' })),
    );
    const messageId = reply.json<LotReply>().messages[0]?.messageId as string;
    expect((await detail(messageId)).status).toBe('rejected');
    // As it is, it still breaks its contract.
    const asIs = await ops('POST', `/ops/messages/${messageId}/replay`, { reason: 'r' });
    expect(asIs.statusCode).toBe(400);
    expect(asIs.json().code).toBe('CONTRACT_INVALID');
    const fixed = await ops('POST', `/ops/messages/${messageId}/replay`, {
      reason: 'typologie corrigée',
      payload: enregistrement({ id, nom: 'Rejete', typologie: 'T4' }),
    });
    expect(fixed.statusCode, fixed.body).toBe(202);
    await waitForMessagesDone(hub.pool, [messageId]);
    expect(await detail(messageId)).toMatchObject({ status: 'applied', revision: 1 });
  });

  it('refuses to accept again a rejected message whose id is live in another message', async () => {
    const id = uid('E');
    await lotDone(enregistrement({ id, nom: 'Idem', prenom: 'Un' }));
    // The same id with another content: rejected with IDEMPOTENCY_CONFLICT, valid as a message.
    const reply = await postLot(hub.app, bailleur, lot(enregistrement({ id, nom: 'Idem', prenom: 'Deux' })));
    const messageId = reply.json<LotReply>().messages[0]?.messageId as string;
    const rejected = await detail(messageId);
    expect(rejected).toMatchObject({ status: 'rejected', error: { code: 'IDEMPOTENCY_CONFLICT' } });
    expect((rejected as unknown as { errors: { code: string }[] }).errors[0]?.code).toBe(
      'IDEMPOTENCY_CONFLICT',
    );
    const replay = await ops('POST', `/ops/messages/${messageId}/replay`, { reason: 'r' });
    expect(replay.statusCode).toBe(409);
    expect(replay.json().code).toBe('IDEMPOTENCY_CONFLICT');
    expect(await detail(messageId)).toMatchObject({ status: 'rejected', audit: [] });
  });

  it('takes a corrected JSON body (DALO decision)', async () => {
    const good = await sendLot(
      hub.app,
      bailleur,
      enregistrement({ id: uid('E'), nom: 'Revise', prenom: 'Json' }),
    );
    const numero = Object.values(good)[0]?.result?.numeroUnique as string;
    const id = uid('COMDALO');
    const body = {
      id,
      numeroUnique: '0599901000003LH59A',
      decision: 'rejet',
      dateDecision: '2014-06-02',
      departementCommission: '59',
    };
    const sent = await call(hub.app, dalo, 'POST', '/connectors/dalo/v1/decisions', body);
    expect(sent.statusCode, sent.body).toBe(202);
    const { messageId } = sent.json<{ messageId: string }>();
    await waitForMessagesDone(hub.pool, [messageId]);
    expect(await detail(messageId)).toMatchObject({ status: 'failed', error: { code: 'DEMANDE_INCONNUE' } });
    expect(JSON.parse((await detail(messageId)).raw)).toEqual(body);

    // Text that is not JSON, or JSON that is not an object, names no message: its contract errors
    // say what is wrong with it, not "a decision with id (none)".
    for (const payload of ['{"id":', 'not json', '[]', 'null', '"x"']) {
      const refused = await ops('POST', `/ops/messages/${messageId}/replay`, { reason: 'r', payload });
      expect(refused.statusCode, payload).toBe(400);
      expect(refused.json(), payload).toMatchObject({
        code: 'CONTRACT_INVALID',
        errors: [expect.objectContaining({ path: '', code: 'CONTRACT_INVALID' })],
      });
    }
    const otherId = await ops('POST', `/ops/messages/${messageId}/replay`, {
      reason: 'r',
      payload: JSON.stringify({ ...body, id: 'AUTRE', numeroUnique: numero }),
    });
    expect(otherId.statusCode).toBe(400);
    expect(otherId.json()).toMatchObject({ code: 'REVISION_MISMATCH' });
    expect(otherId.json().detail).toContain(`with id ${id}`);
    const invalid = await ops('POST', `/ops/messages/${messageId}/replay`, {
      reason: 'r',
      payload: JSON.stringify({ ...body, numeroUnique: numero, decision: 'peut-etre' }),
    });
    expect(invalid.json()).toMatchObject({
      code: 'CONTRACT_INVALID',
      errors: [expect.objectContaining({ path: '/decision' })],
    });

    const reply = await ops('POST', `/ops/messages/${messageId}/replay`, {
      reason: 'numéro corrigé',
      payload: JSON.stringify({ ...body, numeroUnique: numero }),
    });
    expect(reply.statusCode, reply.body).toBe(202);
    await waitForMessagesDone(hub.pool, [messageId]);
    expect(await detail(messageId)).toMatchObject({
      status: 'applied',
      revision: 1,
      result: { numeroUnique: numero },
    });
    const demande = await hub.pool.query('SELECT dalo FROM demandes WHERE numero_unique = $1', [numero]);
    expect(demande.rows[0].dalo).toMatchObject({ decision: 'rejet' });
  });
});

describe('force replay of an applied message', () => {
  it('is refused without force, and with force never applies twice', async () => {
    const id = uid('E');
    const ids = await lotDone(enregistrement({ id, nom: 'Force', prenom: 'Deux' }));
    const messageId = ids[id] as string;
    const applied = await detail(messageId);
    expect(applied.status).toBe('applied');

    const noForce = await ops('POST', `/ops/messages/${messageId}/replay`, { reason: 'r' });
    expect(noForce.statusCode).toBe(409);
    expect(noForce.json().code).toBe('MESSAGE_NOT_REPLAYABLE');
    const withPayload = await ops('POST', `/ops/messages/${messageId}/replay`, {
      reason: 'r',
      force: true,
      payload: enregistrement({ id, nom: 'Force', prenom: 'Trois' }),
    });
    expect(withPayload.statusCode).toBe(409);
    expect(withPayload.json().code).toBe('REVISION_FORBIDDEN');

    const demandes = () => count('SELECT count(*)::int AS n FROM demandes', []);
    const events = () => count('SELECT count(*)::int AS n FROM events', []);
    const [demandesBefore, eventsBefore] = [await demandes(), await events()];
    const forced = await ops('POST', `/ops/messages/${messageId}/replay`, {
      reason: 'vérification',
      force: true,
    });
    expect(forced.statusCode, forced.body).toBe(202);
    await waitForMessagesDone(hub.pool, [messageId]);
    const after = await detail(messageId);
    expect(after).toMatchObject({
      status: 'applied',
      result: applied.canonical ? expect.anything() : undefined,
    });
    expect((after as unknown as { result: unknown }).result).toEqual(
      (applied as unknown as { result: unknown }).result,
    );
    expect(after.attemptsLog.map((a) => a.outcome)).toEqual(['applied', 'already-applied']);
    expect(await demandes()).toBe(demandesBefore);
    expect(await events()).toBe(eventsBefore);
    expect(
      await count('SELECT count(*)::int AS n FROM demande_historique WHERE message_id = $1', [messageId]),
    ).toBe(1);
  });
});

describe('discard', () => {
  it('gives a failed message up, once', async () => {
    const id = uid('R');
    const ids = await lotDone(radiation(id, '0599901000004LH59A', 'abandon', '2014-05-02'));
    const messageId = ids[id] as string;
    const reply = await ops('POST', `/ops/messages/${messageId}/discard`, { reason: 'doublon de saisie' });
    expect(reply.statusCode, reply.body).toBe(200);
    expect(reply.json()).toEqual({ messageId, status: 'discarded' });
    expect(await detail(messageId)).toMatchObject({ status: 'discarded' });
    const again = await ops('POST', `/ops/messages/${messageId}/discard`, { reason: 'r' });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('MESSAGE_NOT_DISCARDABLE');
    const replay = await ops('POST', `/ops/messages/${messageId}/replay`, { reason: 'r' });
    expect(replay.statusCode).toBe(409);
    expect(replay.json().code).toBe('MESSAGE_NOT_REPLAYABLE');
    expect(await auditLines('message.discard', messageId)).toBe(1);
    expect(await auditLines('message.replay', messageId)).toBe(0);
  });
});

describe('audit in the same transaction as the action', () => {
  it('leaves neither the action nor its line when writing the line fails', async () => {
    const id = uid('R');
    const ids = await lotDone(radiation(id, '0599901000005LH59A', 'abandon', '2014-05-02'));
    const messageId = ids[id] as string;
    // The audit line of this replay cannot be written: the whole replay must roll back with it.
    await hub.pool.query(`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.reason = 'panne' THEN RAISE EXCEPTION 'audit refused'; END IF; RETURN NEW; END $$`);
    await hub.pool.query(
      'CREATE TRIGGER refuse_audit BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION refuse_audit()',
    );
    try {
      const replay = await ops('POST', `/ops/messages/${messageId}/replay`, {
        reason: 'panne',
        payload: radiation(id, '0599901000006LH59A', 'abandon', '2014-05-02'),
      });
      expect(replay.statusCode).toBe(500);
      const discard = await ops('POST', `/ops/messages/${messageId}/discard`, { reason: 'panne' });
      expect(discard.statusCode).toBe(500);
      const admin = await hub.app.inject({
        method: 'DELETE',
        url: '/admin/clients/mairie-lille',
        headers: { authorization: 'Bearer test-admin-token-0123456789' },
      });
      expect(admin.statusCode).toBe(204);
    } finally {
      await hub.pool.query('DROP TRIGGER refuse_audit ON audit');
      await hub.pool.query('DROP FUNCTION refuse_audit()');
    }
    const after = await detail(messageId);
    expect(after).toMatchObject({ status: 'failed', revision: 0, revisions: [], audit: [] });
    expect(
      await count('SELECT count(*)::int AS n FROM pending_keys WHERE message_id = $1', [messageId]),
    ).toBe(0);
  });

  it('records administrators’ actions, and none for an action refused', async () => {
    const admin = { authorization: 'Bearer test-admin-token-0123456789' };
    const created = await hub.app.inject({
      method: 'POST',
      url: '/admin/clients',
      headers: admin,
      payload: {
        id: 'audit-guichet',
        role: 'guichet',
        organisme: '215903502',
        nom: 'Audit',
        departements: ['59'],
        codeGuichet: 'AU59A',
      },
    });
    expect(created.statusCode).toBe(201);
    const duplicate = await hub.app.inject({
      method: 'POST',
      url: '/admin/clients',
      headers: admin,
      payload: {
        id: 'audit-guichet',
        role: 'guichet',
        organisme: '215903502',
        nom: 'Audit',
        departements: ['59'],
        codeGuichet: 'AU59B',
      },
    });
    expect(duplicate.statusCode).toBe(409);
    const rotated = await hub.app.inject({
      method: 'POST',
      url: '/admin/clients/audit-guichet/token',
      headers: admin,
    });
    expect(rotated.statusCode).toBe(200);
    const unknown = await hub.app.inject({
      method: 'POST',
      url: '/admin/clients/personne/token',
      headers: admin,
    });
    expect(unknown.statusCode).toBe(404);

    const lines = await ops('GET', '/ops/audit?actor=@admin');
    expect(lines.statusCode).toBe(200);
    const items = lines.json<{
      items: { action: string; target: string; details?: Record<string, unknown> }[];
    }>().items;
    expect(items.filter((l) => l.target === 'audit-guichet').map((l) => l.action)).toEqual([
      'admin.client.token',
      'admin.client.create',
    ]);
    expect(items.find((l) => l.action === 'admin.client.create')?.details).toEqual({
      role: 'guichet',
      departements: ['59'],
      webhook: false,
    });
    expect(items.some((l) => l.target === 'personne')).toBe(false);
    // The token never reaches the audit log.
    expect(lines.body).not.toContain(rotated.json().token);
    // The revocation of the trigger test above committed with its line.
    expect(items.some((l) => l.action === 'admin.client.revoke' && l.target === 'mairie-lille')).toBe(true);
  });

  it('pages the audit log newest first, by action and period', async () => {
    const all = await ops('GET', '/ops/audit?limit=1000');
    const total = all.json().items.length;
    expect(total).toBeGreaterThan(3);
    const ids = await allPages(
      async ({ cursor }) =>
        (await ops('GET', `/ops/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json<{
          items: { id: string }[];
          next?: string;
        }>(),
      (l) => l.id,
    );
    expect(ids).toEqual(all.json().items.map((l: { id: string }) => l.id));
    expect(ids.map(Number)).toEqual([...ids.map(Number)].sort((a, b) => b - a));
    const future = await ops('GET', `/ops/audit?from=${new Date(Date.now() + 60_000).toISOString()}`);
    expect(future.json()).toEqual({ items: [] });
    const discards = await ops('GET', '/ops/audit?action=message.discard');
    expect(discards.json().items.every((l: { action: string }) => l.action === 'message.discard')).toBe(true);
    expect(discards.json().items.length).toBeGreaterThan(0);
  });
});

describe('the detail', () => {
  it('gives the current error with its details', async () => {
    const first = uid('E');
    const second = uid('E');
    const ids = await lotDone(
      enregistrement({ id: first, nom: 'Doublon', prenom: 'Detail' }),
      enregistrement({ id: second, nom: 'Doublon', prenom: 'Detail' }),
    );
    const view = await detail(ids[second] as string);
    expect(view).toMatchObject({
      status: 'failed',
      error: { code: 'DOUBLON', details: { numeroUnique: expect.stringMatching(/LH59A$/) } },
      attemptsLog: [{ attempt: 1, outcome: 'failed', error: { code: 'DOUBLON' } }],
    });
  });
});

describe('bulk replay in the background', () => {
  it('resumes a job whose BullMQ job was lost (the reconciler adds it again)', async () => {
    const since = new Date().toISOString();
    const ids = await lotDone(
      ...Array.from({ length: 2 }, () =>
        radiation(uid('LOST'), '0599901000009LH59A', 'abandon', '2014-05-02'),
      ),
    );
    // As if the process died between the commit of the job's row and the add to Redis.
    const filter = { status: 'failed' as const, type: 'radiation', receivedSince: since };
    const jobId = await createReplayJob(hub.pool, {
      actor: 'ops',
      reason: 'perdu',
      filter,
      matched: 2,
      afterSeq: '0',
      maxSeq: '9223372036854775807',
    });
    const queue = createOpsQueue(hub.infrastructure.redis, hub.config.queuePrefix);
    try {
      expect(await reconcileOpsJobs(hub.pool, queue, 0)).toBe(1);
      const job = await waitFor(async () => {
        const view = await findOpsJob(hub.pool, jobId);
        return view?.status === 'running' ? undefined : view;
      });
      expect(job).toMatchObject({ status: 'completed', replayed: 2 });
      await waitForMessagesDone(hub.pool, Object.values(ids));
      // Replayed once each (they fail again: their demande does not exist).
      for (const messageId of Object.values(ids)) {
        expect((await detail(messageId)).attemptsLog.map((a) => a.outcome)).toEqual(['failed', 'failed']);
      }
      expect(await reconcileOpsJobs(hub.pool, queue, 0)).toBe(0);
    } finally {
      await queue.close();
    }
  });

  it('answers 202 with a job whose progress is kept in PostgreSQL, and applies every message once', async () => {
    const since = new Date().toISOString();
    const refs = Array.from({ length: BACKGROUND_ABOVE + 2 }, () => uid('BG'));
    const logements = refs.map((_, i) => `59002000${String(i).padStart(2, '0')}`);
    const ids = await lotDone(
      ...refs.map((ref, i) => enregistrement({ id: `E-${ref}`, ref, nom: `Fond${i}`, prenom: 'Tache' })),
      ...refs.map((ref, i) => attribution(`A-${ref}`, ref, logements[i] as string, '2014-05-02')),
    );
    const attributions = refs.map((ref) => ids[`A-${ref}`] as string);
    await importParc(hub.app, rpls, logements);

    const filter = { type: 'attribution', receivedSince: since };
    const dry = await ops('POST', '/ops/messages/replay', { filter, reason: 'fond', dryRun: true });
    expect(dry.json()).toMatchObject({ matched: refs.length, replayed: 0 });

    const reply = await ops('POST', '/ops/messages/replay', { filter, reason: 'parc importé (fond)' });
    expect(reply.statusCode, reply.body).toBe(202);
    const { jobId, matched } = reply.json<{ jobId: string; matched: number }>();
    expect(matched).toBe(refs.length);

    const job = await waitFor(async () => {
      const view = await ops('GET', `/ops/jobs/${jobId}`);
      expect(view.statusCode).toBe(200);
      return view.json().status === 'running' ? undefined : view.json();
    });
    expect(job).toMatchObject({
      jobId,
      kind: 'message-replay',
      status: 'completed',
      matched: refs.length,
      replayed: refs.length,
      actor: 'ops',
      reason: 'parc importé (fond)',
      finishedAt: expect.any(String),
    });
    const row = await hub.pool.query('SELECT status, replayed FROM ops_jobs WHERE id = $1', [jobId]);
    expect(row.rows[0]).toEqual({ status: 'completed', replayed: refs.length });

    await waitForMessagesDone(hub.pool, attributions);
    for (const messageId of attributions) {
      const view = await detail(messageId);
      expect(view.status).toBe('applied');
      expect(view.attemptsLog.map((a) => a.outcome)).toEqual(['failed', 'applied']);
      expect(view.audit).toEqual([
        expect.objectContaining({ action: 'message.replay', details: { bulk: jobId } }),
      ]);
    }
    expect(await auditLines('message.replay-bulk', jobId)).toBe(1);
  });

  it('replays rejected messages their connector now accepts, in the request and in the background; the others stay rejected', async () => {
    const since = new Date().toISOString();
    // Rejected at reception: typologie T9 is not in the contract. Three of them will be read
    // again as a contract fixed since would read them (their text edited below, T9 → T4), one
    // still breaks it, and one is a second message with a live message's id.
    const fixable = Array.from({ length: 3 }, () => uid('RJ'));
    const invalid = uid('RJ');
    const twin = uid('RJ');
    await lotDone(enregistrement({ id: twin, nom: 'Jumeau', prenom: 'Un' }));
    const ids = await lotDone(
      ...fixable.map((id, i) => enregistrement({ id, nom: `Corrigible${i}`, typologie: 'T9' })),
      enregistrement({ id: invalid, nom: 'Invalide', typologie: 'T9', dateNaissance: 'jamais' }),
      enregistrement({ id: twin, nom: 'Jumeau', prenom: 'Deux' }),
    );
    const rejected = [...fixable, invalid, twin].map((id) => ids[id] as string);
    for (const messageId of rejected) expect((await detail(messageId)).status).toBe('rejected');
    await hub.pool.query(
      `UPDATE message_payloads SET raw = replace(raw, '<typologie>T9</typologie>', '<typologie>T4</typologie>')
        WHERE message_id = ANY($1::uuid[])`,
      [fixable.map((id) => ids[id])],
    );

    const filter = { status: 'rejected', receivedSince: since };
    const dry = await ops('POST', '/ops/messages/replay', {
      filter,
      reason: 'contrat corrigé',
      dryRun: true,
    });
    expect(dry.json()).toMatchObject({ matched: 5, replayed: 0 });
    // Five matched: more than BACKGROUND_ABOVE, a background job.
    const reply = await ops('POST', '/ops/messages/replay', { filter, reason: 'contrat corrigé' });
    expect(reply.statusCode, reply.body).toBe(202);
    const { jobId } = reply.json<{ jobId: string }>();
    const job = await waitFor(async () => {
      const view = await ops('GET', `/ops/jobs/${jobId}`);
      return view.json().status === 'running' ? undefined : view.json();
    });
    expect(job).toMatchObject({ status: 'completed', matched: 5, replayed: 3 });
    await waitForMessagesDone(
      hub.pool,
      fixable.map((id) => ids[id] as string),
    );
    for (const id of fixable) {
      expect(await detail(ids[id] as string)).toMatchObject({
        status: 'applied',
        canonical: { type: 'enregistrement', typologie: 'T4' },
      });
    }
    expect(await detail(ids[invalid] as string)).toMatchObject({ status: 'rejected', audit: [] });
    expect(await detail(ids[twin] as string)).toMatchObject({
      status: 'rejected',
      error: { code: 'IDEMPOTENCY_CONFLICT' },
      audit: [],
    });

    // Two left: within the request, and still nothing replayed.
    const again = await ops('POST', '/ops/messages/replay', { filter, reason: 'encore' });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toEqual({ matched: 2, replayed: 0 });
  });

  it('accepts again one rejected message of an id sent twice, not both (one id, one live message)', async () => {
    const since = new Date().toISOString();
    // The same id rejected twice (a rejected message does not hold its id), with two contents.
    const id = uid('RD');
    const first = await lotDone(enregistrement({ id, nom: 'DoubleRejet', prenom: 'Un', typologie: 'T9' }));
    const second = await lotDone(enregistrement({ id, nom: 'DoubleRejet', prenom: 'Deux', typologie: 'T9' }));
    const both = [first[id], second[id]] as string[];
    await hub.pool.query(
      `UPDATE message_payloads SET raw = replace(raw, '<typologie>T9</typologie>', '<typologie>T4</typologie>')
        WHERE message_id = ANY($1::uuid[])`,
      [both],
    );
    const reply = await ops('POST', '/ops/messages/replay', {
      filter: { status: 'rejected', receivedSince: since },
      reason: 'contrat corrigé',
    });
    expect(reply.statusCode, reply.body).toBe(200);
    expect(reply.json()).toEqual({ matched: 2, replayed: 1 });
    await waitForMessagesDone(hub.pool, [first[id] as string]);
    expect(await detail(first[id] as string)).toMatchObject({ status: 'applied' });
    expect(await detail(second[id] as string)).toMatchObject({ status: 'rejected', audit: [] });
  });
});
