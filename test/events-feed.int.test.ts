import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../services/core/actor.ts';
import { eventContracts } from '../services/pipeline/event-contracts.ts';
import type { CloudEvent } from '../services/pipeline/events.ts';
import { applyCommands } from './helpers/commands.ts';
import { ADMIN_TOKEN, provision, readFeed, startTestHub, type TestHub } from './helpers/hub.ts';
import { enregistrement, radiation, sendLot } from './helpers/spt.ts';

/**
 * The pull feed (interfaces.md §9): each role reads exactly its scope, in sequence order, with
 * cursors and long polling; every event matches its published contract.
 */
let hub: TestHub;
const tokens: Record<string, string> = {};
const numeros: Record<string, string> = {};

const BAILLEUR_59 = '123456789';
const BAILLEUR_AUTRE = '987654321';
const dalo59: Actor = { clientId: 'dalo-59', role: 'dalo', organisme: '130000001', departements: ['59'] };
const contingent59: Actor = {
  clientId: 'prefet-59',
  role: 'contingent',
  organisme: '130000002',
  departements: ['59'],
};

/** Every event of the feed, page after page. */
async function readAll(token: string, limit = 3): Promise<CloudEvent[]> {
  const events: CloudEvent[] = [];
  let after = '0';
  for (;;) {
    const page = await readFeed(hub.app, token, `?after=${after}&limit=${limit}`);
    events.push(...page.events);
    if (page.events.length === 0) return events;
    after = page.next;
  }
}

const summary = (events: CloudEvent[]) =>
  events.map((e) => `${e.type.slice(7, -3)} ${e.subject.slice(0, 3)}`);

beforeAll(async () => {
  hub = await startTestHub();
  tokens.guichet59 = await provision(hub.app, { id: 'lille', role: 'guichet', codeGuichet: 'LI59A' });
  tokens.guichet62 = await provision(hub.app, {
    id: 'arras',
    role: 'guichet',
    codeGuichet: 'AR62A',
    departements: ['62'],
  });
  tokens.bailleur59 = await provision(hub.app, {
    id: 'lille-habitat',
    role: 'bailleur',
    organisme: BAILLEUR_59,
    codeGuichet: 'LH59A',
  });
  tokens.bailleurAutre = await provision(hub.app, {
    id: 'autre-bailleur',
    role: 'bailleur',
    organisme: BAILLEUR_AUTRE,
    codeGuichet: 'AB59A',
  });
  tokens.dalo = await provision(hub.app, { id: dalo59.clientId, role: 'dalo', organisme: dalo59.organisme });
  tokens.contingent = await provision(hub.app, {
    id: contingent59.clientId,
    role: 'contingent',
    organisme: contingent59.organisme,
  });
  tokens.pgp = await provision(hub.app, {
    id: 'portail',
    role: 'pgp',
    codeGuichet: 'GDPUB',
    departements: ['*'],
  });
  tokens.operator = await provision(hub.app, { id: 'ops', role: 'operator', departements: ['*'] });
  tokens.rpls = await provision(hub.app, { id: 'rpls', role: 'rpls', departements: ['*'] });
  await hub.pool.query(
    `INSERT INTO logements (identifiant_rpls, siren_bailleur, code_commune, departement) VALUES ('5900000001', $1, '59350', '59')`,
    [BAILLEUR_59],
  );

  // 59: A (DALO prioritaire-urgent, then radiée), B (labellisée, then désignée), C (nothing); 62: D.
  const lot59 = await sendLot(
    hub.app,
    tokens.guichet59 as string,
    enregistrement({ id: 'A', nom: 'Alpha' }),
    enregistrement({ id: 'B', nom: 'Bravo' }),
    enregistrement({ id: 'C', nom: 'Charlie' }),
  );
  const lot62 = await sendLot(
    hub.app,
    tokens.guichet62 as string,
    enregistrement({ id: 'D', nom: 'Delta', departement: '62', communes: ['62041'] }),
  );
  for (const [id, outcome] of Object.entries({ ...lot59, ...lot62 })) {
    numeros[id] = outcome.result?.numeroUnique as string;
  }
  await applyCommands(hub, dalo59, {
    type: 'dalo-decision',
    demande: { numeroUnique: numeros.A as string },
    decision: 'prioritaire-urgent',
    dateDecision: '2014-06-01',
    departementCommission: '59',
  });
  await applyCommands(
    hub,
    contingent59,
    {
      type: 'labellisation',
      demande: { numeroUnique: numeros.B as string },
      categorie: 'violences',
      dateLabellisation: '2014-06-02',
    },
    {
      type: 'designation',
      demande: { numeroUnique: numeros.B as string },
      logement: '5900000001',
      dateDesignation: '2014-06-03',
    },
  );
  await sendLot(
    hub.app,
    tokens.guichet59 as string,
    radiation('RA', numeros.A as string, 'abandon', '2014-07-01'),
  );
});

afterAll(async () => {
  await hub?.close();
});

