import { readFileSync } from 'node:fs';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provision, startTestHub, type TestHub } from './helpers/hub.ts';
import { enregistrement, sendLot } from './helpers/spt.ts';
import { UUID_V7 } from './helpers/uuid-v7.ts';
import { waitForMessagesDone } from './helpers/wait.ts';
import { jpeg, multipart, pdf, png } from './pgp-fixtures.ts';

/** The PGP connector as the portail meets it, and the dossier unique as guichets read it. */
let hub: TestHub;
let pgp: string;
let guichet59: string;
let guichet62: string;
let counter = 0;
const uid = (prefix: string) => `${prefix}-${++counter}`;
const PIECE_MAX_BYTES = 64 * 1024;
// Fixed business dates, so that expected values are spelled from domain.md, not computed by the
// code's own date helpers or the clock.
const DEPOT = '2014-02-10';
const RADIATION = '2015-02-03';

beforeAll(async () => {
  hub = await startTestHub({ env: { SNE_PIECE_MAX_BYTES: String(PIECE_MAX_BYTES) } });
  // Usually ['*']; here only 59, to see what lies outside the portail's scope.
  pgp = await provision(hub.app, { id: 'portail', role: 'pgp', codeGuichet: 'GDPUB', departements: ['59'] });
  guichet59 = await provision(hub.app, { id: 'mairie-lille', role: 'guichet', codeGuichet: 'ML59A' });
  guichet62 = await provision(hub.app, {
    id: 'arras',
    role: 'guichet',
    organisme: '216200410',
    codeGuichet: 'AR62A',
    departements: ['62'],
  });
});

afterAll(async () => {
  await hub?.close();
});

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

