import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRplsQueue } from '../services/pipeline/queues.ts';
import { provision, startTestHub, type TestHub, waitFor } from './helpers/hub.ts';
import { attribution, enregistrement, sendLot } from './helpers/spt.ts';

/** The RPLS connector (interfaces.md §8) through the real app, PostgreSQL and the merge worker. */
let hub: TestHub;
let rpls: string;
let otherRpls: string;
let operator: string;
let bailleur: string;
let guichet: string;

/** The cap on rejected rows, low so that a small file passes it. */
const MAX_REJECTED = 10;
const HEADER =
  'identifiant_rpls;siren_bailleur;code_commune;nb_pieces;surface_habitable;type_construction;annee_achevement;financement;conventionne;qpv';

interface ImportStatus {
  status: string;
  rowsRead: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  sortis: number;
  errors: { line: number; code: string; message: string }[];
  failure?: string;
  finishedAt: string | null;
}

/** A data row; `siren` 123456789 is the bailleur provisioned below. */
function row(
  id: string,
  change: { siren?: string; commune?: string; pieces?: string; surface?: string } = {},
) {
  return `${id};${change.siren ?? '123456789'};${change.commune ?? '59350'};${change.pieces ?? '3'};${change.surface ?? '64,5'};COLLECTIF;1972;PLUS;1;0`;
}

function csv(...rows: string[]): string {
  return `${[HEADER, ...rows].join('\n')}\n`;
}

function post(body: string | Buffer, options: { mode?: string; type?: string; token?: string } = {}) {
  return hub.app.inject({
    method: 'POST',
    url: `/connectors/rpls/v1/imports?mode=${options.mode ?? 'upsert'}`,
    headers: {
      authorization: `Bearer ${options.token ?? rpls}`,
      'content-type': options.type ?? 'text/csv; charset=utf-8',
    },
    payload: body,
  });
}

function getImport(importId: string, token = rpls) {
  return hub.app.inject({
    method: 'GET',
    url: `/connectors/rpls/v1/imports/${importId}`,
    headers: { authorization: `Bearer ${token}` },
  });
}

/** Posts a file (202 expected) and waits until its import is no longer running. */
async function imported(body: string | Buffer, options: { mode?: string; type?: string } = {}) {
  const reply = await post(body, options);
  expect(reply.statusCode, reply.body).toBe(202);
  const { importId } = reply.json<{ importId: string }>();
  const status = await waitFor(async () => {
    const view = (await getImport(importId)).json<ImportStatus>();
    return view.status === 'running' ? undefined : view;
  });
  return { importId, ...status };
}

function getLogement(id: string, token = operator) {
  return hub.app.inject({
    method: 'GET',
    url: `/parc/logements/${id}`,
    headers: { authorization: `Bearer ${token}` },
  });
}

async function countOf(sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await hub.pool.query<{ n: number }>(sql, params);
  return rows[0]?.n ?? 0;
}

beforeAll(async () => {
  hub = await startTestHub({ env: { SNE_RPLS_MAX_REJECTED: String(MAX_REJECTED) } });
  rpls = await provision(hub.app, { id: 'rpls', role: 'rpls', departements: ['*'] });
  otherRpls = await provision(hub.app, { id: 'rpls-bis', role: 'rpls', departements: ['*'] });
  operator = await provision(hub.app, { id: 'ops', role: 'operator', departements: ['*'] });
  bailleur = await provision(hub.app, {
    id: 'lille-habitat',
    role: 'bailleur',
    organisme: '123456789',
    codeGuichet: 'LH59A',
  });
  guichet = await provision(hub.app, {
    id: 'mairie',
    role: 'guichet',
    organisme: '215903501',
    codeGuichet: 'ML59A',
  });
});

afterAll(async () => {
  if (hub) {
    const queue = createRplsQueue({ connection: hub.infrastructure.redis, prefix: hub.config.queuePrefix });
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    await hub.close();
  }
});

