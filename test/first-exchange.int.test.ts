import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provision, startTestHub, type TestHub, waitFor } from './helpers/hub.ts';

/**
 * The README's first exchange, step by step on a fresh hub: provision the bailleur and the RPLS
 * client, import the example parc, send the example lot, find the lot id in the receipt and follow
 * it with GET /lots/{lotId} until every message is applied.
 */
const LOT = 'contracts/spt/v2/examples/premier-echange.xml';
const PARC = 'contracts/rpls/v1/examples/parc-utf8.csv';
let hub: TestHub;

beforeAll(async () => {
  hub = await startTestHub();
});

afterAll(async () => {
  await hub?.close();
});

describe("the README's first exchange", () => {
  it('is the one the README shows', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(`@${LOT}`);
    expect(readme).toContain(`@${PARC}`);
    expect(readme).toContain('/lots/$LOT');
    // Its step 4 waits for the apply, as this test does: right after the 202 the messages are accepted.
    expect(readme).toContain(`jq -e '.counts.accepted + .counts.processing == 0'`);
  });

  it('applies every message of the example lot on a fresh database', async () => {
    // The README's provisioning: the same clients.
    const token = await provision(hub.app, {
      id: 'lille-habitat',
      role: 'bailleur',
      organisme: '123456789',
      nom: 'Lille Habitat',
      departements: ['59'],
      codeGuichet: 'LH59A',
    });
    const rpls = await provision(hub.app, {
      id: 'rpls',
      role: 'rpls',
      organisme: '130005009',
      nom: 'RPLS',
      departements: ['*'],
    });
    const imported = await hub.app.inject({
      method: 'POST',
      url: '/connectors/rpls/v1/imports',
      headers: { authorization: `Bearer ${rpls}`, 'content-type': 'text/csv; charset=utf-8' },
      payload: readFileSync(new URL(`../${PARC}`, import.meta.url)),
    });
    expect(imported.statusCode, imported.body).toBe(202);
    const { importId } = imported.json<{ importId: string }>();
    const parc = await waitFor(async () => {
      const view = await hub.app.inject({
        method: 'GET',
        url: `/connectors/rpls/v1/imports/${importId}`,
        headers: { authorization: `Bearer ${rpls}` },
      });
      return view.json().status === 'running' ? undefined : view.json();
    });
    expect(parc).toMatchObject({ status: 'completed', rejected: 0 });

    const sent = await hub.app.inject({
      method: 'POST',
      url: '/connectors/spt/v2/lots',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml' },
      payload: readFileSync(new URL(`../${LOT}`, import.meta.url)),
    });
    expect(sent.statusCode, sent.body).toBe(202);
    const receipt = sent.json<{ lotId: string; accepted: number; rejected: number }>();
    expect(receipt).toMatchObject({ accepted: 6, rejected: 0 });

    interface LotView {
      counts: Record<string, number>;
      messages: { result: { numeroUnique: string } }[];
    }
    const lot = await waitFor(async () => {
      const view = await hub.app.inject({
        method: 'GET',
        url: `/lots/${receipt.lotId}`,
        headers: { authorization: `Bearer ${token}` },
      });
      const found = view.json<LotView>();
      return (found.counts.accepted ?? 0) + (found.counts.processing ?? 0) === 0 ? found : undefined;
    });
    expect(lot.counts).toEqual({
      accepted: 0,
      processing: 0,
      applied: 6,
      failed: 0,
      rejected: 0,
      discarded: 0,
    });
    const [first, , , , second] = lot.messages;
    expect(first?.result.numeroUnique).toMatch(/^0590314\d{6}LH59A$/);
    expect(second?.result.numeroUnique).toMatch(/^0590114\d{6}LH59A$/);
  });
});
