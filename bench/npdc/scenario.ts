/**
 * The NPDC scenario: builds the plan of a year like the regional committee's, sends it to a hub
 * through its public contracts only (admin provisioning, the RPLS import, SPT v2 and v1 lots, the
 * portail's JSON, the operators' sweep, the infocentre's flux), month by month, and reads back the
 * flux table. Used by `npm run bench:npdc` (full scale, over HTTP) and by
 * `test/npdc-scenario.int.test.ts` (scaled down, in process).
 *
 * Each slot (a month of the simulated year; 0 is before it, 13 and after are late catch-ups)
 * sends that slot's messages, waits until every one is applied or failed, then runs the renewal
 * sweep as of the slot's last day: the hub lives the year as it would have, daily sweeps included.
 */
import { CLIENTS, type ScenarioClient } from './clients.ts';
import {
  type DemandeName,
  pgpRequest,
  rplsCsv,
  sptV1Lot,
  sptV1Message,
  sptV2Lot,
  sptV2Message,
} from './messages.ts';
import { buildPlan, type PlannedDemande, type PlannedEvent, type ScenarioPlan, sweepDateOf } from './plan.ts';
import { type FluxFigures, type FluxTable, loadReference, MOTIFS, scaleTable } from './reference.ts';

export { buildPlan } from './plan.ts';
export type { FluxTable } from './reference.ts';

export interface HubRequest {
  method: 'GET' | 'POST';
  path: string;
  token: string;
  contentType?: string;
  body?: string | Buffer;
}

export interface HubReply {
  status: number;
  body: string;
}

/** How the scenario reaches the hub: real HTTP (the bench) or `app.inject` (the test). */
export interface HubTransport {
  request(request: HubRequest): Promise<HubReply>;
}