describe('upsert', () => {
  it('inserts, then counts updated and unchanged rows on a second import', async () => {
    const first = await imported(csv(row('UP00000001'), row('UP00000002'), row('UP00000003')));
    expect(first).toMatchObject({ status: 'completed', rowsRead: 3, inserted: 3, updated: 0, unchanged: 0 });
    expect(first.finishedAt).toEqual(expect.any(String));

    const second = await imported(
      csv(row('UP00000001'), row('UP00000002', { surface: '70' }), row('UP00000003'), row('UP00000004')),
    );
    expect(second).toMatchObject({
      status: 'completed',
      rowsRead: 4,
      inserted: 1,
      updated: 1,
      unchanged: 2,
      rejected: 0,
      errors: [],
    });
    const logement = (await getLogement('UP00000002')).json();
    expect(logement).toMatchObject({
      identifiantRpls: 'UP00000002',
      sirenBailleur: '123456789',
      codeCommune: '59350',
      departement: '59',
      nbPieces: 3,
      surfaceHabitable: 70,
      typeConstruction: 'COLLECTIF',
      anneeAchevement: 1972,
      financement: 'PLUS',
      conventionne: true,
      qpv: false,
      statut: 'en-parc',
      importId: second.importId,
    });
    // The merge drops its staging table.
    expect(await countOf(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'rpls_staging'`)).toBe(
      0,
    );
  });

  it('reads the ISO-8859-1 example (columns in another order, quoted field, CRLF, extra column)', async () => {
    const file = readFileSync(new URL('../contracts/rpls/v1/examples/parc-iso-8859-1.csv', import.meta.url));
    const done = await imported(file, { type: 'text/csv; charset=iso-8859-1' });
    expect(done).toMatchObject({ status: 'completed', rowsRead: 2, inserted: 2, rejected: 0 });
    expect((await getLogement('2A00000001')).json()).toMatchObject({
      departement: '2A',
      codeCommune: '2A004',
    });
    expect((await getLogement('6200004321')).json()).toMatchObject({ surfaceHabitable: 78.25 });
  });

  it('reads the UTF-8 example', async () => {
    const file = readFileSync(new URL('../contracts/rpls/v1/examples/parc-utf8.csv', import.meta.url));
    expect(await imported(file)).toMatchObject({ status: 'completed', rowsRead: 4, rejected: 0 });
  });
});

describe('row errors', () => {
  it('rejects bad rows with their line numbers and codes, and imports the others', async () => {
    const done = await imported(
      [
        HEADER, // 1
        row('RE00000001'), // 2
        row('RE00000002', { siren: '12345' }), // 3
        `RE00000003;"123456789;59350;3;64;COLLECTIF;1972;PLUS;1;0`, // 4: quote never closed
        row('RE00000004'), // 5: read normally after the broken line
        '', // 6: empty, skipped
        row('RE00000005', { commune: '59999' }), // 7
        'RE00000006;123456789;59350', // 8
        row('RE00000007', { pieces: 'x'.repeat(2000) }), // 9
        row('RE00000008'), // 10
        row('RE00000008', { surface: '50' }), // 11: duplicate, both rejected
        row('RE00000009'), // 12
      ].join('\r\n'),
    );
    expect(done.errors.map((e) => [e.line, e.code])).toEqual([
      [3, 'CONTRACT_INVALID'],
      [4, 'CSV_QUOTE_UNTERMINATED'],
      [7, 'COMMUNE_INCONNUE'],
      [8, 'CSV_FIELD_COUNT'],
      [9, 'CSV_FIELD_TOO_LONG'],
      [10, 'DUPLICATE_IDENTIFIANT'],
      [11, 'DUPLICATE_IDENTIFIANT'],
    ]);
    expect(done.errors[0]?.message).toContain('siren_bailleur must be a SIREN of 9 digits');
    expect(done).toMatchObject({ status: 'completed', rowsRead: 10, rejected: 7, inserted: 3 });
    for (const id of ['RE00000001', 'RE00000004', 'RE00000009']) {
      expect((await getLogement(id)).statusCode).toBe(200);
    }
    expect((await getLogement('RE00000008')).statusCode).toBe(404);
  });

  it('fails the import past the rejection limit and keeps nothing of it (202, then failed on GET)', async () => {
    const bad = Array.from({ length: MAX_REJECTED + 1 }, (_, i) =>
      row(`CAP0000${String(i).padStart(3, '0')}`, { siren: 'x' }),
    );
    // interfaces.md §8: a stored file is answered 202 { importId }, its outcome read on GET; a client
    // that takes anything else for a refused upload would never poll.
    const reply = await post(csv(row('CAPGOOD001'), ...bad, row('CAPGOOD002')));
    expect(reply.statusCode, reply.body).toBe(202);
    const accepted = reply.json<{ importId: string }>();
    expect(Object.keys(accepted)).toEqual(['importId']);
    const view = (await getImport(accepted.importId)).json<ImportStatus>();
    expect(view).toMatchObject({
      status: 'failed',
      failure: 'TOO_MANY_REJECTED',
      rejected: MAX_REJECTED + 1,
      inserted: 0,
    });
    expect(view.finishedAt).toEqual(expect.any(String));
    expect(view.errors).toHaveLength(MAX_REJECTED + 1);
    expect(view.errors[0]).toMatchObject({ line: 3, code: 'CONTRACT_INVALID' });
    expect(await countOf(`SELECT count(*)::int AS n FROM logements WHERE identifiant_rpls LIKE 'CAP%'`)).toBe(
      0,
    );
    expect(await countOf(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'rpls_staging'`)).toBe(
      0,
    );
  });

  it('documents an upload past the rejection limit as a 202, not a refusal', async () => {
    const doc = (await hub.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const upload = doc.paths['/connectors/rpls/v1/imports'].post;
    expect(Object.keys(upload.responses)).toContain('202');
    expect(Object.keys(upload.responses)).not.toContain('422');
    expect(upload.description).not.toContain('422');
    expect(upload.description).toContain('TOO_MANY_REJECTED');
  });
});

describe('files refused as a whole (nothing stored)', () => {
  const importsStored = () => countOf('SELECT count(*)::int AS n FROM rpls_imports');

  it.each([
    ['another separator', csv(row('SEP0000001')).replaceAll(';', ','), 400, 'CSV_HEADER_INVALID'],
    ['a missing column', `${HEADER.replace(';qpv', '')}\n`, 400, 'CSV_HEADER_INVALID'],
    ['an empty body', '', 400, 'CSV_HEADER_INVALID'],
    ['binary content', Buffer.from([0, 1, 2, 0xff, 0xfe, 10, 0, 0]), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['lines ending with a lone CR', csv(row('CR00000001')).replaceAll('\n', '\r'), 400, 'CSV_HEADER_INVALID'],
    [
      'a file of lone CRs larger than a line may be (read as one line)',
      csv(...Array.from({ length: 400 }, (_, i) => row(`CR${String(i).padStart(8, '0')}`))).replaceAll(
        '\n',
        '\r',
      ),
      400,
      'CSV_HEADER_INVALID',
    ],
  ])('refuses %s', async (what, body, status, code) => {
    const count = await importsStored();
    const reply = await post(body);
    expect(reply.statusCode, reply.body).toBe(status);
    expect(reply.headers['content-type']).toContain('application/problem+json');
    expect(reply.json()).toMatchObject({ code });
    if (what.includes('CR')) expect(reply.json().detail).toContain('carriage return');
    expect(await importsStored()).toBe(count);
  });

  it.each([
    ['application/json', 'UNSUPPORTED_MEDIA_TYPE'],
    ['text/plain', 'UNSUPPORTED_MEDIA_TYPE'],
    ['text/csv; charset=windows-1252', 'ENCODING_UNSUPPORTED'],
  ])('refuses Content-Type %s with 415 %s', async (type, code) => {
    const reply = await post(csv(row('CT00000001')), { type });
    expect(reply.statusCode, reply.body).toBe(415);
    expect(reply.json()).toMatchObject({ code });
  });

  it('refuses an unknown mode', async () => {
    expect((await post(csv(row('MO00000001')), { mode: 'replace' })).statusCode).toBe(400);
  });
});

describe('snapshot', () => {
  it("marks sorti the bailleur's logements missing from the file, keeps the others, and no attribution may name them", async () => {
    await imported(
      csv(row('SN00000001'), row('SN00000002'), row('SN00000003'), row('SN00000009', { siren: '987654321' })),
    );
    // SN00000003 is listed on a rejected row: still in the parc, its row only needs fixing.
    const snapshot = await imported(csv(row('SN00000001'), row('SN00000003', { pieces: '99' })), {
      mode: 'snapshot',
    });
    expect(snapshot).toMatchObject({ status: 'completed', unchanged: 1, rejected: 1 });
    const gone = (await getLogement('SN00000002')).json();
    expect(gone).toMatchObject({ statut: 'sorti', sortiLe: expect.any(String) });
    expect((await getLogement('SN00000003')).json()).toMatchObject({ statut: 'en-parc' });
    // Another bailleur's logements are not touched.
    expect((await getLogement('SN00000009')).json()).toMatchObject({ statut: 'en-parc' });
    // Every logement of 123456789 absent from the file left the parc (those of earlier tests too).
    expect(snapshot.sortis).toBe(
      await countOf(
        `SELECT count(*)::int AS n FROM logements WHERE sorti_import_id = $1 AND siren_bailleur = '123456789'`,
        [snapshot.importId],
      ),
    );
    expect(snapshot.sortis).toBeGreaterThan(1);

    const enr = 'E-sorti';
    const out = await sendLot(hub.app, bailleur, enregistrement({ id: enr, nom: 'Sorti' }));
    const numero = out[enr]?.result?.numeroUnique as string;
    const [a, b] = ['A-sorti', 'A-en-parc'];
    const done = await sendLot(hub.app, bailleur, attribution(a, numero, 'SN00000002', '2014-06-30'));
    expect(done[a]?.error?.code).toBe('LOGEMENT_INCONNU');
    expect(done[a]?.error?.message).toContain('left the parc');
    const ok = await sendLot(hub.app, bailleur, attribution(b, numero, 'SN00000001', '2014-06-30'));
    expect(ok[b]?.status).toBe('applied');

    // Listed again, a logement sorti comes back.
    const back = await imported(csv(row('SN00000002')));
    expect(back).toMatchObject({ updated: 1 });
    expect((await getLogement('SN00000002')).json()).toMatchObject({ statut: 'en-parc' });
    expect((await getLogement('SN00000002')).json()).not.toHaveProperty('sortiLe');
  });
});

describe('snapshot and lines the reader refuses', () => {
  it('keeps in the parc a logement whose line is refused for its encoding or its fields: the file lists it', async () => {
    const siren = '444444444';
    await imported(
      csv(...['SR00000001', 'SR00000002', 'SR00000003', 'SR00000004'].map((id) => row(id, { siren }))),
    );
    const body = Buffer.concat([
      Buffer.from(`${HEADER}\n${row('SR00000001', { siren })}\n${row('SR00000002', { siren })};extra\n`),
      // Not UTF-8: one Latin-1 byte in a field.
      Buffer.from(`${row('SR00000003', { siren }).replace('PLUS', 'PL')}`),
      Buffer.from([0xe9]),
      Buffer.from('US\n'),
    ]);
    const snapshot = await imported(body, { mode: 'snapshot' });
    expect(snapshot.errors.map((e) => e.code).sort()).toEqual(['CSV_ENCODING_INVALID', 'CSV_FIELD_COUNT']);
    expect((await getLogement('SR00000002')).json()).toMatchObject({ statut: 'en-parc' });
    expect((await getLogement('SR00000003')).json()).toMatchObject({ statut: 'en-parc' });
    // Absent from the file: out of the parc.
    expect((await getLogement('SR00000004')).json()).toMatchObject({ statut: 'sorti' });
  });
});

describe('roles and scope', () => {
  it('keeps an RPLS client of some départements to them: a row elsewhere is rejected, a snapshot takes nothing out elsewhere', async () => {
    const regional = await provision(hub.app, { id: 'rpls-59', role: 'rpls', departements: ['59'] });
    const siren = '333333333';
    // The national registry lists this bailleur in 59 and 62.
    await imported(csv(row('RG59000001', { siren }), row('RG62000001', { siren, commune: '62041' })));
    const outside = await post(csv(row('RG62000002', { siren, commune: '62041' })), { token: regional });
    expect(outside.statusCode, outside.body).toBe(202);
    const view = await waitFor(async () => {
      const status = (await getImport(outside.json().importId, regional)).json<ImportStatus>();
      return status.status === 'running' ? undefined : status;
    });
    expect(view).toMatchObject({ status: 'completed', inserted: 0, rejected: 1 });
    expect(view.errors).toEqual([expect.objectContaining({ line: 2, code: 'HORS_TERRITOIRE' })]);
    expect((await getLogement('RG62000002')).statusCode).toBe(404);
    // Its snapshot of the bailleur in 59 says nothing of 62.
    const snapshot = await post(csv(row('RG59000001', { siren })), { token: regional, mode: 'snapshot' });
    await waitFor(async () => {
      const status = (await getImport(snapshot.json().importId, regional)).json<ImportStatus>();
      return status.status === 'running' ? undefined : status;
    });
    expect((await getLogement('RG62000001')).json()).toMatchObject({ statut: 'en-parc' });
  });

  it('lets only an rpls client import; a guichet or a bailleur gets 403', async () => {
    for (const token of [guichet, bailleur, operator]) {
      const reply = await post(csv(row('RO00000001')), { token });
      expect(reply.statusCode).toBe(403);
      expect(reply.json()).toMatchObject({ code: 'FORBIDDEN' });
    }
  });

  it('shows an import to its sender and operators only', async () => {
    const { importId } = await imported(csv(row('RO00000002')));
    expect((await getImport(importId, operator)).statusCode).toBe(200);
    expect((await getImport(importId, otherRpls)).statusCode).toBe(404);
    expect((await getImport(importId, guichet)).statusCode).toBe(403);
    expect((await getImport('00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
  });

  it('shows a logement to operators and its own bailleur; another bailleur is refused', async () => {
    await imported(csv(row('RO00000003', { siren: '555555555' })));
    expect((await getLogement('RO00000003', operator)).statusCode).toBe(200);
    expect((await getLogement('RO00000003', bailleur)).json()).toMatchObject({
      status: 403,
      code: 'FORBIDDEN',
    });
    expect((await getLogement('RO00000009', bailleur)).statusCode).toBe(404);
    expect((await getLogement('RO00000002', bailleur)).statusCode).toBe(200);
    expect((await getLogement('RO00000002', guichet)).statusCode).toBe(403);
    expect((await getLogement('bad', operator)).statusCode).toBe(400);
  });
});

describe('beside the other requests of the process', () => {
  it('gives way to them between batches of lines, counting neither itself nor a long poll among them', async () => {
    const busyAtEachLook: boolean[] = [];
    const giveWay = vi.spyOn(hub.app.foreground, 'giveWay').mockImplementation(async () => {
      busyAtEachLook.push(hub.app.foreground.busy);
    });
    try {
      // A bailleur long-polling the feed the whole time: it waits, it does not work.
      const poll = hub.app.inject({
        method: 'GET',
        url: '/feeds/events?wait=2',
        headers: { authorization: `Bearer ${bailleur}` },
      });
      const { status } = await imported(csv(row('RW00000001'), row('RW00000002')));
      expect(status).toBe('completed');
      expect(busyAtEachLook.length).toBeGreaterThan(0);
      expect(busyAtEachLook.every((busy) => !busy)).toBe(true);
      expect((await poll).statusCode).toBe(200);
    } finally {
      giveWay.mockRestore();
    }
  });
});