function post(url: string, body: unknown, token = pgp): Promise<LightMyRequestResponse> {
  return hub.app.inject({
    method: 'POST',
    url: `/connectors/pgp/v1${url}`,
    headers: { ...auth(token), 'content-type': 'application/json' },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function get(url: string, token: string): Promise<LightMyRequestResponse> {
  return hub.app.inject({ method: 'GET', url, headers: auth(token) });
}

function demande(overrides: Record<string, unknown> = {}) {
  return {
    id: uid('D'),
    departement: '59',
    dateDepot: DEPOT,
    demandeur: {
      nom: `Demandeur${++counter}`,
      prenom: 'Amélie',
      dateNaissance: '1985-04-12',
      nationalite: 'FR',
      email: 'amelie@example.org',
    },
    menage: { nombrePersonnes: 2 },
    ressourcesMensuelles: 1450.5,
    typologie: 'T3',
    communesSouhaitees: ['59350', '59009'],
    motif: 'logement-trop-petit',
    ...overrides,
  };
}

/** Sends a message, expects 202, waits until it is done, and returns its status route's reply. */
async function sent(url: string, body: unknown) {
  const reply = await post(url, body);
  expect(reply.statusCode, reply.body).toBe(202);
  const { messageId } = reply.json<{ messageId: string }>();
  await waitForMessagesDone(hub.pool, [messageId]);
  return (await get(`/messages/${messageId}`, pgp)).json<{
    status: string;
    result?: { numeroUnique: string };
    error?: { code: string };
  }>();
}

/** A demande registered by a guichet through SPT. */
async function filedBySpt(token: string, departement: string, communes: string[]): Promise<string> {
  const id = uid('S');
  const out = await sendLot(
    hub.app,
    token,
    enregistrement({ id, nom: `Guichet${id}`, departement, communes, dateDepot: DEPOT }),
  );
  expect(out[id]?.status).toBe('applied');
  return out[id]?.result?.numeroUnique as string;
}

async function filed(overrides: Record<string, unknown> = {}): Promise<string> {
  const message = await sent('/demandes', demande(overrides));
  expect(message.status).toBe('applied');
  return message.result?.numeroUnique as string;
}

describe('demandes', () => {
  it('files a demande under the codeGuichet GDPUB', async () => {
    const body = demande();
    const reply = await post('/demandes', body);
    expect(reply.statusCode).toBe(202);
    expect(reply.json()).toEqual({ messageId: expect.any(String), status: 'accepted' });
    const { messageId } = reply.json<{ messageId: string }>();
    await waitForMessagesDone(hub.pool, [messageId]);
    const message = await get(`/messages/${messageId}`, pgp);
    expect(message.json()).toMatchObject({
      system: 'pgp',
      version: 'v1',
      type: 'demande',
      status: 'applied',
      result: { numeroUnique: expect.stringMatching(/^059\d{10}GDPUB$/) },
    });
    // A guichet of the département lists it; it has no referenceGuichet: null, not absent (§10).
    const numero = message.json().result.numeroUnique as string;
    let url = '/sne/demandes?departement=59&limit=1000';
    let item: unknown;
    for (let page = 0; page < 20 && !item; page++) {
      const body = (await get(url, guichet59)).json<{ items: { numeroUnique: string }[]; next?: string }>();
      item = body.items.find((i) => i.numeroUnique === numero);
      if (!body.next) break;
      url = `/sne/demandes?departement=59&limit=1000&cursor=${body.next}`;
    }
    expect(item).toMatchObject({ numeroUnique: numero, referenceGuichet: null, statut: 'active' });
  });

  it('modifies, renews and abandons, each message stored whole with the numéro of its path', async () => {
    const numero = await filed();
    const modification = await sent(`/demandes/${numero}/modifications`, {
      id: uid('M'),
      typologie: 'T4',
      demandeur: { telephone: '06 12 34 56 78' },
    });
    expect(modification.status).toBe('applied');
    const seen = await get(`/sne/demandes/${numero}`, guichet59);
    expect(seen.json()).toMatchObject({ typologie: 'T4', demandeur: { telephone: '06 12 34 56 78' } });

    const dateRenouvellement = '2015-01-31';
    expect(
      (await sent(`/demandes/${numero}/renouvellements`, { id: uid('R'), dateRenouvellement })).status,
    ).toBe('applied');
    const abandon = await sent(`/demandes/${numero}/abandon`, { id: uid('A'), dateRadiation: RADIATION });
    expect(abandon.status).toBe('applied');

    const view = await get(`/connectors/pgp/v1/demandes/${numero}`, pgp);
    expect(view.statusCode).toBe(200);
    expect(view.json()).toEqual({
      numeroUnique: numero,
      statut: 'radiee',
      departement: '59',
      dateDepot: DEPOT,
      // Renewed on 2015-01-31: échéance a year later.
      dateEcheance: '2016-01-31',
      dateRenouvellement,
      typologie: 'T4',
      communesSouhaitees: ['59350', '59009'],
      preavis: [],
      radiation: { motif: 'abandon', dateRadiation: RADIATION },
    });

    const { rows } = await hub.pool.query<{ raw: string }>(
      `SELECT raw FROM messages m JOIN message_payloads p ON p.message_id = m.id WHERE system = 'pgp' AND type = 'renouvellement' AND raw LIKE $1`,
      [`%${numero}%`],
    );
    expect(JSON.parse(rows[0]?.raw as string)).toEqual({
      numeroUnique: numero,
      id: expect.any(String),
      dateRenouvellement,
    });
  });

  it('shows the demandeur the préavis sent, and no personal data', async () => {
    // Dépôt 2013-06-20, échéance 2014-06-20: the préavis is due from 2014-05-20; swept on 2014-06-01.
    const numero = await filed({ dateDepot: '2013-06-20' });
    const sweep = await hub.app.inject({
      method: 'POST',
      url: '/ops/sweeps/renouvellement',
      headers: auth(await provision(hub.app, { id: uid('ops'), role: 'operator', departements: ['*'] })),
      payload: { asOf: '2014-06-01', reason: 'test' },
    });
    expect(sweep.statusCode).toBe(200);
    const view = (await get(`/connectors/pgp/v1/demandes/${numero}`, pgp)).json();
    expect(view).toMatchObject({
      statut: 'active',
      dateEcheance: '2014-06-20',
      preavis: [{ dateEcheance: '2014-06-20', envoyeLe: expect.stringMatching(/^\d{4}-.*Z$/) }],
    });
    expect(Object.keys(view).sort()).toEqual(
      [
        'communesSouhaitees',
        'dateDepot',
        'dateEcheance',
        'departement',
        'numeroUnique',
        'preavis',
        'statut',
        'typologie',
      ].sort(),
    );
    expect(JSON.stringify(view)).not.toContain('Amélie');
  });

  it('lets the portail follow a demande filed at a guichet of its départements, not elsewhere', async () => {
    const atGuichet = await filedBySpt(guichet59, '59', ['59350']);
    expect((await get(`/connectors/pgp/v1/demandes/${atGuichet}`, pgp)).json()).toMatchObject({
      numeroUnique: atGuichet,
      statut: 'active',
    });
    const in62 = await filedBySpt(guichet62, '62', ['62041']);
    const elsewhere = await get(`/connectors/pgp/v1/demandes/${in62}`, pgp);
    expect(elsewhere.statusCode).toBe(403);
    expect(elsewhere.json()).toMatchObject({ code: 'FORBIDDEN' });
    // Read from the numéro: an unknown one of another département is 403 too (nothing revealed).
    expect((await get('/connectors/pgp/v1/demandes/0620101999999GDPUB', pgp)).statusCode).toBe(403);
    expect((await get('/connectors/pgp/v1/demandes/0590101999999GDPUB', pgp)).statusCode).toBe(404);
    expect((await get(`/connectors/pgp/v1/demandes/${atGuichet}`, guichet59)).statusCode).toBe(403);

    // A message about a demande outside its scope: 403 at once, nothing stored.
    const abandon = await post(`/demandes/${in62}/abandon`, { id: uid('A'), dateRadiation: RADIATION });
    expect(abandon.statusCode).toBe(403);
    expect(abandon.json()).toMatchObject({ code: 'FORBIDDEN' });
    const { rows } = await hub.pool.query(
      `SELECT 1 FROM messages m JOIN message_payloads p ON p.message_id = m.id WHERE system = 'pgp' AND raw LIKE $1`,
      [`%${in62}%`],
    );
    expect(rows).toEqual([]);
  });
});

describe('idempotency', () => {
  it('answers the same messageId for the same id and content, 409 for another content', async () => {
    const body = demande();
    const first = await post('/demandes', body);
    const again = await post('/demandes', body);
    expect(again.statusCode).toBe(202);
    expect(again.json<{ messageId: string }>().messageId).toBe(first.json<{ messageId: string }>().messageId);

    const conflict = await post('/demandes', { ...body, typologie: 'T5' });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.headers['content-type']).toContain('application/problem+json');
    expect(conflict.json()).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', messageId: expect.any(String) });
    await waitForMessagesDone(hub.pool, [first.json<{ messageId: string }>().messageId]);
  });
});

describe('the published examples', () => {
  it.each([
    ['modification.json', 'modifications'],
    ['renouvellement.json', 'renouvellements'],
    ['abandon.json', 'abandon'],
  ])('%s, posted as it is to the path of its numéro, is accepted', async (file, route) => {
    const example = JSON.parse(readFileSync(`contracts/pgp/v1/examples/${file}`, 'utf8'));
    const reply = await post(`/demandes/${example.numeroUnique}/${route}`, { ...example, id: uid('EX') });
    expect(reply.statusCode, reply.body).toBe(202);
    expect(reply.json().status).toBe('accepted');
  });
});

describe('contract errors', () => {
  it('answer 400 with JSON pointers and keep the message, rejected, as sent', async () => {
    const text = JSON.stringify(demande({ typologie: 'T9', communesSouhaitees: [] }));
    const reply = await post('/demandes', text);
    expect(reply.statusCode).toBe(400);
    const problem = reply.json<{ code: string; messageId: string; errors: { path: string }[] }>();
    expect(problem).toMatchObject({ code: 'CONTRACT_INVALID', status: 400 });
    expect(problem.errors.map((e) => e.path).sort()).toEqual(['/communesSouhaitees', '/typologie']);
    const { rows } = await hub.pool.query(
      'SELECT status, raw FROM messages m JOIN message_payloads p ON p.message_id = m.id WHERE id = $1',
      [problem.messageId],
    );
    expect(rows[0]).toEqual({ status: 'rejected', raw: text });
  });

  it('list the first 100 of thousands, in the reply and in the stored error, and say how many more', async () => {
    // Distinct codes: ajv compares every pair of a list for uniqueItems, thousands are enough here.
    const communes = Array.from({ length: 5000 }, (_, i) => `X${i}`);
    const reply = await post('/demandes', demande({ communesSouhaitees: communes }));
    expect(reply.statusCode).toBe(400);
    const problem = reply.json<{
      code: string;
      messageId: string;
      errors: { path: string; message: string }[];
    }>();
    expect(problem.code).toBe('CONTRACT_INVALID');
    // maxItems once, then one error per commune: 5001, of which the first 100 are listed.
    expect(problem.errors).toHaveLength(101);
    expect(problem.errors[1]?.path).toBe('/communesSouhaitees/0');
    expect(problem.errors.at(-1)).toEqual({
      code: 'CONTRACT_INVALID',
      path: '',
      message: '4901 more errors are not listed: only the first 100 are',
    });
    const { rows } = await hub.pool.query(
      `SELECT status, jsonb_array_length(error->'errors') AS listed, length(error::text) AS chars
         FROM messages WHERE id = $1`,
      [problem.messageId],
    );
    expect(rows[0]).toMatchObject({ status: 'rejected', listed: 101 });
    expect(rows[0].chars).toBeLessThan(20_000);
  });

  it('refuse a nom or a prénom of spaces only, as the SPT contracts do (their reader trims it to empty)', async () => {
    const body = demande({
      demandeur: { nom: '   ', prenom: 'Amélie', dateNaissance: '1985-04-12', nationalite: 'FR' },
      menage: {
        nombrePersonnes: 2,
        personnes: [{ nom: 'Dupont', prenom: '\t ', dateNaissance: '1983-01-02', lien: 'conjoint' }],
      },
    });
    const reply = await post('/demandes', body);
    expect(reply.statusCode, reply.body).toBe(400);
    const problem = reply.json<{ code: string; errors: { path: string }[] }>();
    expect(problem.code).toBe('CONTRACT_INVALID');
    expect(problem.errors.map((e) => e.path)).toEqual(['/demandeur/nom', '/menage/personnes/0/prenom']);
  });

  it('refuse a numéro in the body of a message about a demande', async () => {
    const reply = await post('/demandes/0590101000001GDPUB/abandon', {
      id: uid('A'),
      numeroUnique: '0590101000002GDPUB',
      dateRadiation: RADIATION,
    });
    expect(reply.statusCode).toBe(400);
    expect(reply.json()).toMatchObject({ errors: [{ path: '/numeroUnique' }] });
  });

  it('refuse a body that is not JSON, or not sent as JSON', async () => {
    const malformed = await post('/demandes', '{"id": ');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ code: 'MALFORMED_BODY' });
    const text = await hub.app.inject({
      method: 'POST',
      url: '/connectors/pgp/v1/demandes',
      headers: { ...auth(pgp), 'content-type': 'text/plain' },
      payload: '{}',
    });
    expect(text.statusCode).toBe(415);
    const badPath = await post('/demandes/not-a-numero/abandon', { id: 'x', dateRadiation: RADIATION });
    expect(badPath.statusCode).toBe(400);
    expect(badPath.json()).toMatchObject({ code: 'INVALID_PARAMETER' });
  });

  it('refuse other roles', async () => {
    expect((await post('/demandes', demande(), guichet59)).statusCode).toBe(403);
  });

  it('keep a message whose errors are longer than an index row, and count it on the console', async () => {
    // 300 unknown properties of long names, each its own error: the stored error runs to tens of kB.
    const extra = Object.fromEntries(
      Array.from({ length: 300 }, (_, i) => [`${'propriete-inconnue-'.repeat(6)}${i}-${Math.random()}`, i]),
    );
    const body = { ...demande(), ...extra };
    const reply = await post('/demandes', body);
    expect(reply.statusCode).toBe(400);
    const { rows } = await hub.pool.query<{ status: string; error_code: string; size: number }>(
      'SELECT status, error_code, length(error::text) AS size FROM messages WHERE sender_id = $1',
      [body.id],
    );
    expect(rows).toEqual([{ status: 'rejected', error_code: expect.any(String), size: expect.any(Number) }]);
    expect(rows[0]?.size).toBeGreaterThan(2704);
    const operator = await provision(hub.app, { id: 'ops-pgp', role: 'operator', departements: ['*'] });
    const summary = await get('/ops/messages/summary?status=rejected', operator);
    expect(summary.statusCode).toBe(200);
    expect(summary.json().groups).toContainEqual(
      expect.objectContaining({ system: 'pgp', errorCode: rows[0]?.error_code }),
    );
  });
});