export interface ScenarioOptions {
  /** Divides every figure of the reference (1 = the committee's table). Default 1. */
  scale?: number;
  /** PRNG seed. Default 2014. */
  seed?: number;
  /** Messages per SPT lot. Default 500. */
  lotSize?: number;
  /** Delay between two polls of a message's or lot's status, ms. Default 50. */
  pollMs?: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** A message that did not end `applied`. */
export interface MessageFailure {
  id: string;
  status: string;
  code?: string;
  message?: string;
}

export interface SweepRun {
  slot: number;
  asOf: string;
  preavis: number;
  radiees: number;
}

export interface ScenarioResult {
  plan: ScenarioPlan;
  /** The flux table `GET /infocentre/flux` answered, or undefined when the route does not exist (404). */
  flux?: FluxTable;
  failures: MessageFailure[];
  sweeps: SweepRun[];
  /** The numéro unique the hub gave each planned demande, by the plan's key. */
  numeros: Map<string, string>;
  /** Messages sent (SPT and portail), and the parc's rows imported. */
  messages: number;
  logements: number;
  /** From the first message sent to the last applied, sweeps included. */
  elapsedMs: number;
  sweepMs: number;
}

/** The plan for a scale and seed, from the committee's file. */
export function planFor(scale = 1, seed = 2014): ScenarioPlan {
  const reference = loadReference();
  return buildPlan(scaleTable(reference, scale), seed, reference.typologie);
}

/** Runs the whole scenario against a hub whose administrator token is `adminToken`. */
export async function runScenario(
  transport: HubTransport,
  adminToken: string,
  options: ScenarioOptions = {},
): Promise<ScenarioResult> {
  const log = options.log ?? (() => {});
  const lotSize = options.lotSize ?? 500;
  const pollMs = options.pollMs ?? 50;
  const plan = planFor(options.scale ?? 1, options.seed ?? 2014);
  log(
    `plan: ${plan.demandes.length} demandes, ${plan.messages} messages, ${plan.logements.length} logements, slots 0-${plan.lastSlot}`,
  );
  const hub = new Hub(transport, pollMs);
  const tokens = new Map<string, string>();
  for (const client of CLIENTS) tokens.set(client.id, await hub.provision(adminToken, client));
  const token = (id: string) => tokens.get(id) as string;
  const operator = token('npdc-operateur');

  await hub.importParc(token('npdc-rpls'), rplsCsv(plan.logements));
  log(`parc: ${plan.logements.length} logements imported (RPLS)`);

  // Sent by date, a demande's messages in their own order (its sort date never goes back).
  const bySlot: { d: PlannedDemande; e: PlannedEvent }[][] = [];
  const order = new Map<PlannedEvent, string>();
  for (const d of plan.demandes) {
    let last = '';
    for (const e of d.events) {
      last = [e.date, last].sort()[1] as string;
      order.set(e, last);
      const slot = bySlot[e.slot] ?? [];
      slot.push({ d, e });
      bySlot[e.slot] = slot;
    }
  }
  const numeros = new Map<PlannedDemande, string>();
  const failures: MessageFailure[] = [];
  const sweeps: SweepRun[] = [];
  let messages = 0;
  let sweepMs = 0;
  const begin = performance.now();

  for (let slot = 0; slot <= plan.lastSlot; slot++) {
    const started = performance.now();
    const entries = (bySlot[slot] ?? []).sort(
      (a, b) =>
        (order.get(a.e) as string).localeCompare(order.get(b.e) as string) ||
        a.d.key.localeCompare(b.d.key) ||
        a.d.events.indexOf(a.e) - b.d.events.indexOf(b.e),
    );
    const byClient = new Map<string, { d: PlannedDemande; e: PlannedEvent }[]>();
    for (const entry of entries) {
      const list = byClient.get(entry.e.client) ?? [];
      list.push(entry);
      byClient.set(entry.e.client, list);
    }
    const nameOf = (d: PlannedDemande, e: PlannedEvent): DemandeName => {
      if (e.client === d.registrar && d.ref) return { referenceGuichet: d.ref };
      const numeroUnique = numeros.get(d);
      if (!numeroUnique) throw new Error(`message ${e.id}: the numéro of ${d.key} is not known yet`);
      return { numeroUnique };
    };

    // Each client sends its messages in order, one request at a time; the clients send at once.
    const pending: Pending[] = [];
    await Promise.all(
      [...byClient].map(async ([clientId, list]) => {
        const client = CLIENTS.find((c) => c.id === clientId) as ScenarioClient;
        if (client.channel === 'pgp') {
          // A demande's messages stay in one stream, in order; four streams at once.
          const streams: (typeof list)[] = [[], [], [], []];
          for (const entry of list) streams[Number(entry.d.key.slice(-2)) % 4]?.push(entry);
          await Promise.all(
            streams.map(async (stream) => {
              for (const { d, e } of stream) {
                const { path, body } = pgpRequest(d, e, numeros.get(d));
                pending.push(await hub.postPortail(token(clientId), path, body, d, e));
              }
            }),
          );
          return;
        }
        for (let i = 0; i < list.length; i += lotSize) {
          const chunk = list.slice(i, i + lotSize);
          const lot =
            client.channel === 'spt-v1'
              ? sptV1Lot(chunk.map(({ d, e }) => sptV1Message(d, e, nameOf(d, e))))
              : sptV2Lot(chunk.map(({ d, e }) => sptV2Message(d, e, nameOf(d, e))));
          pending.push(
            await hub.postLot(token(clientId), client.channel === 'spt-v1' ? 'v1' : 'v2', lot, chunk),
          );
        }
      }),
    );
    messages += entries.length;

    for (const p of pending) {
      for (const outcome of await hub.outcomes(operator, p)) {
        if (outcome.status !== 'applied') {
          failures.push({
            id: outcome.id,
            status: outcome.status,
            ...(outcome.error ? { code: outcome.error.code, message: outcome.error.message } : {}),
          });
        } else if (outcome.numeroUnique) {
          const d = p.demandes.get(outcome.id);
          if (d) numeros.set(d, outcome.numeroUnique);
        }
      }
    }
    const sweepStart = performance.now();
    const asOf = sweepDateOf(plan.du, plan.au, slot);
    const sweep = await hub.sweep(operator, asOf);
    sweepMs += performance.now() - sweepStart;
    sweeps.push({ slot, asOf, ...sweep });
    log(
      `slot ${String(slot).padStart(2)}: ${String(entries.length).padStart(6)} messages, ${pending.length} requests, sweep as of ${asOf}: ${sweep.radiees} radiées, ${sweep.preavis} préavis (${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
  }
  const elapsedMs = performance.now() - begin;
  const flux = await hub.flux(operator, plan.du, plan.au, Object.keys(plan.target.lignes));
  return {
    plan,
    ...(flux ? { flux } : {}),
    failures,
    sweeps,
    numeros: new Map([...numeros].map(([d, numero]) => [d.key, numero])),
    messages,
    logements: plan.logements.length,
    elapsedMs,
    sweepMs,
  };
}

/** A request sent, whose messages' outcomes are still to be read. */
interface Pending {
  lotId?: string;
  messageId?: string;
  /** Sender ids of enregistrements → their demande (to learn the numéros). */
  demandes: Map<string, PlannedDemande>;
  /** Rejected at reception. */
  rejected: MessageFailure[];
}

interface Outcome {
  id: string;
  status: string;
  numeroUnique?: string;
  error?: { code: string; message: string };
}

/** The hub's public routes the scenario uses. */
class Hub {
  constructor(
    private readonly transport: HubTransport,
    private readonly pollMs: number,
  ) {}

  private async call(request: HubRequest, expected: number[]): Promise<unknown> {
    const reply = await this.transport.request(request);
    if (!expected.includes(reply.status)) {
      throw new Error(`${request.method} ${request.path}: ${reply.status} ${reply.body.slice(0, 1000)}`);
    }
    return reply.body ? JSON.parse(reply.body) : undefined;
  }

  private json(method: 'GET' | 'POST', path: string, token: string, body?: object): HubRequest {
    return {
      method,
      path,
      token,
      ...(body ? { contentType: 'application/json', body: JSON.stringify(body) } : {}),
    };
  }

  private wait(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, this.pollMs));
  }

  async provision(adminToken: string, client: ScenarioClient): Promise<string> {
    const { channel: _c, weight: _w, ...spec } = client;
    const reply = (await this.call(this.json('POST', '/admin/clients', adminToken, spec), [201])) as {
      token: string;
    };
    return reply.token;
  }

  /** Imports the parc and waits until the import is `completed` with no row rejected. */
  async importParc(token: string, csv: string): Promise<void> {
    const { importId } = (await this.call(
      {
        method: 'POST',
        path: '/connectors/rpls/v1/imports?mode=upsert',
        token,
        contentType: 'text/csv; charset=utf-8',
        body: csv,
      },
      [202],
    )) as { importId: string };
    for (;;) {
      const view = (await this.call(
        this.json('GET', `/connectors/rpls/v1/imports/${importId}`, token),
        [200],
      )) as {
        status: string;
        rejected: number;
        errors: unknown[];
      };
      if (view.status === 'failed' || view.rejected > 0) {
        throw new Error(`RPLS import: ${JSON.stringify(view).slice(0, 2000)}`);
      }
      if (view.status === 'completed') return;
      await this.wait();
    }
  }

  async postLot(
    token: string,
    version: 'v1' | 'v2',
    body: Buffer,
    chunk: { d: PlannedDemande; e: PlannedEvent }[],
  ): Promise<Pending> {
    const receipt = (await this.call(
      {
        method: 'POST',
        path: `/connectors/spt/${version}/lots`,
        token,
        contentType: 'application/xml',
        body,
      },
      [202],
    )) as {
      lotId: string;
      messages: { id: string; status: string; errors?: { code: string; message: string }[] }[];
    };
    return {
      lotId: receipt.lotId,
      demandes: new Map(chunk.filter(({ e }) => e.kind === 'enregistrement').map(({ d, e }) => [e.id, d])),
      rejected: receipt.messages
        .filter((m) => m.status === 'rejected')
        .map((m) => ({
          id: m.id,
          status: m.status,
          code: m.errors?.[0]?.code,
          message: m.errors?.[0]?.message,
        })),
    };
  }

  async postPortail(
    token: string,
    path: string,
    body: object,
    d: PlannedDemande,
    e: PlannedEvent,
  ): Promise<Pending> {
    const reply = await this.transport.request(this.json('POST', path, token, body));
    if (reply.status !== 202) {
      const problem = JSON.parse(reply.body) as { code?: string; detail?: string };
      return {
        demandes: new Map(),
        rejected: [{ id: e.id, status: `http-${reply.status}`, code: problem.code, message: problem.detail }],
      };
    }
    const { messageId } = JSON.parse(reply.body) as { messageId: string };
    return { messageId, demandes: new Map(e.kind === 'enregistrement' ? [[e.id, d]] : []), rejected: [] };
  }

  /** Waits until every message of a request is done, and returns their outcomes (rejected ones included). */
  async outcomes(operator: string, pending: Pending): Promise<Outcome[]> {
    const done = (status: string) => status !== 'accepted' && status !== 'processing';
    const outcomes: Outcome[] = [...pending.rejected];
    if (pending.lotId) {
      for (;;) {
        const lot = (await this.call(this.json('GET', `/lots/${pending.lotId}`, operator), [200])) as {
          messages: {
            id: string;
            status: string;
            result?: { numeroUnique?: string };
            error?: { code: string; message: string };
          }[];
        };
        const accepted = lot.messages.filter((m) => m.status !== 'rejected');
        if (accepted.every((m) => done(m.status))) {
          for (const m of accepted) {
            outcomes.push({
              id: m.id,
              status: m.status,
              ...(m.result?.numeroUnique ? { numeroUnique: m.result.numeroUnique } : {}),
              ...(m.error ? { error: m.error } : {}),
            });
          }
          return outcomes;
        }
        await this.wait();
      }
    }
    if (pending.messageId) {
      for (;;) {
        const m = (await this.call(this.json('GET', `/messages/${pending.messageId}`, operator), [200])) as {
          id: string;
          status: string;
          result?: { numeroUnique?: string };
          error?: { code: string; message: string };
        };
        if (done(m.status)) {
          outcomes.push({
            id: m.id,
            status: m.status,
            ...(m.result?.numeroUnique ? { numeroUnique: m.result.numeroUnique } : {}),
            ...(m.error ? { error: m.error } : {}),
          });
          return outcomes;
        }
        await this.wait();
      }
    }
    return outcomes;
  }

  async sweep(operator: string, asOf: string): Promise<{ preavis: number; radiees: number }> {
    return (await this.call(
      this.json('POST', '/ops/sweeps/renouvellement', operator, { asOf, reason: 'scénario NPDC' }),
      [200],
    )) as { preavis: number; radiees: number };
  }

  /** `GET /infocentre/flux` for the départements, as an operator (true numbers, no secrecy); undefined on 404. */
  async flux(
    operator: string,
    du: string,
    au: string,
    departements: string[],
  ): Promise<FluxTable | undefined> {
    const query = [...departements.map((d) => `territoire=departement:${d}`), `du=${du}`, `au=${au}`].join(
      '&',
    );
    const reply = await this.transport.request(this.json('GET', `/infocentre/flux?${query}`, operator));
    if (reply.status === 404) return undefined;
    if (reply.status !== 200)
      throw new Error(`GET /infocentre/flux: ${reply.status} ${reply.body.slice(0, 1000)}`);
    const body = JSON.parse(reply.body) as {
      du: string;
      au: string;
      lignes: (FluxFigures & { territoire: string; part?: Record<string, number> })[];
      total: FluxFigures;
    };
    const lignes: Record<string, FluxFigures> = {};
    const part: Record<string, Record<string, number>> = {};
    for (const { territoire, part: p, ...figures } of body.lignes) {
      const key = territoire.replace(/^departement:/, '');
      lignes[key] = normalise(figures);
      if (p) part[key] = p;
    }
    return { du: body.du, au: body.au, lignes, total: normalise(body.total), part };
  }
}

/** Keeps the cells the committee prints, a missing motif counting zero. */
function normalise(f: FluxFigures): FluxFigures {
  return {
    enCoursDebut: f.enCoursDebut,
    nouvelles: f.nouvelles,
    radiees: {
      total: f.radiees?.total,
      ...(Object.fromEntries(MOTIFS.map((m) => [m, f.radiees?.[m] ?? 0])) as Record<
        (typeof MOTIFS)[number],
        number
      >),
    },
    enCoursFin: f.enCoursFin,
  };
}
