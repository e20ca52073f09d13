/**
 * The NPDC scenario of `npm run bench:npdc`, scaled down 100 times: a year like the regional
 * committee's (stock, new demandes, renewals, every motif of radiation with catch-ups,
 * reactivations, attributions against an imported parc, typologie changes; guichets on SPT v2 and
 * v1, the portail) sent through the public routes of a hub, the renewal sweep run month by month up
 * to 30/09/2014. Every cell of the flux table must equal the plan's, which equals the committee's
 * table divided by 100 — read from `GET /infocentre/flux`, and recomputed from the registry's
 * tables with domain.md's definitions as an independent oracle.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fluxFromRegistry } from '../bench/npdc/flux-oracle.ts';
import { compareFlux, formatFluxTable } from '../bench/npdc/flux-report.ts';
import { loadReference, scaleTable } from '../bench/npdc/reference.ts';
import { type HubTransport, runScenario, type ScenarioResult } from '../bench/npdc/scenario.ts';
import { ADMIN_TOKEN, provision, startTestHub, type TestHub } from './helpers/hub.ts';

const SCALE = 100;

describe('NPDC scenario, 1/100', () => {
  let hub: TestHub;
  let result: ScenarioResult;
  let operatorToken: string;

  beforeAll(async () => {
    hub = await startTestHub();
    const transport: HubTransport = {
      async request({ method, path, token, contentType, body }) {
        const reply = await hub.app.inject({
          method,
          url: path,
          headers: {
            authorization: `Bearer ${token}`,
            ...(contentType ? { 'content-type': contentType } : {}),
          },
          ...(body !== undefined ? { payload: body } : {}),
        });
        return { status: reply.statusCode, body: reply.body };
      },
    };
    result = await runScenario(transport, ADMIN_TOKEN, { scale: SCALE, pollMs: 20 });
    operatorToken = await provision(hub.app, { id: 'test-operateur', role: 'operator', departements: ['*'] });
  }, 600_000);

  afterAll(async () => {
    await hub?.close();
  });

  it('plans the committee table divided by 100, with every kind of fate', () => {
    const reference = loadReference();
    expect(result.plan.expected.lignes).toEqual(scaleTable(reference, SCALE).lignes);
    expect(result.plan.expected.total.radiees.irrecevabilite).toBeGreaterThan(0);
    for (const count of Object.values(result.plan.fates)) expect(count).toBeGreaterThan(0);
    expect(result.plan.lastSlot).toBeGreaterThan(12);
  });

  it('gets every message applied: none rejected, none failed', () => {
    expect(result.failures).toEqual([]);
    expect(result.messages).toBe(result.plan.messages);
  });

  it('radiates for non-renouvellement through the month-end sweeps, and the late sweeps change nothing', () => {
    const inPeriod = result.sweeps.filter((s) => s.slot >= 1 && s.slot <= 12);
    // Catch-ups and reactivations replace some of them afterwards: the sweeps radiated at least the final count.
    const radiees = inPeriod.reduce((sum, s) => sum + s.radiees, 0);
    expect(radiees).toBeGreaterThan(result.plan.expected.total.radiees['non-renouvellement']);
    expect(result.sweeps.filter((s) => s.slot > 12).every((s) => s.radiees === 0)).toBe(true);
    expect(result.sweeps.at(-1)?.asOf).toBe('2014-09-30');
  });

  it('took the catch-up and reactivation paths: the hub radiated first, the late message replaced or reopened', async () => {
    const read = async (key: string) => {
      const numero = result.numeros.get(key);
      const reply = await hub.app.inject({
        method: 'GET',
        url: `/sne/demandes/${numero}`,
        headers: { authorization: `Bearer ${operatorToken}` },
      });
      expect(reply.statusCode).toBe(200);
      return reply.json<{
        statut: string;
        radiation?: { motif: string };
        historique: { kind: string; details: { motif?: string; remplace?: { motif: string } } }[];
      }>();
    };
    const rattrapages = result.plan.demandes.filter((d) => d.fate === 'stock-rattrapage');
    const reactivees = result.plan.demandes.filter((d) => d.fate === 'stock-reactivee');
    for (const d of rattrapages) {
      const demande = await read(d.key);
      expect(demande.radiation?.motif).toBe(d.radiation?.motif);
      const last = demande.historique.at(-1);
      expect(last?.details.remplace?.motif, d.key).toBe('non-renouvellement');
    }
    for (const d of reactivees) {
      const demande = await read(d.key);
      expect(demande.statut).toBe('active');
      expect(demande.historique.map((h) => h.kind)).toContain('reactivation');
    }
  });

  it('gives the expected figures by the definitions of domain.md, computed on the registry (oracle)', async () => {
    const oracle = await fluxFromRegistry(hub.pool, result.plan.du, result.plan.au, ['59', '62']);
    const cells = compareFlux(result.plan.expected, oracle);
    expect(
      cells.filter((c) => !c.ok),
      formatFluxTable(cells, 'plan'),
    ).toEqual([]);
  });

  it('answers the same table at GET /infocentre/flux, every cell and part', () => {
    expect(result.flux, 'GET /infocentre/flux answered 404').toBeDefined();
    const cells = compareFlux(result.plan.expected, result.flux as NonNullable<typeof result.flux>);
    expect(
      cells.filter((c) => !c.ok),
      formatFluxTable(cells, 'plan'),
    ).toEqual([]);
  });
});
