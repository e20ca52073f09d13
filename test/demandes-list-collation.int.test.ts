import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provision, startTestHub, type TestHub } from './helpers/hub.ts';
import { enregistrement, sendLot } from './helpers/spt.ts';

/**
 * `GET /sne/demandes` in a database whose text sorts by a language's rules, as one created with
 * `en_US.UTF-8` (the default of many servers) does. The tests' databases sort byte by byte
 * (C.UTF-8), where the list read a département as the numéros from its code to that code and `~`;
 * under a language's collation `'0590…' < '059~'` is false, and every guichet got an empty list.
 * The column is given an ICU collation here, the closest a test can come to such a server.
 */
let hub: TestHub;
let bailleur: string;
const numeros: string[] = [];

beforeAll(async () => {
  hub = await startTestHub();
  bailleur = await provision(hub.app, { id: 'lille-habitat', role: 'bailleur', codeGuichet: 'LH59A' });
  const out = await sendLot(
    hub.app,
    bailleur,
    enregistrement({ id: 'C-1', nom: 'Collation', prenom: 'Une' }),
    enregistrement({ id: 'C-2', nom: 'Collation', prenom: 'Deux' }),
  );
  for (const id of ['C-1', 'C-2']) numeros.push(out[id]?.result?.numeroUnique as string);
  await hub.pool.query(`ALTER TABLE demandes ALTER COLUMN numero_unique TYPE text COLLATE "en-US-x-icu"`);
});

afterAll(async () => {
  await hub?.close();
});

describe('the list of demandes under a language collation', () => {
  it.each(['/sne/demandes', '/sne/demandes?departement=59', '/sne/demandes?commune=59350'])(
    'lists the département’s demandes: %s',
    async (url) => {
      const reply = await hub.app.inject({
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${bailleur}` },
      });
      expect(reply.statusCode, reply.body).toBe(200);
      expect(reply.json<{ items: { numeroUnique: string }[] }>().items.map((d) => d.numeroUnique)).toEqual(
        [...numeros].sort(),
      );
    },
  );

  it('pages through them by numéro', async () => {
    const first = await hub.app.inject({
      method: 'GET',
      url: '/sne/demandes?limit=1',
      headers: { authorization: `Bearer ${bailleur}` },
    });
    const page = first.json<{ items: { numeroUnique: string }[]; next: string }>();
    expect(page.items).toHaveLength(1);
    const second = await hub.app.inject({
      method: 'GET',
      url: `/sne/demandes?limit=1&cursor=${page.next}`,
      headers: { authorization: `Bearer ${bailleur}` },
    });
    expect(
      [...page.items, ...second.json<{ items: { numeroUnique: string }[] }>().items].map(
        (d) => d.numeroUnique,
      ),
    ).toEqual([...numeros].sort());
  });
});
