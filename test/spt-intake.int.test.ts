import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, postLotDone, provision, startTestHub, type TestHub } from './helpers/hub.ts';
import { call } from './helpers/ops.ts';
import {
  creationV1,
  enregistrement,
  type LotReply,
  lot,
  lotV1,
  outcomesOf,
  postLot,
  postLotV1,
  radiation,
  sendLot,
} from './helpers/spt.ts';
import { waitForMessagesDone } from './helpers/wait.ts';

/** The SPT v2 route as an integrator meets it: receipts, idempotency, bad input, status routes, scopes. */
let hub: TestHub;
let bailleur: string;
let guichet62: string;
let operator: string;

beforeAll(async () => {
  hub = await startTestHub();
  bailleur = await provision(hub.app, {
    id: 'lille-habitat',
    role: 'bailleur',
    organisme: '123456789',
    codeGuichet: 'LH59A',
  });
  guichet62 = await provision(hub.app, {
    id: 'arras',
    role: 'guichet',
    organisme: '216200410',
    codeGuichet: 'AR62A',
    departements: ['62'],
  });
  operator = await provision(hub.app, { id: 'ops', role: 'operator', departements: ['*'] });
});

afterAll(async () => {
  await hub?.close();
});

async function rawMessage(
  messageId: string,
): Promise<{ status: string; raw: string; error: { code: string } | null }> {
  const { rows } = await hub.pool.query(
    'SELECT status, raw, error FROM messages m JOIN message_payloads p ON p.message_id = m.id WHERE id = $1',
    [messageId],
  );
  return rows[0];
}

describe('receipt', () => {
  it('accepts valid messages, rejects invalid ones with paths, and stores both', async () => {
    const bad = enregistrement({ id: 'I-2', nom: 'Invalide', typologie: 'T9' });
    const reply = await postLot(hub.app, bailleur, lot(enregistrement({ id: 'I-1', nom: 'Valide' }), bad));
    expect(reply.statusCode).toBe(202);
    const receipt = reply.json<LotReply>();
    expect(receipt).toMatchObject({ received: 2, accepted: 1, rejected: 1 });
    const [ok, rejected] = receipt.messages;
    expect(ok).toMatchObject({ id: 'I-1', status: 'accepted' });
    expect(rejected).toMatchObject({ id: 'I-2', status: 'rejected' });
    expect(rejected?.errors).toContainEqual(
      expect.objectContaining({ code: 'CONTRACT_INVALID', path: '/typologie' }),
    );
    const stored = await rawMessage(rejected?.messageId as string);
    expect(stored.status).toBe('rejected');
    expect(stored.raw).toContain('<typologie>T9</typologie>');
    expect(stored.raw.startsWith('<enregistrement id="I-2">')).toBe(true);

    await waitForMessagesDone(hub.pool, [ok?.messageId as string]);
    const status = await hub.app.inject({
      method: 'GET',
      url: `/messages/${ok?.messageId}`,
      headers: { authorization: `Bearer ${bailleur}` },
    });
    expect(status.json()).toMatchObject({
      messageId: ok?.messageId,
      id: 'I-1',
      client: 'lille-habitat',
      system: 'spt',
      version: 'v2',
      type: 'enregistrement',
      status: 'applied',
      result: { numeroUnique: expect.stringMatching(/^059\d{10}LH59A$/) },
      attempts: 1,
    });
    const lotStatus = await hub.app.inject({
      method: 'GET',
      url: `/lots/${receipt.lotId}`,
      headers: { authorization: `Bearer ${operator}` },
    });
    expect(lotStatus.json()).toMatchObject({
      lotId: receipt.lotId,
      counts: { accepted: 0, processing: 0, applied: 1, failed: 0, rejected: 1, discarded: 0 },
    });
  });

  it('answers in XML when asked', async () => {
    const reply = await postLot(hub.app, bailleur, lot(enregistrement({ id: 'X-1', nom: 'Xml' })), {
      accept: 'application/xml',
    });
    expect(reply.statusCode).toBe(202);
    expect(reply.headers['content-type']).toMatch(/xml/);
    expect(reply.body).toContain('<accuse');
    expect(reply.body).toContain('X-1');
  });
});