describe('GET /feeds/events', () => {
  it('gives the operator every event, in sequence order, each matching its contract', async () => {
    const events = await readAll(tokens.operator as string);
    expect(summary(events)).toEqual([
      'demande.enregistree 059',
      'demande.enregistree 059',
      'demande.enregistree 059',
      'demande.enregistree 062',
      'demande.dalo-decision 059',
      'demande.labellisee 059',
      'designation.creee 059',
      'demande.radiee 059',
    ]);
    const sequences = events.map((e) => e.sequence);
    expect([...sequences].sort()).toEqual(sequences);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    for (const event of events) {
      expect(eventContracts().check(event), event.type).toEqual([]);
      expect(event).toMatchObject({
        specversion: '1.0',
        source: 'urn:sne:hub',
        datacontenttype: 'application/json',
      });
      // No personal data in events.
      expect(JSON.stringify(event)).not.toMatch(/Alpha|Bravo|Charlie|Delta|Amélie|1985-04-12/);
    }
  });

  it('gives guichets and bailleurs the demande events of their départements, désignations to the owner only', async () => {
    const guichet59 = summary(await readAll(tokens.guichet59 as string));
    expect(guichet59).toEqual([
      'demande.enregistree 059',
      'demande.enregistree 059',
      'demande.enregistree 059',
      'demande.dalo-decision 059',
      'demande.labellisee 059',
      'demande.radiee 059',
    ]);
    expect(summary(await readAll(tokens.guichet62 as string))).toEqual(['demande.enregistree 062']);
    const owner = summary(await readAll(tokens.bailleur59 as string));
    expect(owner).toEqual([...guichet59.slice(0, 5), 'designation.creee 059', 'demande.radiee 059']);
    expect(summary(await readAll(tokens.bailleurAutre as string))).toEqual(guichet59);
  });

  it('gives dalo the events of demandes with a DALO decision, contingent the prioritaires and its désignations', async () => {
    const dalo = await readAll(tokens.dalo as string);
    expect(summary(dalo)).toEqual(['demande.dalo-decision 059', 'demande.radiee 059']);
    expect(new Set(dalo.map((e) => e.subject))).toEqual(new Set([numeros.A]));

    const contingent = await readAll(tokens.contingent as string);
    expect(summary(contingent)).toEqual([
      'demande.dalo-decision 059',
      'demande.labellisee 059',
      'designation.creee 059',
      'demande.radiee 059',
    ]);
    const designation = contingent.find((e) => e.type === 'fr.sne.designation.creee.v1');
    expect(designation?.data).toMatchObject({ logement: '5900000001', sirenBailleur: BAILLEUR_59 });
  });

  it('gives the portail every demande event of every département, and nothing to rpls', async () => {
    const pgp = summary(await readAll(tokens.pgp as string));
    expect(pgp).toHaveLength(7);
    expect(pgp).not.toContain('designation.creee 059');
    const rpls = await hub.app.inject({
      method: 'GET',
      url: '/feeds/events',
      headers: { authorization: `Bearer ${tokens.rpls}` },
    });
    expect(rpls.statusCode).toBe(403);
    expect(rpls.headers['content-type']).toContain('application/problem+json');
  });

  it('returns the same cursor when nothing is new, and refuses a bad cursor', async () => {
    const all = await readFeed(hub.app, tokens.guichet62 as string);
    const again = await readFeed(hub.app, tokens.guichet62 as string, `?after=${all.next}`);
    expect(again).toEqual({ events: [], next: all.next });
    const bad = await hub.app.inject({
      method: 'GET',
      url: '/feeds/events?after=abc&limit=5000',
      headers: { authorization: `Bearer ${tokens.guichet62}` },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'INVALID_PARAMETER' });
  });

  it('long-polls: a waiting reader is answered when an event of its scope is committed', async () => {
    const { next } = await readFeed(hub.app, tokens.guichet62 as string);
    const waiting = readFeed(hub.app, tokens.guichet62 as string, `?after=${next}&wait=20`);
    await sendLot(
      hub.app,
      tokens.guichet62 as string,
      enregistrement({ id: 'E', nom: 'Echo', departement: '62', communes: ['62041'] }),
    );
    const page = await waiting;
    expect(summary(page.events)).toEqual(['demande.enregistree 062']);
    expect(page.next > next).toBe(true);
  });

  it('ends a long-poll whose token is revoked while it waits: it hears nothing committed after', async () => {
    const token = await provision(hub.app, {
      id: 'arras-bis',
      role: 'guichet',
      codeGuichet: 'AR62B',
      departements: ['62'],
    });
    const { next } = await readFeed(hub.app, token);
    const waiting = hub.app.inject({
      method: 'GET',
      url: `/feeds/events?after=${next}&wait=20`,
      headers: { authorization: `Bearer ${token}` },
    });
    // The poll is waiting (its first read found nothing); then the token is revoked.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const revoked = await hub.app.inject({
      method: 'DELETE',
      url: '/admin/clients/arras-bis',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(revoked.statusCode).toBe(204);
    await sendLot(
      hub.app,
      tokens.guichet62 as string,
      enregistrement({ id: 'E-revoque', nom: 'Apres Revocation', departement: '62', communes: ['62041'] }),
    );
    const reply = await waiting;
    expect(reply.json()).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(reply.body).not.toContain('Apres');
  });
});

describe('webhook provisioning', () => {
  it('refuses private and loopback webhook URLs unless configured', async () => {
    for (const url of [
      'http://127.0.0.1:9000/hook',
      'http://localhost/hook',
      'https://10.1.2.3/',
      'http://[::1]/',
    ]) {
      const reply = await hub.app.inject({
        method: 'POST',
        url: '/admin/clients',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        payload: {
          id: `hook-${Math.random().toString(36).slice(2, 8)}`,
          role: 'operator',
          organisme: '123456789',
          nom: 'x',
          departements: ['*'],
          webhook: { url },
        },
      });
      expect(reply.statusCode, url).toBe(400);
      expect(reply.json()).toMatchObject({ code: 'WEBHOOK_URL_FORBIDDEN' });
    }
  });
});
