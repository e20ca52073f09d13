import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers } from '../services/pipeline/workers.ts';
import { startTestHub, type TestHub } from './helpers/hub.ts';
import { OpenApiValidator } from './helpers/openapi-validator.ts';
import { type RouteFixtures, seedRouteFixtures } from './helpers/route-fixtures.ts';
import { defaultUrl, ROUTE_REQUESTS, type RouteRequest } from './helpers/route-requests.ts';
import {
  edgeDate,
  edgeNumber,
  edgeNumberLiteral,
  hostileParameter,
  invalidUtf8,
  nestedArrays,
  nestedObjects,
  ONE_MB,
  refusedText,
  wrongShape,
} from './properties/arbitraries.ts';
import {
  damagedBytes,
  jsonMutation,
  mutatedJson,
  pathsOf,
  RawJson,
  xmlTextNodes,
} from './properties/mutations.ts';

/**
 * Property-based tests over every route and contract (issue 10): whatever arrives — JSON of the wrong
 * shape, text PostgreSQL refuses, numbers and dates at the edges, truncated or invalid bytes, huge or
 * deeply nested values, hostile parameters — the hub answers within a bound, never with a 5xx, every
 * error as RFC 9457 problem+json with a stable code and a status the OpenAPI document lists, and it
 * stays up with a flat memory. Each request starts from the well-formed one of
 * helpers/route-requests.ts, sent by a client allowed on the route, and damages one thing.
 */

/** A request that takes longer than this is a hang. */
const HANG_MS = 15_000;
/** Runs per property: enough to meet each family of values, few enough for two busy cores. */
const RUNS = 40;

interface Target {
  route: string;
  method: string;
  request: RouteRequest;
  url: string;
  token: string;
}

let hub: TestHub;
let fixtures: RouteFixtures;
let validator: OpenApiValidator;
let targets: Target[];

beforeAll(async () => {
  hub = await startTestHub({
    workers: false,
    env: {
      SNE_RATE_LIMIT_PER_MINUTE: JSON.stringify({
        '*': 1_000_000,
        public: 1_000_000,
        'failed-auth': 1_000_000,
      }),
    },
  });
  const workers = startWorkers(hub.config, hub.infrastructure, pino({ level: 'silent' }));
  try {
    fixtures = await seedRouteFixtures(hub);
  } finally {
    await workers.close();
  }
  validator = await OpenApiValidator.of(hub.app);
  targets = await allowedTargets();
}, 180_000);

afterAll(async () => {
  await hub?.close();
});

/**
 * For each route, its well-formed request and the token of a client it accepts (the first caller
 * that is neither 401 nor 403): the damage then meets the route's own validation, not the guard.
 */
async function allowedTargets(): Promise<Target[]> {
  const callers = [fixtures.adminToken, ...Object.values(fixtures.tokens)];
  const found: Target[] = [];
  for (const [route, build] of Object.entries(ROUTE_REQUESTS)) {
    const method = route.slice(0, route.indexOf(' '));
    const request = await build(fixtures, 'in');
    const url = request.url ?? defaultUrl(route);
    for (const token of callers) {
      const reply = await send({ route, method, request, url, token }, {});
      if (reply.statusCode !== 401 && reply.statusCode !== 403) {
        found.push({ route, method, request, url, token });
        break;
      }
    }
  }
  return found;
}