describe('dossier unique', () => {
  let numero: string;
  beforeAll(async () => {
    numero = await filed();
  });

  function upload(
    parts: Parameters<typeof multipart>[0],
    target = numero,
    token = pgp,
  ): Promise<LightMyRequestResponse> {
    const { payload, headers } = multipart(parts);
    return hub.app.inject({
      method: 'POST',
      url: `/connectors/pgp/v1/demandes/${target}/pieces`,
      headers: { ...auth(token), ...headers },
      payload,
    });
  }
  const file = (content: Buffer, filename = 'piece.pdf', contentType = 'application/pdf') => ({
    name: 'file',
    filename,
    contentType,
    content,
  });

  it('stores PDF, JPEG and PNG, recognised by content whatever the part says', async () => {
    const cases = [
      { content: pdf(), type: 'ressources', mediaType: 'application/pdf' },
      { content: jpeg(), type: 'identite', mediaType: 'image/jpeg' },
      // A PNG sent as "scan.pdf", application/pdf: it is a PNG.
      { content: png(), type: 'logement-actuel', mediaType: 'image/png' },
    ];
    for (const { content, type, mediaType } of cases) {
      const reply = await upload([
        { name: 'type', value: type },
        file(content, 'scan.pdf', 'application/pdf'),
      ]);
      expect(reply.statusCode, reply.body).toBe(201);
      expect(reply.json()).toEqual({
        pieceId: expect.stringMatching(UUID_V7),
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        size: content.length,
        type,
        mediaType,
      });
    }
  });

  it('refuses a .pdf that is text, an oversized file, missing or unknown fields', async () => {
    const stored = async () =>
      (await hub.pool.query('SELECT count(*)::int AS n FROM pieces WHERE numero_unique = $1', [numero]))
        .rows[0].n;
    const before = await stored();
    const text = await upload([
      { name: 'type', value: 'autre' },
      file(Buffer.from('Bonjour, voici mon avis.')),
    ]);
    expect(text.statusCode).toBe(415);
    expect(text.json()).toMatchObject({ code: 'PIECE_TYPE_INTERDIT' });

    const big = Buffer.concat([pdf(), Buffer.alloc(PIECE_MAX_BYTES, 0x20)]);
    const oversized = await upload([{ name: 'type', value: 'autre' }, file(big)]);
    expect(oversized.statusCode).toBe(413);
    expect(oversized.json()).toMatchObject({ code: 'PIECE_TROP_GRANDE' });

    const noType = await upload([file(pdf())]);
    expect(noType.statusCode).toBe(400);
    expect(noType.json()).toMatchObject({ code: 'PIECE_INVALIDE', errors: [{ path: '/type' }] });
    const noFile = await upload([{ name: 'type', value: 'autre' }]);
    expect(noFile.json()).toMatchObject({ code: 'PIECE_INVALIDE', errors: [{ path: '/file' }] });
    const badType = await upload([{ name: 'type', value: 'passeport' }, file(pdf())]);
    expect(badType.json()).toMatchObject({ code: 'PIECE_INVALIDE', errors: [{ path: '/type' }] });
    const json = await post(`/demandes/${numero}/pieces`, { type: 'autre' });
    expect(json.statusCode).toBe(415);
    // Not JSON at all, labelled as JSON: the media type is what is wrong, not its syntax.
    const notJson = await hub.app.inject({
      method: 'POST',
      url: `/connectors/pgp/v1/demandes/${numero}/pieces`,
      headers: { authorization: `Bearer ${pgp}`, 'content-type': 'application/json' },
      payload: '%PDF-1.4 not JSON',
    });
    expect(notJson.json()).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });

    const unknown = await upload([{ name: 'type', value: 'autre' }, file(pdf())], '0590101999999GDPUB');
    expect(unknown.statusCode).toBe(404);
    const in62 = await filedBySpt(guichet62, '62', ['62041']);
    expect((await upload([{ name: 'type', value: 'autre' }, file(pdf())], in62)).statusCode).toBe(403);
    // Nothing refused was stored, whatever the other tests stored before.
    expect(await stored()).toBe(before);
  });

  it('lists and downloads for a guichet of the département, each download audited; 403 / 404 elsewhere', async () => {
    const content = pdf('Justificatif de domicile');
    const created = (await upload([{ name: 'type', value: 'logement-actuel' }, file(content)])).json<{
      pieceId: string;
      sha256: string;
    }>();

    const list = await get(`/sne/demandes/${numero}/pieces`, guichet59);
    expect(list.statusCode).toBe(200);
    expect(list.json<{ items: unknown[] }>().items).toContainEqual({
      pieceId: created.pieceId,
      type: 'logement-actuel',
      mediaType: 'application/pdf',
      size: content.length,
      sha256: created.sha256,
      createdAt: expect.any(String),
    });

    const download = await get(`/sne/pieces/${created.pieceId}`, guichet59);
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.equals(content)).toBe(true);
    expect(download.headers['content-type']).toBe('application/pdf');
    expect(download.headers['content-disposition']).toBe(
      `attachment; filename="logement-actuel-${created.pieceId}.pdf"`,
    );
    expect(download.headers.etag).toBe(`"${created.sha256}"`);
    expect(download.headers['repr-digest']).toBe(
      `sha-256=:${Buffer.from(created.sha256, 'hex').toString('base64')}:`,
    );
    const audit = await hub.pool.query(
      `SELECT actor, details FROM audit WHERE action = 'piece.download' AND target = $1`,
      [created.pieceId],
    );
    expect(audit.rows).toEqual([
      { actor: 'mairie-lille', details: { numeroUnique: numero, type: 'logement-actuel' } },
    ]);

    expect((await get(`/sne/demandes/${numero}/pieces`, guichet62)).statusCode).toBe(403);
    // Cursor-paginated: one a page, every pièce once, oldest first.
    const all = (await get(`/sne/demandes/${numero}/pieces`, guichet59)).json<{
      items: { pieceId: string }[];
    }>();
    const walked: string[] = [];
    let url = `/sne/demandes/${numero}/pieces?limit=1`;
    for (let page = 0; page < 50; page++) {
      const body = (await get(url, guichet59)).json<{ items: { pieceId: string }[]; next?: string }>();
      walked.push(...body.items.map((p) => p.pieceId));
      if (!body.next) break;
      url = `/sne/demandes/${numero}/pieces?limit=1&cursor=${body.next}`;
    }
    expect(walked).toEqual(all.items.map((p) => p.pieceId));
    expect(walked.length).toBeGreaterThan(1);
    // A cursor naming no pièce of this demande gave an empty page, as if the list had ended.
    const stray = await get(
      `/sne/demandes/${numero}/pieces?cursor=01900000-0000-7000-8000-000000000000`,
      guichet59,
    );
    expect(stray.statusCode, stray.body).toBe(400);
    expect(stray.json()).toMatchObject({ code: 'INVALID_PARAMETER' });
    // A pièce's id names no département: another one's pièce reads as unknown.
    const elsewhere = await get(`/sne/pieces/${created.pieceId}`, guichet62);
    expect(elsewhere.statusCode).toBe(404);
    expect(elsewhere.json()).toMatchObject({ code: 'PIECE_INCONNUE' });
    const audited = await hub.pool.query(
      `SELECT count(*)::int AS n FROM audit WHERE target = $1 AND actor = 'arras'`,
      [created.pieceId],
    );
    expect(audited.rows[0].n).toBe(0);
    expect((await get(`/sne/pieces/${created.pieceId}`, pgp)).statusCode).toBe(403);
  });

  it('removes a pièce: content erased, audited, 404 afterwards', async () => {
    const { pieceId } = (
      await upload([{ name: 'type', value: 'autre' }, file(png(), 'x.png', 'image/png')])
    ).json<{
      pieceId: string;
    }>();
    const remove = () =>
      hub.app.inject({ method: 'DELETE', url: `/connectors/pgp/v1/pieces/${pieceId}`, headers: auth(pgp) });
    expect((await remove()).statusCode).toBe(204);
    expect((await remove()).statusCode).toBe(404);
    expect((await get(`/sne/pieces/${pieceId}`, guichet59)).statusCode).toBe(404);
    const items = (await get(`/sne/demandes/${numero}/pieces`, guichet59)).json<{
      items: { pieceId: string }[];
    }>();
    expect(items.items.map((i) => i.pieceId)).not.toContain(pieceId);
    const { rows } = await hub.pool.query('SELECT content, deleted_at FROM pieces WHERE id = $1', [pieceId]);
    expect(rows[0]).toMatchObject({ content: null, deleted_at: expect.any(Date) });
    const audit = await hub.pool.query(
      `SELECT actor FROM audit WHERE action = 'piece.delete' AND target = $1`,
      [pieceId],
    );
    expect(audit.rows).toEqual([{ actor: 'portail' }]);
  });
});

describe('documentation', () => {
  it('shows the PGP and pièce routes with their bodies in the OpenAPI document', async () => {
    const document = (await hub.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<
        string,
        Record<string, { tags?: string[]; requestBody?: { content: Record<string, unknown> } }>
      >;
    }>();
    const paths = document.paths;
    expect(paths['/connectors/pgp/v1/demandes']?.post?.tags).toEqual(['portail']);
    expect(
      paths['/connectors/pgp/v1/demandes']?.post?.requestBody?.content['application/json'],
    ).toBeDefined();
    const upload = paths['/connectors/pgp/v1/demandes/{numeroUnique}/pieces']?.post;
    expect(upload?.requestBody?.content['multipart/form-data']).toBeDefined();
    expect(paths['/connectors/pgp/v1/pieces/{pieceId}']?.delete).toBeDefined();
    expect(paths['/sne/pieces/{pieceId}']?.get?.tags).toEqual(['SNE']);
    expect(paths['/sne/demandes/{numeroUnique}/pieces']?.get).toBeDefined();
  });
});