describe('idempotency', () => {
  it('returns the same messageId for the same id and content, and applies it once', async () => {
    const body = lot(enregistrement({ id: 'D-1', nom: 'Deux Fois' }));
    const first = (await postLot(hub.app, bailleur, body)).json<LotReply>();
    const second = (await postLot(hub.app, bailleur, body)).json<LotReply>();
    expect(second.messages[0]?.messageId).toBe(first.messages[0]?.messageId);
    await waitForMessagesDone(hub.pool, [first.messages[0]?.messageId as string]);
    const { rows } = await hub.pool.query(`SELECT count(*)::int AS n FROM messages WHERE sender_id = 'D-1'`);
    expect(rows[0].n).toBe(1);
  });

  it('rejects the same id with another content as IDEMPOTENCY_CONFLICT, and keeps it', async () => {
    await postLot(hub.app, bailleur, lot(enregistrement({ id: 'C-1', nom: 'Premier' })));
    const reply = (
      await postLot(hub.app, bailleur, lot(enregistrement({ id: 'C-1', nom: 'Second' })))
    ).json<LotReply>();
    expect(reply.messages[0]).toMatchObject({
      status: 'rejected',
      errors: [{ code: 'IDEMPOTENCY_CONFLICT' }],
    });
    expect((await rawMessage(reply.messages[0]?.messageId as string)).error?.code).toBe(
      'IDEMPOTENCY_CONFLICT',
    );
  });
});

describe('the same id twice in one lot', () => {
  it('is one message when the content is the same, a conflict when it differs', async () => {
    const same = enregistrement({ id: 'T-1', nom: 'Jumeau' });
    const reply = await postLot(
      hub.app,
      bailleur,
      lot(same, same, enregistrement({ id: 'T-1', nom: 'Autre' })),
    );
    expect(reply.statusCode).toBe(202);
    const [first, second, third] = reply.json<LotReply>().messages;
    expect(second?.messageId).toBe(first?.messageId);
    expect(third).toMatchObject({ status: 'rejected', errors: [{ code: 'IDEMPOTENCY_CONFLICT' }] });
    await waitForMessagesDone(hub.pool, [first?.messageId as string]);
    const { rows } = await hub.pool.query(`SELECT status FROM messages WHERE sender_id = 'T-1' ORDER BY seq`);
    expect(rows.map((r) => r.status)).toEqual(['applied', 'rejected']);
  });

  it('after a first content already stored: the stored content is that message again, the other a conflict naming it', async () => {
    const stored = enregistrement({ id: 'T-2', nom: 'Deja' });
    const first = (await postLot(hub.app, bailleur, lot(stored))).json<LotReply>().messages[0];
    await waitForMessagesDone(hub.pool, [first?.messageId as string]);
    const reply = await postLot(hub.app, bailleur, lot(enregistrement({ id: 'T-2', nom: 'Change' }), stored));
    const [changed, again] = reply.json<LotReply>().messages;
    expect(changed).toMatchObject({ status: 'rejected', errors: [{ code: 'IDEMPOTENCY_CONFLICT' }] });
    expect(changed?.errors?.[0]?.message).toContain(first?.messageId as string);
    expect(again).toEqual({ id: 'T-2', messageId: first?.messageId, status: 'applied' });
    const { rows } = await hub.pool.query(`SELECT status FROM messages WHERE sender_id = 'T-2' ORDER BY seq`);
    expect(rows.map((r) => r.status)).toEqual(['applied', 'rejected']);
    const listed = (
      await hub.app.inject({
        method: 'GET',
        url: `/lots/${reply.json<LotReply>().lotId}`,
        headers: { authorization: `Bearer ${bailleur}` },
      })
    ).json();
    expect(listed.messages.map((m: { messageId: string }) => m.messageId)).toEqual([
      changed?.messageId,
      first?.messageId,
    ]);
  });
});

