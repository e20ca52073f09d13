import type { LightMyRequestResponse } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provision, startTestHub, type TestHub, waitForMessagesDone } from './helpers/hub.ts';
import { enregistrement, radiation, renouvellement, sendLot } from './helpers/spt.ts';
import { multipart, pdf } from './pgp-fixtures.ts';

/**
 * The retention purge through POST /ops/sweeps/retention: personal data gone from every table,
 * statistics unchanged, reactivated and recent demandes kept.
 */
let hub: TestHub;
let pgp: string;
let bailleur: string;
let operator: string;
let counter = 0;
const uid = (prefix: string) => `${prefix}-${++counter}`;
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

/** What identifies the people of the demandes purged: none of it may remain anywhere. */
const PURGED = [
  'Zorglubienne',
  'Hortensiaqq',
  'Cotitulairezz',
  'Bertrandqq',
  'zorglub@example.org',
  '06 12 34 56 78',
  '07 98 76 54 32',
  'rue des Zorglubs',
  '1971-07-23',
  '1969-11-02',
  'Sptpurgee',
];
/** People whose demandes must keep their data: proves the search finds what is there. */
const KEPT = ['Recentissime', 'Revenante'];

async function pgpPost(url: string, body: unknown): Promise<string> {
  const reply = await hub.app.inject({
    method: 'POST',
    url: `/connectors/pgp/v1${url}`,
    headers: { ...auth(pgp), 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
  expect(reply.statusCode, reply.body).toBe(202);
  const { messageId } = reply.json<{ messageId: string }>();
  await waitForMessagesDone(hub.pool, [messageId]);
  const { rows } = await hub.pool.query('SELECT status, result, error FROM messages WHERE id = $1', [
    messageId,
  ]);
  expect(rows[0], JSON.stringify(rows[0])).toMatchObject({ status: 'applied' });
  return rows[0].result?.numeroUnique;
}

function retention(asOf: string, token = operator): Promise<LightMyRequestResponse> {
  return hub.app.inject({
    method: 'POST',
    url: '/ops/sweeps/retention',
    headers: auth(token),
    payload: { asOf, reason: 'rétention annuelle' },
  });
}

async function purge(asOf: string): Promise<number> {
  const reply = await retention(asOf);
  expect(reply.statusCode, reply.body).toBe(200);
  return reply.json<{ purgees: number }>().purgees;
}

/** Every text, json, jsonb, array and bytea column of every table that holds `needle`, as `table.column`. */
async function tablesHolding(pool: pg.Pool, needle: string): Promise<string[]> {
  const { rows: columns } = await pool.query<{ table_name: string; column_name: string; data_type: string }>(
    `SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema') AND t.table_type = 'BASE TABLE'
        AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY')`,
  );
  expect(columns.length).toBeGreaterThan(20);
  const hits: string[] = [];
  for (const { table_name, column_name, data_type } of columns) {
    const column = `"${column_name}"`;
    const condition =
      data_type === 'bytea'
        ? `position(convert_to($1, 'UTF8') in ${column}) > 0`
        : `${column}::text ILIKE '%' || $1 || '%'`;
    const { rows } = await pool.query(`SELECT 1 FROM "${table_name}" WHERE ${condition} LIMIT 1`, [needle]);
    if (rows.length > 0) hits.push(`${table_name}.${column_name}`);
  }
  return hits;
}

/** What the statistics read: counts by every statistical dimension, dates included. */
async function statistics(pool: pg.Pool) {
  const { rows } = await pool.query(
    `SELECT departement, commune_rang1, date_depot, statut, motif, motif_radiation, sous_motif_radiation,
            date_radiation, typologie, nombre_personnes, ressources_mensuelles, date_echeance,
            date_renouvellement, count(*)::int AS n
       FROM demandes GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13`,
  );
  const byMotif = await pool.query(
    `SELECT motif_radiation, date_radiation, count(*)::int AS n FROM demandes
      WHERE date_radiation IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  return { rows, byMotif: byMotif.rows };
}

let purgeable: string;
let sptPurgee: string;
let recent: string;
let revenante: string;

beforeAll(async () => {
  hub = await startTestHub();
  pgp = await provision(hub.app, { id: 'portail', role: 'pgp', codeGuichet: 'GDPUB', departements: ['*'] });
  bailleur = await provision(hub.app, { id: 'lille-habitat', role: 'bailleur', codeGuichet: 'LH59A' });
  operator = await provision(hub.app, { id: 'ops', role: 'operator', departements: ['*'] });

  // Filed on the portail with contacts and a co-titulaire, a pièce naming the demandeur, modified, abandoned.
  purgeable = await pgpPost('/demandes', {
    id: uid('D'),
    departement: '59',
    dateDepot: '2024-01-10',
    demandeur: {
      nom: 'Zorglubienne',
      prenom: 'Hortensiaqq',
      dateNaissance: '1971-07-23',
      nationalite: 'FR',
      adresse: '12 rue des Zorglubs, Lille',
      email: 'zorglub@example.org',
      telephone: '06 12 34 56 78',
    },
    menage: {
      nombrePersonnes: 2,
      personnes: [
        { nom: 'Cotitulairezz', prenom: 'Bertrandqq', dateNaissance: '1969-11-02', lien: 'conjoint' },
      ],
    },
    ressourcesMensuelles: 1450.5,
    typologie: 'T3',
    communesSouhaitees: ['59350'],
    motif: 'logement-trop-petit',
  });
  const { payload, headers } = multipart([
    { name: 'type', value: 'identite' },
    {
      name: 'file',
      filename: 'id.pdf',
      contentType: 'application/pdf',
      content: pdf('Zorglubienne Hortensiaqq'),
    },
  ]);
  const upload = await hub.app.inject({
    method: 'POST',
    url: `/connectors/pgp/v1/demandes/${purgeable}/pieces`,
    headers: { ...auth(pgp), ...headers },
    payload,
  });
  expect(upload.statusCode, upload.body).toBe(201);
  await pgpPost(`/demandes/${purgeable}/modifications`, {
    id: uid('M'),
    demandeur: { telephone: '07 98 76 54 32' },
  });
  await pgpPost(`/demandes/${purgeable}/abandon`, { id: uid('A'), dateRadiation: '2024-06-01' });

  // Filed and radiated at a guichet (SPT XML).
  const [e, r] = [uid('E'), uid('X')];
  const first = await sendLot(
    hub.app,
    bailleur,
    enregistrement({ id: e, nom: 'Sptpurgee', dateDepot: '2023-05-05', email: 'spt@example.org' }),
  );
  sptPurgee = first[e]?.result?.numeroUnique as string;
  expect(
    (await sendLot(hub.app, bailleur, radiation(r, sptPurgee, 'abandon', '2024-02-01')))[r]?.status,
  ).toBe('applied');

  // Radiated less than a year before the purge.
  recent = await pgpPost('/demandes', {
    id: uid('D'),
    departement: '59',
    dateDepot: '2024-03-10',
    demandeur: { nom: 'Recentissime', prenom: 'Ana', dateNaissance: '1990-01-01', nationalite: 'UE' },
    menage: { nombrePersonnes: 1 },
    ressourcesMensuelles: 900,
    typologie: 'T1',
    communesSouhaitees: ['59350'],
    motif: 'hebergement',
  });
  await pgpPost(`/demandes/${recent}/abandon`, { id: uid('A'), dateRadiation: '2025-01-15' });

  // Radiated for non-renouvellement, then reactivated within the six months: active again, kept.
  const v = uid('E');
  revenante = (
    await sendLot(hub.app, bailleur, enregistrement({ id: v, nom: 'Revenante', dateDepot: '2023-01-10' }))
  )[v]?.result?.numeroUnique as string;
  const swept = await hub.app.inject({
    method: 'POST',
    url: '/ops/sweeps/renouvellement',
    headers: auth(operator),
    payload: { asOf: '2024-03-01' },
  });
  expect(swept.statusCode).toBe(200);
  const back = uid('R');
  expect(
    (await sendLot(hub.app, bailleur, renouvellement(back, revenante, '2024-05-01')))[back]?.status,
  ).toBe('applied');
});

afterAll(async () => {
  await hub?.close();
});

describe('the retention purge', () => {
  it('answers 403 to a bailleur', async () => {
    const reply = await retention('2025-06-01', bailleur);
    expect(reply.statusCode).toBe(403);
    expect(reply.json()).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('finds every name in some table before the purge (the search works)', async () => {
    for (const needle of [...PURGED, ...KEPT]) {
      expect(await tablesHolding(hub.pool, needle), needle).not.toEqual([]);
    }
    expect(await tablesHolding(hub.pool, 'Zorglubienne')).toEqual(
      expect.arrayContaining([
        'demandes.demandeur',
        'message_payloads.raw',
        'message_payloads.canonical',
        'pieces.content',
      ]),
    );
  });

  it('purges a year after the radiation to the day, leaves no copy of a name, and changes no statistic', async () => {
    const before = await statistics(hub.pool);
    // The SPT demande was radiated on 2024-02-01, the portail's on 2024-06-01.
    expect(await purge('2025-05-31')).toBe(1);
    expect(await tablesHolding(hub.pool, 'Sptpurgee')).toEqual([]);
    expect(await tablesHolding(hub.pool, 'Zorglubienne')).not.toEqual([]);
    expect(await purge('2025-06-01')).toBe(1);

    for (const needle of PURGED) expect(await tablesHolding(hub.pool, needle), needle).toEqual([]);
    for (const needle of KEPT) expect(await tablesHolding(hub.pool, needle), needle).not.toEqual([]);
    expect(await statistics(hub.pool)).toEqual(before);

    const { rows } = await hub.pool.query(
      `SELECT demandeur, menage, identite_hash, to_char(donnees_purgees_le, 'YYYY-MM-DD') AS purgee_le
         FROM demandes WHERE numero_unique = $1`,
      [purgeable],
    );
    expect(rows[0]).toEqual({
      demandeur: {
        nom: '',
        prenom: '',
        dateNaissance: '',
        nationalite: 'FR',
        avecEmail: true,
        avecTelephone: true,
      },
      menage: { nombrePersonnes: 2 },
      identite_hash: null,
      // The business date the purge ran as, whatever the server's time zone says today is.
      purgee_le: '2025-06-01',
    });
    // The demande still reads, its history and numéro kept.
    const read = await hub.app.inject({
      method: 'GET',
      url: `/sne/demandes/${purgeable}`,
      headers: auth(operator),
    });
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json()).toMatchObject({ numeroUnique: purgeable, statut: 'radiee' });
  });

  it('is idempotent, and audits each run with its count', async () => {
    expect(await purge('2025-06-01')).toBe(0);
    const { rows } = await hub.pool.query(
      `SELECT actor, target, reason, details FROM audit WHERE action = 'sweep.retention' ORDER BY id`,
    );
    expect(rows.map((r) => [r.actor, r.target, r.details.purgees, r.details.status])).toEqual([
      ['ops', '2025-05-31', 1, 'done'],
      ['ops', '2025-06-01', 1, 'done'],
      ['ops', '2025-06-01', 0, 'done'],
    ]);
    expect(rows[0].reason).toBe('rétention annuelle');
  });

  it('keeps a reactivated demande, even long after', async () => {
    expect(await purge('2026-01-14')).toBe(0);
    expect(await purge('2026-01-15')).toBe(1); // the recent one, radiated on 2025-01-15
    const { rows } = await hub.pool.query(
      'SELECT statut, donnees_purgees_le FROM demandes WHERE numero_unique = $1',
      [revenante],
    );
    expect(rows[0]).toEqual({ statut: 'active', donnees_purgees_le: null });
    expect(await tablesHolding(hub.pool, 'Revenante')).not.toEqual([]);
    expect(await tablesHolding(hub.pool, 'Recentissime')).toEqual([]);
    const purged = await hub.pool.query(
      'SELECT numero_unique FROM demandes WHERE donnees_purgees_le IS NOT NULL ORDER BY numero_unique',
    );
    expect(purged.rows.map((r) => r.numero_unique)).toEqual([purgeable, recent, sptPurgee].sort());
  });
});

describe('a purged demande read by the DALO commission', () => {
  it('says its personal data were erased instead of showing empty names and an empty date of birth', async () => {
    const dalo = await provision(hub.app, { id: 'comdalo-59', role: 'dalo', organisme: '130005002' });
    const reply = await hub.app.inject({
      method: 'GET',
      url: `/connectors/dalo/v1/demandes/${purgeable}`,
      headers: auth(dalo),
    });
    expect(reply.statusCode, reply.body).toBe(200);
    const view = reply.json();
    expect(view).toMatchObject({ numeroUnique: purgeable, statut: 'radiee', donneesPurgees: true });
    // `dateNaissance: ""` broke the reply's own schema (format: date), which the hub's replies are checked against.
    expect(view).not.toHaveProperty('demandeur');
  });
});

describe('a pièce sent for a demande already purged', () => {
  it('is refused (409 DEMANDE_PURGEE) and stored nowhere: the purge passes once over a demande', async () => {
    const before = await hub.pool.query('SELECT count(*)::int AS n FROM pieces WHERE numero_unique = $1', [
      purgeable,
    ]);
    const { payload, headers } = multipart([
      { name: 'type', value: 'identite' },
      { name: 'file', filename: 'id.pdf', contentType: 'application/pdf', content: pdf('Zorglubienne') },
    ]);
    const upload = await hub.app.inject({
      method: 'POST',
      url: `/connectors/pgp/v1/demandes/${purgeable}/pieces`,
      headers: { ...auth(pgp), ...headers },
      payload,
    });
    expect(upload.statusCode, upload.body).toBe(409);
    expect(upload.json()).toMatchObject({ code: 'DEMANDE_PURGEE' });
    const after = await hub.pool.query('SELECT count(*)::int AS n FROM pieces WHERE numero_unique = $1', [
      purgeable,
    ]);
    expect(after.rows).toEqual(before.rows);
    expect(await tablesHolding(hub.pool, 'Zorglubienne')).toEqual([]);
  });
});

describe('the retention purge of messages that never made a demande', () => {
  it('erases them a year after their arrival, keeps their status time, and replays them only with a corrected payload', async () => {
    const [rejected, failed, recentFailed] = [uid('E'), uid('E'), uid('E')];
    const outcomes = await sendLot(
      hub.app,
      bailleur,
      // Breaks the SPT contract: rejected at reception.
      enregistrement({ id: rejected, nom: 'Rejeteezz', dateNaissance: 'pas-une-date' }),
      // A dépôt in the future: failed by the registry's rules.
      enregistrement({ id: failed, nom: 'Echoueezz', dateDepot: '2099-01-01' }),
      enregistrement({ id: recentFailed, nom: 'Gardeeyy', dateDepot: '2099-01-01' }),
    );
    expect([outcomes[rejected]?.status, outcomes[failed]?.status, outcomes[recentFailed]?.status]).toEqual([
      'rejected',
      'failed',
      'failed',
    ]);
    const ids = Object.fromEntries(
      (
        await hub.pool.query<{ sender_id: string; id: string }>(
          'SELECT sender_id, id FROM messages WHERE sender_id = ANY($1::text[])',
          [[rejected, failed, recentFailed]],
        )
      ).rows.map((r) => [r.sender_id, r.id]),
    );
    // Two of them arrived two years ago.
    await hub.pool.query(
      `UPDATE messages SET received_at = received_at - interval '2 years' WHERE id = ANY($1::uuid[])`,
      [[ids[rejected], ids[failed]]],
    );
    const statusTimes = async () =>
      (
        await hub.pool.query<{ id: string; updated_at: Date }>(
          'SELECT id, updated_at FROM messages WHERE id = ANY($1::uuid[]) ORDER BY id',
          [Object.values(ids)],
        )
      ).rows;
    const before = await statusTimes();
    const { rows: today } = await hub.pool.query<{ d: string }>(
      `SELECT to_char(now() AT TIME ZONE 'Europe/Paris', 'YYYY-MM-DD') AS d`,
    );
    const asOf = today[0]?.d as string;

    const reply = await retention(asOf);
    expect(reply.statusCode, reply.body).toBe(200);
    expect(reply.json()).toEqual({ asOf, purgees: 0, messagesPurges: 2, livraisonsPurgees: 0 });
    expect(await tablesHolding(hub.pool, 'Rejeteezz')).toEqual([]);
    expect(await tablesHolding(hub.pool, 'Echoueezz')).toEqual([]);
    expect(await tablesHolding(hub.pool, 'Gardeeyy')).not.toEqual([]);
    // `updated_at` is a message's last change of status (the operators' from / to): a purge is not one.
    expect(await statusTimes()).toEqual(before);
    const { rows: linked } = await hub.pool.query(
      `SELECT count(*)::int AS n FROM messages m WHERE donnees_purgees_le IS NOT NULL AND m.id <> ALL($1::uuid[])
          AND updated_at <> (SELECT max(at) FROM message_attempts a WHERE a.message_id = m.id)`,
      [Object.values(ids)],
    );
    expect(linked[0].n, 'messages of purged demandes whose updated_at moved').toBe(0);

    const detail = await hub.app.inject({
      method: 'GET',
      url: `/ops/messages/${ids[failed]}`,
      headers: auth(operator),
    });
    expect(detail.json()).toMatchObject({ status: 'failed', raw: '', donneesPurgeesLe: asOf });

    // Replayed as it is, its command would register a demande without a name.
    const replay = (messageId: string, body: object) =>
      hub.app.inject({
        method: 'POST',
        url: `/ops/messages/${messageId}/replay`,
        headers: auth(operator),
        payload: { reason: 'reprise', ...body },
      });
    const refused = await replay(ids[failed] as string, {});
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'MESSAGE_NOT_REPLAYABLE' });
    const bulk = await hub.app.inject({
      method: 'POST',
      url: '/ops/messages/replay',
      headers: auth(operator),
      payload: { filter: { client: 'lille-habitat' }, reason: 'reprise' },
    });
    expect(bulk.statusCode, bulk.body).toBe(200);
    const { rows: afterBulk } = await hub.pool.query('SELECT status, attempts FROM messages WHERE id = $1', [
      ids[failed],
    ]);
    expect(afterBulk[0]).toEqual({ status: 'failed', attempts: 1 });

    const corrected = await replay(ids[failed] as string, {
      payload: enregistrement({ id: failed, nom: 'Corrigeezz', dateDepot: '2024-09-01' }),
    });
    expect(corrected.statusCode, corrected.body).toBe(202);
    await waitForMessagesDone(hub.pool, [ids[failed] as string]);
    const { rows: applied } = await hub.pool.query('SELECT status FROM messages WHERE id = $1', [
      ids[failed],
    ]);
    expect(applied[0].status).toBe('applied');

    expect((await retention(asOf)).json()).toEqual({
      asOf,
      purgees: 0,
      messagesPurges: 0,
      livraisonsPurgees: 0,
    });
  });
});