function send(
  target: Target,
  change: { url?: string; payload?: string | Buffer; contentType?: string },
): Promise<LightMyRequestResponse> {
  const { request } = target;
  const payload = change.payload ?? request.payload;
  const headers: Record<string, string> = {
    ...request.headers,
    ...(typeof request.payload === 'object' && !Buffer.isBuffer(request.payload)
      ? { 'content-type': 'application/json' }
      : {}),
    ...(change.contentType ? { 'content-type': change.contentType } : {}),
    authorization: `Bearer ${target.token}`,
  };
  const injected = hub.app.inject({
    method: target.method as 'GET',
    url: change.url ?? target.url,
    headers,
    ...(payload === undefined
      ? {}
      : {
          payload:
            typeof payload === 'object' && !Buffer.isBuffer(payload) ? JSON.stringify(payload) : payload,
        }),
  });
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${target.route} hung for ${HANG_MS} ms`)), HANG_MS);
  });
  return Promise.race([injected, hang]).finally(() => clearTimeout(timer));
}

/** The property every reply must have; returns what is wrong, empty when the reply is sane. */
function insanity(target: Target, url: string, reply: LightMyRequestResponse): string[] {
  const what = `${target.method} ${url.slice(0, 120)} → ${reply.statusCode}`;
  if (reply.statusCode >= 500) return [`${what}: ${reply.body.slice(0, 300)}`];
  if (reply.statusCode < 400) return [];
  if (!String(reply.headers['content-type']).startsWith('application/problem+json')) {
    return [`${what}: not problem+json (${reply.headers['content-type']}) ${reply.body.slice(0, 200)}`];
  }
  const problem = reply.json<{ code?: unknown; status?: unknown }>();
  if (typeof problem.code !== 'string' || !/^[A-Z][A-Z0-9_]*$/.test(problem.code)) {
    return [`${what}: no stable code in ${reply.body.slice(0, 200)}`];
  }
  if (problem.status !== reply.statusCode) return [`${what}: problem status ${problem.status}`];
  return validator.documents(target.method, url) ? validator.problems(target.method, url, reply) : [];
}

async function expectSane(
  target: Target,
  change: { url?: string; payload?: string | Buffer; contentType?: string },
) {
  const reply = await send(target, change);
  expect(insanity(target, change.url ?? target.url, reply)).toEqual([]);
}

const jsonTargets = () =>
  targets.filter(
    (t) =>
      t.request.payload !== undefined &&
      typeof t.request.payload === 'object' &&
      !Buffer.isBuffer(t.request.payload),
  );
const xmlTargets = () => targets.filter((t) => t.request.headers?.['content-type']?.includes('xml'));
const csvTargets = () => targets.filter((t) => t.request.headers?.['content-type']?.startsWith('text/csv'));
const bodyTargets = () => targets.filter((t) => t.request.payload !== undefined);
const paramTargets = () => targets.filter((t) => t.route.includes(':') || t.url.includes('?'));

/** A property over the targets of a kind, each run picking one target and one damage. */
async function overTargets<T>(
  pick: () => Target[],
  damage: (target: Target) => fc.Arbitrary<T>,
  check: (target: Target, value: T) => Promise<void>,
  runs = RUNS,
) {
  const chosen = pick();
  expect(chosen.length).toBeGreaterThan(0);
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...chosen).chain((target) => damage(target).map((value) => [target, value] as const)),
      async ([target, value]) => check(target, value),
    ),
    { numRuns: runs },
  );
}

describe('every route, whatever it receives', () => {
  it('finds a client allowed on every route', () => {
    expect(targets.map((t) => t.route).sort()).toEqual(Object.keys(ROUTE_REQUESTS).sort());
  });

  it('JSON bodies of the wrong shape, huge or 10,000 levels deep: a 4xx problem, never a 5xx', async () => {
    await overTargets(
      jsonTargets,
      (t) => jsonMutation(t.request.payload, wrongShape),
      (t, payload) => expectSane(t, { payload }),
      RUNS * 2,
    );
  });

  // PENDING on harden-core (issue 10 defect 2): NUL and lone surrogates reach PostgreSQL → 500.
  it('JSON text with NUL bytes or lone surrogates, in values and keys: refused, never a 5xx', async () => {
    await overTargets(
      jsonTargets,
      (t) => jsonMutation(t.request.payload, refusedText),
      (t, payload) => expectSane(t, { payload }),
    );
  });

  // PENDING on harden-core (issue 10 defect 3): it may draw `asOf: "0000-01-01"` on the sweep → 500.
  it('JSON numbers and dates at the edges of their types: a 2xx or a 4xx problem, never a 5xx', async () => {
    await overTargets(
      jsonTargets,
      (t) =>
        fc.oneof(
          jsonMutation(t.request.payload, fc.oneof(edgeNumber, edgeDate)),
          fc
            .tuple(fc.constantFrom(...pathsOf(t.request.payload).slice(1)), edgeNumberLiteral)
            .map(([path, literal]) => mutatedJson(t.request.payload, path, new RawJson(literal))),
        ),
      (t, payload) => expectSane(t, { payload }),
    );
  });

  /** Every leaf of the JSON bodies of `routes` set to each edge date and number; what goes wrong. */
  async function edgesOnEveryLeaf(routes: Target[]): Promise<string[]> {
    const edges = [
      '0000-01-01',
      '9999-12-31',
      '2016-02-30',
      1e308,
      -(2 ** 63),
      2 ** 63,
      -0,
      new RawJson('1e309'),
    ];
    const failures: string[] = [];
    for (const t of routes) {
      for (const path of pathsOf(t.request.payload).slice(1)) {
        for (const edge of edges) {
          const payload = mutatedJson(t.request.payload, path, edge);
          failures.push(
            ...insanity(t, t.url, await send(t, { payload })).map((f) => `${f} at /${path.join('/')}`),
          );
        }
      }
    }
    return failures;
  }
  const SWEEP = 'POST /ops/sweeps/renouvellement';

  it('every leaf of every JSON body set to each edge date and number: never a 5xx', async () => {
    expect(await edgesOnEveryLeaf(jsonTargets().filter((t) => t.route !== SWEEP))).toEqual([]);
  });

  // PENDING on harden-core (issue 10 defect 3): `asOf: "0000-01-01"` on the sweep → 500.
  it('the sweep’s body with each edge date and number: never a 5xx', async () => {
    expect(await edgesOnEveryLeaf(jsonTargets().filter((t) => t.route === SWEEP))).toEqual([]);
  });

  // PENDING on harden-core (issue 10 defect 2): NUL and lone surrogates reach PostgreSQL → 500.
  it('every leaf and key of every JSON body set to a NUL byte or a lone surrogate: never a 5xx', async () => {
    const failures: string[] = [];
    for (const t of jsonTargets()) {
      for (const path of pathsOf(t.request.payload).slice(1)) {
        for (const text of ['a\u0000b', '\udfff']) {
          const payload = mutatedJson(t.request.payload, path, text);
          failures.push(
            ...insanity(t, t.url, await send(t, { payload })).map((f) => `${f} at /${path.join('/')}`),
          );
        }
      }
      const payload = JSON.stringify({ ...(t.request.payload as object), 'k\u0000': 1 });
      failures.push(...insanity(t, t.url, await send(t, { payload })).map((f) => `${f} in a key`));
    }
    expect(failures).toEqual([]);
  });

  // PENDING on harden-core (issue 10 defects 2-4): %00 → 500, %FF → Fastify's own JSON, 1e309 → 500.
  it('every path parameter and query value set to each hostile value: never a 5xx', async () => {
    const failures: string[] = [];
    const values = ['%00', '%FF', '%C0%AF', '1e309', '9999999999999999999', 'x'.repeat(101)];
    for (const t of paramTargets()) {
      for (let at = 0; at < slotsOf(t); at++) {
        for (const value of values) {
          const url = withParameter(t, at, value);
          failures.push(...insanity(t, url, await send(t, { url })));
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('bodies cut short, with invalid UTF-8 or foreign bytes spliced in: a 4xx problem, never a 5xx', async () => {
    await overTargets(
      bodyTargets,
      (t) => damagedBytes(bodyOf(t), invalidUtf8),
      (t, payload) => expectSane(t, { payload }),
    );
  });

  it('bodies nested 10,000 levels deep, in JSON and XML: a 4xx problem, never a 5xx', async () => {
    const deepJson = nestedObjects(10_000);
    const deepArray = nestedArrays(10_000);
    const deepXml = (t: Target) =>
      bodyOf(t)
        .toString('utf8')
        .replace(/(<[a-zA-Z]+[^>]*>)/, `$1${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}`);
    for (const t of bodyTargets()) {
      const xml = t.request.headers?.['content-type']?.includes('xml');
      for (const payload of xml ? [deepXml(t)] : [deepJson, deepArray]) {
        await expectSane(t, { payload });
      }
    }
  });

  it('XML lots with a text replaced by a hostile value, or a DOCTYPE: a receipt or a 4xx problem', async () => {
    const hostile = fc.oneof(
      edgeDate,
      edgeNumber.map(String),
      edgeNumberLiteral,
      fc.constantFrom(ONE_MB, '&#0;', '&#xD800;', '&x;', ']]>', '<![CDATA[x'),
      refusedText.map((text) => text.replaceAll('\u0000', '&#0;')),
    );
    await overTargets(
      xmlTargets,
      (t) => {
        const xml = bodyOf(t).toString('utf8');
        const nodes = xmlTextNodes(xml);
        const doctype = fc.constant(xml.replace(/(<\?xml[^>]*\?>)?/, '$1<!DOCTYPE lot [<!ENTITY x "y">]>'));
        if (nodes.length === 0) return doctype;
        return fc.oneof(
          fc
            .tuple(fc.constantFrom(...nodes), hostile)
            .map(([node, value]) => xml.slice(0, node.start) + value + xml.slice(node.end)),
          doctype,
        );
      },
      (t, payload) => expectSane(t, { payload }),
    );
  });

  it('RPLS CSV with a field replaced by a hostile value: an import or a 4xx problem', async () => {
    const hostile = fc.oneof(
      edgeDate,
      edgeNumber.map(String),
      edgeNumberLiteral,
      refusedText,
      fc.constantFrom(ONE_MB, '"', ';;;', '\r', ''),
    );
    await overTargets(
      csvTargets,
      (t) => {
        const lines = bodyOf(t).toString('utf8').split('\n');
        const fields = (lines[1] ?? '').split(';');
        return fc
          .tuple(fc.nat({ max: fields.length - 1 }), hostile, fc.boolean())
          .map(([at, value, inHeader]) => {
            const target = inHeader ? 0 : 1;
            const cells = (lines[target] ?? '').split(';');
            cells[at] = value;
            return lines.map((line, i) => (i === target ? cells.join(';') : line)).join('\n');
          });
      },
      (t, payload) => expectSane(t, { payload }),
      RUNS / 2,
    );
  });

  // PENDING on harden-core (issue 10 defects 2-4): %00 → 500, %FF → Fastify's own JSON, 1e309 → 500.
  it('hostile path and query parameters (%00, %FF, 1e309, huge): a 4xx problem, never a 5xx', async () => {
    await overTargets(
      paramTargets,
      (t) =>
        fc.tuple(fc.nat({ max: 20 }), hostileParameter).map(([at, value]) => withParameter(t, at, value)),
      (t, url) => expectSane(t, { url }),
      RUNS * 2,
    );
  });

  it('the process stays up and its memory flat after 100 bodies of 1 MB', async () => {
    const heap = () => {
      // gc() is not exposed in a vitest worker: the V8 flag makes it reachable from a new context.
      setFlagsFromString('--expose-gc');
      (runInNewContext('gc') as () => void)();
      return process.memoryUsage().heapUsed;
    };
    const sample = jsonTargets().concat(xmlTargets());
    const oneRound = async () => {
      for (const t of sample.slice(0, 10)) {
        const payload = t.request.headers?.['content-type']?.includes('xml')
          ? bodyOf(t)
              .toString('utf8')
              .replace(/>([^<]+)</, `>${ONE_MB}<`)
          : mutatedJson(t.request.payload, pathsOf(t.request.payload).at(-1) ?? [], ONE_MB);
        await expectSane(t, { payload });
      }
    };
    await oneRound(); // warm up: compiled code, pools, caches
    const before = heap();
    for (let i = 0; i < 10; i++) await oneRound();
    const grown = heap() - before;
    // 100 MB went through; what stays must be far less than what came (a leak keeps a copy of each).
    expect(grown).toBeLessThan(20 * 1024 * 1024);
    const live = await hub.app.inject({ method: 'GET', url: '/health/live' });
    expect(live.statusCode).toBe(200);
  });
});

/** The body of a target's well-formed request, as bytes. */
function bodyOf(t: Target): Buffer {
  const { payload } = t.request;
  if (Buffer.isBuffer(payload)) return payload;
  return Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload ?? null));
}

/** How many parameters `withParameter` can replace in a target's URL. */
function slotsOf(t: Target): number {
  const params = t.route.split('/').filter((part) => part.startsWith(':')).length;
  const query = t.url.includes('?') ? (t.url.split('?')[1] ?? '').split('&').length : 0;
  return params + query + 3;
}

/** The target's URL with its `at`-th parameter (path parameter or query value, cyclically) replaced. */
function withParameter(t: Target, at: number, value: string): string {
  const [path = '', query = ''] = t.url.split('?');
  const template = t.route.slice(t.route.indexOf(' ') + 1).split('/');
  const segments = path.split('/');
  const slots: ((v: string) => string)[] = [];
  template.forEach((part, i) => {
    if (part.startsWith(':')) {
      slots.push((v) => segments.map((s, j) => (j === i ? v : s)).join('/') + (query ? `?${query}` : ''));
    }
  });
  const pairs = query ? query.split('&') : [];
  pairs.forEach((_pair, i) => {
    slots.push((v) => `${path}?${pairs.map((p, j) => (j === i ? `${p.split('=')[0]}=${v}` : p)).join('&')}`);
  });
  // List routes' paging parameters, on every route: unknown ones must be refused as cleanly.
  for (const name of ['limit', 'cursor', 'after']) {
    slots.push((v) => `${path}?${[...pairs, `${name}=${v}`].join('&')}`);
  }
  return (slots[at % slots.length] as (v: string) => string)(value);
}