describe('GET /lots/{lotId} of a lot re-sent', () => {
  interface LotView {
    lotId: string;
    counts: Record<string, number>;
    messages: { id: string; messageId: string; status: string; error?: { code: string } }[];
  }

  async function lotView(lotId: string, token = bailleur): Promise<LotView> {
    const reply = await hub.app.inject({
      method: 'GET',
      url: `/lots/${lotId}`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(reply.statusCode, reply.body).toBe(200);
    return reply.json<LotView>();
  }

  const sentAndDone = (...messages: string[]) => postLotDone(hub, bailleur, ...messages);

  /** The lot lists the receipt's members, in its order, each with its status now; counts agree. */
  function expectListsReceipt(view: LotView, receipt: LotReply, statuses: string[]) {
    expect(view.lotId).toBe(receipt.lotId);
    expect(view.messages.map(({ id, messageId, status }) => ({ id, messageId, status }))).toEqual(
      receipt.messages.map(({ id, messageId }, i) => ({ id, messageId, status: statuses[i] })),
    );
    const counts = { accepted: 0, processing: 0, applied: 0, failed: 0, rejected: 0, discarded: 0 };
    for (const status of statuses) counts[status as keyof typeof counts]++;
    expect(view.counts).toEqual(counts);
  }

  it('lists every message of a lot sent again after a lost 202, with its first messageId and status', async () => {
    const messages = [
      enregistrement({ id: 'RS-1', nom: 'Renvoi Un' }),
      enregistrement({ id: 'RS-2', nom: 'Renvoi Deux' }),
    ];
    const first = await sentAndDone(...messages);
    const again = await sentAndDone(...messages);
    expect(again.lotId).not.toBe(first.lotId);
    expect(again.messages.map((m) => m.messageId)).toEqual(first.messages.map((m) => m.messageId));
    expectListsReceipt(await lotView(again.lotId), again, ['applied', 'applied']);
    // The first lot is unchanged.
    expectListsReceipt(await lotView(first.lotId), first, ['applied', 'applied']);
  });

  it('lists the old and the new messages of a mixed lot, a conflict included, in receipt order', async () => {
    const old = enregistrement({ id: 'RM-1', nom: 'Ancien' });
    await sentAndDone(old, enregistrement({ id: 'RM-2', nom: 'Premier Contenu' }));
    const mixed = await sentAndDone(
      enregistrement({ id: 'RM-2', nom: 'Autre Contenu' }),
      old,
      enregistrement({ id: 'RM-3', nom: 'Nouveau' }),
      enregistrement({ id: 'RM-4', nom: 'Invalide', typologie: 'T9' }),
    );
    expect(mixed.messages.map((m) => m.status)).toEqual(['rejected', 'applied', 'accepted', 'rejected']);
    const view = await lotView(mixed.lotId);
    expectListsReceipt(view, mixed, ['rejected', 'applied', 'applied', 'rejected']);
    expect(view.messages[0]?.error?.code).toBe('IDEMPOTENCY_CONFLICT');
  });

  it('lists an id repeated inside one lot as many times as the receipt does', async () => {
    const same = enregistrement({ id: 'RT-1', nom: 'Repete' });
    const receipt = await sentAndDone(same, enregistrement({ id: 'RT-2', nom: 'Seul' }), same);
    expect(receipt.messages[2]?.messageId).toBe(receipt.messages[0]?.messageId);
    expectListsReceipt(await lotView(receipt.lotId), receipt, ['applied', 'applied', 'applied']);
  });

  it('names the message rejected the first time when the same invalid text comes again, stored once', async () => {
    const invalid = enregistrement({ id: 'RR-1', nom: 'Rejet', typologie: 'T9' });
    const first = await sentAndDone(invalid, enregistrement({ id: 'RR-2', nom: 'Valide' }), invalid);
    expect(first.messages[2]?.messageId).toBe(first.messages[0]?.messageId);
    const again = await sentAndDone(invalid);
    expect(again.messages[0]).toMatchObject({ messageId: first.messages[0]?.messageId, status: 'rejected' });
    expectListsReceipt(await lotView(again.lotId), again, ['rejected']);
    const stored = async () =>
      (await hub.pool.query(`SELECT status FROM messages WHERE sender_id = 'RR-1' ORDER BY seq`)).rows.map(
        (r) => r.status,
      );
    expect(await stored()).toEqual(['rejected']);
    // Corrected, the id is taken by a new message: a rejected message does not hold its id.
    const corrected = await sentAndDone(enregistrement({ id: 'RR-1', nom: 'Rejet', typologie: 'T4' }));
    expect(corrected.messages[0]?.messageId).not.toBe(first.messages[0]?.messageId);
    expect(await stored()).toEqual(['rejected', 'applied']);
  });

  it('is still read by its sender and operators only', async () => {
    const message = enregistrement({ id: 'RA-1', nom: 'Acces' });
    await sentAndDone(message);
    const again = await sentAndDone(message);
    expect((await lotView(again.lotId, operator)).messages).toHaveLength(1);
    const other = await hub.app.inject({
      method: 'GET',
      url: `/lots/${again.lotId}`,
      headers: { authorization: `Bearer ${guichet62}` },
    });
    expect(other.statusCode).toBe(404);
    expect(other.json()).toMatchObject({ code: 'LOT_UNKNOWN' });
  });
});

describe('bad documents are refused whole with a problem', () => {
  const cases: [string, string | Buffer, number, string, Record<string, string>?][] = [
    [
      'malformed XML',
      '<?xml version="1.0"?><lot xmlns="urn:sne:spt:2"><enregistrement id="a"></lot>',
      400,
      'XML_MALFORMED',
    ],
    [
      'an entity bomb',
      '<?xml version="1.0"?><!DOCTYPE lot [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><lot xmlns="urn:sne:spt:2">&b;</lot>',
      400,
      'XML_DOCTYPE_FORBIDDEN',
    ],
    [
      'an external entity',
      '<?xml version="1.0"?><!DOCTYPE lot [<!ENTITY x SYSTEM "file:///etc/passwd">]><lot xmlns="urn:sne:spt:2">&x;</lot>',
      400,
      'XML_DOCTYPE_FORBIDDEN',
    ],
    ['the wrong root', '<?xml version="1.0"?><lots xmlns="urn:sne:spt:2"></lots>', 400, 'XML_ROOT_INVALID'],
    [
      'the wrong namespace',
      '<?xml version="1.0"?><lot xmlns="urn:sne:spt:9"></lot>',
      400,
      'XML_ROOT_INVALID',
    ],
    [
      'an unknown encoding declaration',
      '<?xml version="1.0" encoding="KLINGON-8"?><lot xmlns="urn:sne:spt:2"></lot>',
      415,
      'ENCODING_UNSUPPORTED',
    ],
    [
      'latin-1 bytes declared as UTF-8',
      Buffer.from(
        `<?xml version="1.0" encoding="UTF-8"?><lot xmlns="urn:sne:spt:2">${enregistrement({ id: 'L-1', prenom: 'Amélie' })}</lot>`,
        'latin1',
      ),
      400,
      'ENCODING_INVALID',
    ],
    [
      'JSON sent to the XML route',
      '{"lot": []}',
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      { 'content-type': 'application/json' },
    ],
    [
      'the XML lot itself labelled as JSON (no JSON parse error: the media type is wrong)',
      '<?xml version="1.0"?><lot xmlns="urn:sne:spt:2"></lot>',
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      { 'content-type': 'application/json' },
    ],
    [
      'the XML lot as text/plain',
      '<?xml version="1.0"?><lot xmlns="urn:sne:spt:2"></lot>',
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      { 'content-type': 'text/plain' },
    ],
  ];
  for (const [what, body, status, code, headers] of cases) {
    it(`${what} → ${status} ${code}`, async () => {
      const reply = await postLot(hub.app, bailleur, body, headers);
      expect(reply.statusCode).toBe(status);
      expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(reply.json()).toMatchObject({
        status,
        code,
        type: expect.any(String),
        title: expect.any(String),
        detail: expect.any(String),
      });
    });
  }

  it('refuses a lot of more than 1000 messages with 413', async () => {
    const messages = Array.from({ length: 1001 }, (_, i) =>
      radiation(`T-${i}`, '0591013000042LH59A', 'abandon', '2014-01-01'),
    );
    const reply = await postLot(hub.app, bailleur, lot(...messages));
    expect(reply.statusCode).toBe(413);
    expect(reply.json().code).toBe('LOT_TOO_LARGE');
  });

  it('refuses a body over 10 MiB with 413', async () => {
    const huge = lot(`<!-- ${'x'.repeat(10 * 1024 * 1024)} -->`);
    const reply = await postLot(hub.app, bailleur, huge);
    expect(reply.statusCode).toBe(413);
    expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('answers 404 with a problem for an unknown contract version', async () => {
    const reply = await hub.app.inject({
      method: 'POST',
      url: '/connectors/spt/v9/lots',
      headers: { authorization: `Bearer ${bailleur}`, 'content-type': 'application/xml' },
      payload: lot(),
    });
    expect(reply.statusCode).toBe(404);
    expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(reply.json().code).toBe('CONTRACT_VERSION_UNKNOWN');
  });

  it.each([
    ['POST', '/connectors/pgp/v2/demandes', 'pgp', 'v1'],
    ['GET', '/connectors/dalo/v2/demandes/0590314000001LH59A', 'dalo', 'v1'],
    ['POST', '/connectors/rpls/v0/imports', 'rpls', 'v1'],
    ['GET', '/connectors/spt/v3/anything', 'spt', 'v2 or v1'],
  ])(
    'answers %s %s with 404 CONTRACT_VERSION_UNKNOWN naming the versions served',
    async (method, url, system, served) => {
      const reply = await hub.app.inject({ method: method as 'GET' | 'POST', url });
      expect(reply.statusCode).toBe(404);
      expect(reply.json()).toMatchObject({ code: 'CONTRACT_VERSION_UNKNOWN' });
      expect(reply.json().detail).toContain(`${system} contract version`);
      expect(reply.json().detail).toContain(served);
      // An unknown path of a version served is an unknown route.
      const unknown = await hub.app.inject({ method: 'GET', url: `/connectors/${system}/v1/nothing-here` });
      expect(unknown.json()).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    },
  );

  it('still serves after all of that', async () => {
    const out = await sendLot(hub.app, bailleur, enregistrement({ id: 'AFTER-1', nom: 'Apres' }));
    expect(out['AFTER-1']?.status).toBe('applied');
  });
});

describe('encodings', () => {
  it('reads ISO-8859-1 and windows-1252 lots as declared', async () => {
    for (const [encoding, id, prenom] of [
      ['ISO-8859-1', 'ENC-1', 'Amélie'],
      ['windows-1252', 'ENC-2', 'Zoë'],
    ] as const) {
      const xml = `<?xml version="1.0" encoding="${encoding}"?><lot xmlns="urn:sne:spt:2">${enregistrement({ id, nom: `Encodage${id}`, prenom })}</lot>`;
      const reply = await postLot(hub.app, bailleur, Buffer.from(xml, 'latin1'));
      expect(reply.statusCode).toBe(202);
      const messageId = reply.json<LotReply>().messages[0]?.messageId as string;
      await waitForMessagesDone(hub.pool, [messageId]);
      const { rows } = await hub.pool.query(
        `SELECT d.demandeur->>'prenom' AS prenom FROM messages m JOIN demandes d ON d.numero_unique = m.result->>'numeroUnique' WHERE m.id = $1`,
        [messageId],
      );
      expect(rows[0]?.prenom).toBe(prenom);
    }
  });
});

describe('v1 lots whose bytes are not the encoding they declare', () => {
  it('refuses UTF-8 bytes declared ISO-8859-1 with 400 ENCODING_INVALID, charset=utf-8 or not, storing nothing', async () => {
    const text = lotV1([creationV1({ id: 'UTF8-1', nom: 'Mojibake', prenom: 'Amélie' })], 'ISO-8859-1');
    const bytes = Buffer.from(text, 'utf8');
    expect(bytes.includes(Buffer.from([0xc3, 0xa9]))).toBe(true);
    // The declaration wins over the charset (interfaces.md §4): refused for the bytes either way.
    for (const contentType of ['application/xml', 'application/xml; charset=utf-8']) {
      const reply = await postLotV1(hub.app, bailleur, bytes, { 'content-type': contentType });
      expect(reply.statusCode, reply.body).toBe(400);
      expect(reply.json()).toMatchObject({
        code: 'ENCODING_INVALID',
        detail: expect.stringContaining(
          'declared ISO-8859-1 (by the XML declaration) but its bytes are UTF-8: "é"',
        ),
      });
    }
    const { rows } = await hub.pool.query(
      `SELECT count(*)::int AS n FROM messages WHERE sender_id = 'UTF8-1'`,
    );
    expect(rows[0].n).toBe(0);
  });

  it('reads a genuine Latin-1 lot: Amélie as E9, JOÃO whose Ã (C3) is followed by no UTF-8 continuation', async () => {
    const text = lotV1([creationV1({ id: 'LATIN1-1', nom: 'JOÃO', prenom: 'Amélie' })], 'ISO-8859-1');
    const bytes = Buffer.from(text, 'latin1');
    expect(bytes.includes(Buffer.from([0xc3, 0x4f]))).toBe(true);
    const reply = await postLotV1(hub.app, bailleur, bytes);
    expect(reply.statusCode, reply.body).toBe(202);
    const receipt = reply.json<LotReply>();
    expect((await outcomesOf(hub.app, bailleur, receipt))['LATIN1-1']?.status).toBe('applied');
    const { rows } = await hub.pool.query(
      `SELECT d.demandeur->>'nom' AS nom, d.demandeur->>'prenom' AS prenom FROM messages m
       JOIN demandes d ON d.numero_unique = m.result->>'numeroUnique' WHERE m.id = $1`,
      [receipt.messages[0]?.messageId],
    );
    expect(rows[0]).toEqual({ nom: 'JOÃO', prenom: 'Amélie' });
  });
});

describe('a message the XML reader cannot take as a message', () => {
  it('is rejected alone (an element named __proto__, nesting over 100 levels), stored; the rest of its v2 lot applies', async () => {
    const proto = enregistrement({ id: 'PROTO-1', nom: 'Proto' }).replace(
      '</demandeur>',
      '<__proto__><isAdmin>true</isAdmin></__proto__></demandeur>',
    );
    const deep = radiation('DEEP-1', '0591013000042LH59A', 'abandon', '2014-05-02').replace(
      '</radiation>',
      `<note>${'<d>'.repeat(101)}${'</d>'.repeat(101)}</note></radiation>`,
    );
    const reply = await postLot(
      hub.app,
      bailleur,
      lot(proto, enregistrement({ id: 'NEXT-1', nom: 'Voisin' }), deep),
    );
    expect(reply.statusCode, reply.body).toBe(202);
    const receipt = reply.json<LotReply>();
    expect(receipt).toMatchObject({ received: 3, accepted: 1, rejected: 2 });
    expect(receipt.messages.map((m) => [m.id, m.status, m.errors])).toEqual([
      [
        'PROTO-1',
        'rejected',
        [
          {
            code: 'CONTRACT_INVALID',
            path: '/demandeur/__proto__',
            message: 'is not a field of this message',
          },
        ],
      ],
      ['NEXT-1', 'accepted', undefined],
      [
        'DEEP-1',
        'rejected',
        [
          {
            code: 'CONTRACT_INVALID',
            path: '/note',
            message: 'nests elements more than 100 levels deep: no message is nested so deep',
          },
        ],
      ],
    ]);
    expect(await rawMessage(receipt.messages[0]?.messageId as string)).toMatchObject({
      status: 'rejected',
      raw: proto,
    });
    expect(await rawMessage(receipt.messages[2]?.messageId as string)).toMatchObject({
      status: 'rejected',
      raw: deep,
    });
    expect((await outcomesOf(hub.app, bailleur, receipt))['NEXT-1']?.status).toBe('applied');
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('is rejected alone in a v1 lot too (an element named constructor)', async () => {
    const bad = creationV1({ id: 'CTOR-1', nom: 'Constructeur' }).replace(
      '</Creation>',
      '<constructor/></Creation>',
    );
    const reply = await postLotV1(
      hub.app,
      bailleur,
      lotV1([bad, creationV1({ id: 'CTOR-2', nom: 'Voisine' })]),
    );
    expect(reply.statusCode, reply.body).toBe(202);
    const receipt = reply.json<LotReply>();
    expect(receipt.messages.map((m) => [m.id, m.status, m.errors?.map((e) => e.path)])).toEqual([
      ['CTOR-1', 'rejected', ['/constructor']],
      ['CTOR-2', 'accepted', undefined],
    ]);
    expect(await rawMessage(receipt.messages[0]?.messageId as string)).toMatchObject({ raw: bad });
    expect((await outcomesOf(hub.app, bailleur, receipt))['CTOR-2']?.status).toBe('applied');
  });
});

describe('a v2 lot written with a namespace prefix', () => {
  /** The v2 message with every element name prefixed `s:`. */
  const prefixed = (xml: string) => xml.replace(/<(\/?)(?=[A-Za-z])/g, '<$1s:');
  const ops = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    call(hub.app, operator, method, url, payload);

  it('keeps in raw the declaration of its prefix: a message corrected as GET /ops/messages shows it is replayed and applied', async () => {
    const out = await sendLot(
      hub.app,
      bailleur,
      enregistrement({ id: 'NS-E1', nom: 'Prefixe', prenom: 'Un' }),
      enregistrement({ id: 'NS-E2', nom: 'Prefixe', prenom: 'Deux' }),
    );
    const [numero1, numero2] = ['NS-E1', 'NS-E2'].map((id) => out[id]?.result?.numeroUnique as string);
    const unknown = radiation('NS-R1', '0599901000009LH59A', 'abandon', '2014-05-02');
    const invalid = radiation('NS-R2', numero2 as string, 'demenagement', '2014-05-02');
    const reply = await postLot(
      hub.app,
      bailleur,
      `<?xml version="1.0" encoding="UTF-8"?>\n<s:lot xmlns:s="urn:sne:spt:2">\n${prefixed(unknown)}\n${prefixed(invalid)}\n</s:lot>`,
    );
    expect(reply.statusCode, reply.body).toBe(202);
    const receipt = reply.json<LotReply>();
    const [failedId, rejectedId] = receipt.messages.map((m) => m.messageId) as [string, string];
    expect(receipt.messages[1]).toMatchObject({ status: 'rejected', errors: [{ path: '/motif' }] });
    await waitForMessagesDone(hub.pool, [failedId]);

    // The failed one: its raw, the number corrected, goes back as the payload.
    const failed = (await ops('GET', `/ops/messages/${failedId}`)).json<{ status: string; raw: string }>();
    expect(failed.status).toBe('failed');
    expect(failed.raw).toBe(
      prefixed(unknown).replace('<s:radiation', '<s:radiation xmlns:s="urn:sne:spt:2"'),
    );
    const corrected = await ops('POST', `/ops/messages/${failedId}/replay`, {
      reason: 'numéro corrigé',
      payload: failed.raw.replace('0599901000009LH59A', numero1 as string),
    });
    expect(corrected.statusCode, corrected.body).toBe(202);
    await waitForMessagesDone(hub.pool, [failedId]);
    expect((await ops('GET', `/ops/messages/${failedId}`)).json()).toMatchObject({
      status: 'applied',
      revision: 1,
    });

    // The rejected one: as it is, it breaks its contract where it did at reception (not as an
    // unknown message type); its raw corrected is applied.
    const asIs = await ops('POST', `/ops/messages/${rejectedId}/replay`, { reason: 'r' });
    expect(asIs.statusCode).toBe(400);
    expect(asIs.json()).toMatchObject({ code: 'CONTRACT_INVALID', errors: [{ path: '/motif' }] });
    const rejected = (await ops('GET', `/ops/messages/${rejectedId}`)).json<{ raw: string }>();
    const fixed = await ops('POST', `/ops/messages/${rejectedId}/replay`, {
      reason: 'motif corrigé',
      payload: rejected.raw.replace('demenagement', 'abandon'),
    });
    expect(fixed.statusCode, fixed.body).toBe(202);
    await waitForMessagesDone(hub.pool, [rejectedId]);
    expect((await ops('GET', `/ops/messages/${rejectedId}`)).json()).toMatchObject({ status: 'applied' });
    const { rows } = await hub.pool.query(
      'SELECT numero_unique, statut FROM demandes WHERE numero_unique = ANY($1) ORDER BY numero_unique',
      [[numero1, numero2]],
    );
    expect(rows.map((row) => row.statut)).toEqual(['radiee', 'radiee']);
  });
});

describe('authentication and scopes', () => {
  it('answers 401 without or with an unknown token, 403 for a role that may not post lots', async () => {
    const none = await hub.app.inject({ method: 'POST', url: '/connectors/spt/v2/lots', payload: lot() });
    expect(none.statusCode).toBe(401);
    expect(none.json().code).toBe('UNAUTHENTICATED');
    expect((await postLot(hub.app, 'sne_nope', lot())).statusCode).toBe(401);
    const forbidden = await postLot(hub.app, operator, lot());
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().code).toBe('FORBIDDEN');
    expect((await postLot(hub.app, ADMIN_TOKEN, lot())).statusCode).toBe(403);
  });

  it("hides another client's messages and another département's demandes", async () => {
    const receipt = (
      await postLot(hub.app, bailleur, lot(enregistrement({ id: 'S-1', nom: 'Secret' })))
    ).json<LotReply>();
    const messageId = receipt.messages[0]?.messageId as string;
    await waitForMessagesDone(hub.pool, [messageId]);
    const asOther = await hub.app.inject({
      method: 'GET',
      url: `/messages/${messageId}`,
      headers: { authorization: `Bearer ${guichet62}` },
    });
    expect(asOther.statusCode).toBe(404);
    const list59 = await hub.app.inject({
      method: 'GET',
      url: '/sne/demandes?departement=59',
      headers: { authorization: `Bearer ${guichet62}` },
    });
    expect(list59.statusCode).toBe(403);
    const list = await hub.app.inject({
      method: 'GET',
      url: '/sne/demandes',
      headers: { authorization: `Bearer ${guichet62}` },
    });
    expect(list.json().items).toEqual([]);
  });

  it('enforces the client scope on messages: a 62 guichet registering in 59 fails HORS_TERRITOIRE', async () => {
    const out = await sendLot(hub.app, guichet62, enregistrement({ id: 'H-1', nom: 'Hors' }));
    expect(out['H-1']?.error?.code).toBe('HORS_TERRITOIRE');
  });

  it('revokes and rotates tokens at once', async () => {
    const token = await provision(hub.app, {
      id: 'temp',
      role: 'guichet',
      organisme: '111111111',
      codeGuichet: 'TM59A',
    });
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const rotated = await hub.app.inject({
      method: 'POST',
      url: '/admin/clients/temp/token',
      headers: admin,
    });
    const newToken = rotated.json().token as string;
    expect((await postLot(hub.app, token, lot())).statusCode).toBe(401);
    expect((await postLot(hub.app, newToken, lot())).statusCode).toBe(202);
    expect(
      (await hub.app.inject({ method: 'DELETE', url: '/admin/clients/temp', headers: admin })).statusCode,
    ).toBe(204);
    expect((await postLot(hub.app, newToken, lot())).statusCode).toBe(401);
    const list = await hub.app.inject({ method: 'GET', url: '/admin/clients', headers: admin });
    expect(list.json().items.map((c: { id: string }) => c.id)).not.toContain('temp');
    // Not listed, yet its id stays taken, and the refusal says why.
    const again = await hub.app.inject({
      method: 'POST',
      url: '/admin/clients',
      headers: admin,
      payload: {
        id: 'temp',
        role: 'guichet',
        organisme: '111111111',
        nom: 'T',
        departements: ['59'],
        codeGuichet: 'TM59B',
      },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'CLIENT_EXISTS' });
    expect(again.json().detail).toContain('revoked');
    const stored = await hub.pool.query(`SELECT token_hash FROM clients WHERE id = 'lille-habitat'`);
    expect(stored.rows[0].token_hash.toString('utf8')).not.toContain(bailleur);
  });

  it('validates client provisioning', async () => {
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const noCode = await hub.app.inject({
      method: 'POST',
      url: '/admin/clients',
      headers: admin,
      payload: { id: 'x', role: 'guichet', organisme: '123456789', nom: 'X', departements: ['59'] },
    });
    expect(noCode.statusCode).toBe(400);
    expect(noCode.json()).toMatchObject({ code: 'CONTRACT_INVALID', errors: [{ path: '/codeGuichet' }] });
    const badSiren = await hub.app.inject({
      method: 'POST',
      url: '/admin/clients',
      headers: admin,
      payload: { id: 'y', role: 'dalo', organisme: '12', nom: 'Y', departements: ['59'] },
    });
    expect(badSiren.statusCode).toBe(400);
    expect(badSiren.json().errors[0].path).toBe('/organisme');
    const duplicate = await hub.app.inject({
      method: 'POST',
      url: '/admin/clients',
      headers: admin,
      payload: { id: 'lille-habitat', role: 'dalo', organisme: '123456789', nom: 'Y', departements: ['59'] },
    });
    expect(duplicate.statusCode).toBe(409);
    // Scopes the hub would not honour: an operator of one département (the /ops routes are national),
    // a guichet of the Nord serving Arras (62041), a commune that does not exist.
    const refused = [
      [{ id: 'ops59', role: 'operator', departements: ['59'] }, '/departements'],
      [
        { id: 'g59', role: 'guichet', codeGuichet: 'GN59A', departements: ['59'], communes: ['62041'] },
        '/communes',
      ],
      [
        { id: 'g59b', role: 'guichet', codeGuichet: 'GN59B', departements: ['59'], communes: ['59999'] },
        '/communes',
      ],
    ] as const;
    for (const [client, path] of refused) {
      const reply = await hub.app.inject({
        method: 'POST',
        url: '/admin/clients',
        headers: admin,
        payload: { organisme: '123456789', nom: 'Z', ...client },
      });
      expect(reply.statusCode, client.id).toBe(400);
      expect(reply.json()).toMatchObject({ code: 'CONTRACT_INVALID', errors: [{ path }] });
    }
    const consistent = await hub.app.inject({
      method: 'POST',
      url: '/admin/clients',
      headers: admin,
      payload: {
        id: 'g59-lille',
        role: 'guichet',
        organisme: '123456789',
        nom: 'Lille',
        codeGuichet: 'GL59A',
        departements: ['59'],
        communes: ['59350'],
      },
    });
    expect(consistent.statusCode, consistent.body).toBe(201);
  });
});

describe('health', () => {
  it('is live and ready when PostgreSQL, Redis and the migrations are', async () => {
    expect((await hub.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    const ready = await hub.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({
      status: 'ready',
      checks: { postgres: 'ok', migrations: 'ok', redis: 'ok' },
    });
  });
});
