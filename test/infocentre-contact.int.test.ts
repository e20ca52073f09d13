import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provision, startTestHub, type TestHub } from './helpers/hub.ts';
import { enregistrement, modification, radiation, sendLot } from './helpers/spt.ts';

/**
 * The guichets' quality indicator "with email or téléphone" follows the demande's current data, as
 * every statistic does (domain.md, Modification), and keeps its value through the retention purge,
 * which erases the contacts. It used to keep what was entered at enregistrement only.
 */
let hub: TestHub;
let guichet: string;
let operator: string;

beforeAll(async () => {
  hub = await startTestHub();
  guichet = await provision(hub.app, { id: 'mairie-lille', role: 'guichet', codeGuichet: 'ML59A' });
  operator = await provision(hub.app, { id: 'ops', role: 'operator', departements: ['*'] });
});

afterAll(async () => {
  await hub?.close();
});

async function avecContact(): Promise<unknown> {
  const reply = await hub.app.inject({
    method: 'GET',
    url: '/infocentre/guichets/qualite?departement=59&du=2014-01-01&au=2014-12-31',
    headers: { authorization: `Bearer ${operator}` },
  });
  expect(reply.statusCode, reply.body).toBe(200);
  const guichets = reply.json<{ guichets: { codeGuichet: string; avecContact: number }[] }>().guichets;
  return guichets.find((g) => g.codeGuichet === 'ML59A')?.avecContact;
}

describe('the quality indicator "with email or téléphone"', () => {
  it('counts a contact added by a modification, and keeps it through the retention purge', async () => {
    const out = await sendLot(
      hub.app,
      guichet,
      enregistrement({ id: 'Q-1', nom: 'Contact', dateDepot: '2014-03-01' }),
    );
    const numero = out['Q-1']?.result?.numeroUnique as string;
    expect(await avecContact()).toBe(0);

    const changed = await sendLot(
      hub.app,
      guichet,
      modification('Q-2', numero, '<demandeur><email>a.b@example.org</email></demandeur>'),
    );
    expect(changed['Q-2']?.status).toBe('applied');
    expect(await avecContact()).toBe(1);

    expect(
      (await sendLot(hub.app, guichet, radiation('Q-3', numero, 'abandon', '2014-06-01')))['Q-3']?.status,
    ).toBe('applied');
    const purge = await hub.app.inject({
      method: 'POST',
      url: '/ops/sweeps/retention',
      headers: { authorization: `Bearer ${operator}` },
      payload: { asOf: '2015-06-02' },
    });
    expect(purge.statusCode, purge.body).toBe(200);
    expect(purge.json()).toMatchObject({ purgees: 1 });
    expect(await avecContact()).toBe(1);
  });
});
