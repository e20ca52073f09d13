import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../services/core/actor.ts';
import { startWorkers } from '../services/pipeline/workers.ts';
import { startTestHub, type TestHub } from './helpers/hub.ts';
import { OpenApiValidator } from './helpers/openapi-validator.ts';
import { registeredRoutes } from './helpers/registered-routes.ts';
import { type RouteFixtures, seedRouteFixtures, type Where } from './helpers/route-fixtures.ts';
import { defaultUrl, ROUTE_REQUESTS } from './helpers/route-requests.ts';

/**
 * The authorization matrix: every route × every role, in and out of the caller's territory, plus the
 * administrator, no token, a bad token and a revoked token, each with the status it must get.
 *
 * Every client is in département 59; "in" is a resource of 59 (or the caller's own), "out" one of 62
 * (or another client's). A row lists the roles that may use the route with their [in, out]
 * statuses; every other role gets 403, the administrator 403 unless listed, and a request without a
 * valid token 401. `public` rows answer the same to everyone. A demande named by a numéro of a
 * département out of scope answers 403 (read from the numéro: whether it exists is not revealed),
 * as does naming such a département in a query or a message; a logement of another bailleur 403
 * too. Resources whose identifier names no département (messages, lots, pièces) read as unknown
 * out of territory: 404.
 *
 * A route the app serves without a row here fails the first test: a new route adds one line here
 * and one request in helpers/route-requests.ts. Every reply is also checked against /openapi.json.
 */
type Row =
  | { public: number }
  | ({ admin?: number } & Partial<Record<Role, [inTerritory: number, out: number]>>);

const SENDERS: Row = {
  guichet: [200, 404],
  bailleur: [404, 404],
  dalo: [404, 404],
  contingent: [404, 404],
  rpls: [404, 404],
  pgp: [404, 404],
  operator: [200, 200],
  infocentre: [404, 404],
};
// An operator works on every département (the admin route refuses a narrower one): it sees both sides.
const SNE_READ: Row = { guichet: [200, 403], bailleur: [200, 403], operator: [200, 200] };
const FEED: [number, number] = [200, 200];
const OPS_NOT_FOUND: Row = { operator: [404, 404] };
const OPERATOR: Row = { operator: [200, 200] };
const INFOCENTRE: Row = { infocentre: [200, 403], operator: [200, 200] };

const MATRIX: Record<string, Row> = {
  'GET /health/live': { public: 200 },
  'GET /health/ready': { public: 200 },
  'GET /openapi.json': { public: 200 },
  'GET /asyncapi.json': { public: 200 },
  'GET /docs': { public: 200 },
  'GET /docs/': { public: 200 },
  // swagger-ui sends its own index page back to /docs/.
  'GET /docs/static/index.html': { public: 302 },
  'GET /docs/static/swagger-initializer.js': { public: 200 },
  'GET /docs/*': { public: 200 },
  'GET /docs/json': { public: 200 },
  'GET /docs/yaml': { public: 200 },

  'POST /admin/clients': { admin: 201 },
  'GET /admin/clients': { admin: 200 },
  'DELETE /admin/clients/:id': { admin: 204 },
  'POST /admin/clients/:id/token': { admin: 200 },
  'PUT /admin/clients/:id/webhook': { admin: 200 },

  'GET /messages/:messageId': SENDERS,
  'GET /lots/:lotId': SENDERS,

  'GET /sne/demandes/:numeroUnique': SNE_READ,
  'GET /sne/demandes': { guichet: [200, 403], bailleur: [200, 403], operator: [200, 200] },
  'GET /sne/demandes/:numeroUnique/pieces': SNE_READ,
  'GET /sne/pieces/:pieceId': { guichet: [200, 404], bailleur: [200, 404], operator: [200, 200] },

  'GET /feeds/events': {
    guichet: FEED,
    bailleur: FEED,
    dalo: FEED,
    contingent: FEED,
    pgp: FEED,
    operator: FEED,
  },
  'GET /parc/logements/:identifiant': { bailleur: [200, 403], operator: [200, 200] },

  'POST /ops/sweeps/renouvellement': { operator: [200, 200] },
  'GET /ops/deliveries': { operator: [200, 200] },
  'GET /ops/deliveries/:id': OPS_NOT_FOUND,
  'POST /ops/deliveries/replay': { operator: [200, 200] },
  'POST /ops/deliveries/:id/replay': OPS_NOT_FOUND,
  'POST /ops/deliveries/:id/discard': OPS_NOT_FOUND,

  'POST /connectors/spt/v2/lots': { guichet: [202, 202], bailleur: [202, 202] },
  'POST /connectors/spt/v1/lots': { guichet: [202, 202], bailleur: [202, 202] },
  'POST /connectors/spt/:version/lots': { guichet: [404, 404], bailleur: [404, 404] },

  'POST /connectors/pgp/v1/demandes': { pgp: [202, 403] },
  'POST /connectors/pgp/v1/demandes/:numeroUnique/modifications': { pgp: [202, 403] },
  'POST /connectors/pgp/v1/demandes/:numeroUnique/renouvellements': { pgp: [202, 403] },
  'POST /connectors/pgp/v1/demandes/:numeroUnique/abandon': { pgp: [202, 403] },
  'GET /connectors/pgp/v1/demandes/:numeroUnique': { pgp: [200, 403] },
  'POST /connectors/pgp/v1/demandes/:numeroUnique/pieces': { pgp: [201, 403] },
  'DELETE /connectors/pgp/v1/pieces/:pieceId': { pgp: [204, 404] },

  'GET /connectors/dalo/v1/demandes/:numeroUnique': { dalo: [200, 403] },
  'GET /connectors/dalo/v1/demandes': { dalo: [200, 200] },
  'POST /connectors/dalo/v1/decisions': { dalo: [202, 403] },

  'GET /connectors/contingent/v1/demandes': { contingent: [200, 403] },
  'POST /connectors/contingent/v1/labellisations': { contingent: [202, 403] },
  'POST /connectors/contingent/v1/designations': { contingent: [202, 403] },

  'POST /connectors/rpls/v1/imports': { rpls: [202, 202] },
  'GET /connectors/rpls/v1/imports/:importId': { rpls: [200, 404], operator: [200, 200] },

  'GET /ops/messages': OPERATOR,
  'GET /ops/messages/summary': OPERATOR,
  'GET /ops/messages/:messageId': OPERATOR,
  'POST /ops/messages/:messageId/replay': OPS_NOT_FOUND,
  'POST /ops/messages/:messageId/discard': OPS_NOT_FOUND,
  'POST /ops/messages/replay': OPERATOR,
  'GET /ops/jobs/:jobId': OPS_NOT_FOUND,
  'GET /ops/audit': OPERATOR,
  'POST /ops/sweeps/retention': OPERATOR,
  'GET /metrics': OPERATOR,
  // bull-board: its page and API, all behind one hook of the plugin (see QUEUES_FAMILY below).
  'GET /ops/queues': OPERATOR,
  'GET /ops/queues/api/queues': OPERATOR,
  // The console's page and files hold no data: public, like /docs.
  'GET /ops/console': { public: 200 },
  'GET /ops/console/': { public: 301 },
  'GET /ops/console/*': { public: 200 },
  'POST /ops/console/session': OPERATOR,
  'DELETE /ops/console/session': { public: 204 },

  // Infocentre: its clients and operators read the territoires of their départements (59 here).
  'GET /infocentre/flux': INFOCENTRE,
  'GET /infocentre/typologie': INFOCENTRE,
  'GET /infocentre/anciennete': INFOCENTRE,
  'GET /infocentre/attributions/mensuel': INFOCENTRE,
  'GET /infocentre/attributions/delais': INFOCENTRE,
  'GET /infocentre/guichets/qualite': INFOCENTRE,
  'GET /infocentre/rapports/flux': INFOCENTRE,
  'GET /infocentre/rapports/attributions': INFOCENTRE,
  'GET /public/communes/:insee/chiffres-cles': { public: 200 },
  'GET /public/annuaire/guichets': { public: 200 },
};

/**
 * bull-board registers some forty routes of its own under /ops/queues; one onRequest hook of the
 * dashboard's plugin guards them all, so the matrix checks the page and one API route, and every
 * other route of the family must lie behind the same prefix.
 */
const QUEUES_FAMILY = /^[A-Z]+ \/ops\/queues\//;
const isFamilyMember = (route: string) => QUEUES_FAMILY.test(route) && !(route in MATRIX);

/** Who calls: a role in or out of territory, the administrator, or a request without a valid token. */
type Caller = `${Role}:${Where}` | 'admin' | 'no token' | 'bad token' | 'revoked token';
const CALLERS: Caller[] = [
  ...ROLES.flatMap((role) => [`${role}:in`, `${role}:out`] as const),
  'admin',
  'no token',
  'bad token',
  'revoked token',
];

function expected(row: Row, caller: Caller): number {
  if ('public' in row) return row.public;
  if (caller === 'no token' || caller === 'bad token' || caller === 'revoked token') return 401;
  if (caller === 'admin') return row.admin ?? 403;
  const [role, where] = caller.split(':') as [Role, Where];
  return row[role]?.[where === 'in' ? 0 : 1] ?? 403;
}

let hub: TestHub;
let fixtures: RouteFixtures;
let validator: OpenApiValidator;

beforeAll(async () => {
  // Limits far above the ~1,000 requests of the matrix: this test is about who, not how often.
  hub = await startTestHub({
    workers: false,
    env: {
      SNE_RATE_LIMIT_PER_MINUTE: JSON.stringify({ '*': 100_000, public: 100_000, 'failed-auth': 100_000 }),
    },
  });
  // Workers only while seeding: the requests under test then change nothing the next ones read.
  const workers = startWorkers(hub.config, hub.infrastructure, pino({ level: 'silent' }));
  try {
    fixtures = await seedRouteFixtures(hub);
  } finally {
    await workers.close();
  }
  validator = await OpenApiValidator.of(hub.app);
});

afterAll(async () => {
  await hub?.close();
});

function tokenOf(caller: Caller): string | undefined {
  switch (caller) {
    case 'no token':
      return undefined;
    case 'bad token':
      return fixtures.badToken;
    case 'revoked token':
      return fixtures.revokedToken;
    case 'admin':
      return fixtures.adminToken;
    default:
      return fixtures.tokens[caller.split(':')[0] as Role];
  }
}

describe('authorization matrix', () => {
  it('has a row and a request for every route the app serves, and none for a route it does not', () => {
    const routes = registeredRoutes(hub.app).filter((route) => !isFamilyMember(route));
    expect(Object.keys(MATRIX).sort()).toEqual(routes);
    expect(Object.keys(ROUTE_REQUESTS).sort()).toEqual(routes);
  });

  for (const [route, row] of Object.entries(MATRIX)) {
    it(`${route}: every caller gets its expected status, as documented`, async () => {
      const build = ROUTE_REQUESTS[route];
      if (!build) throw new Error(`no request for ${route}`);
      const method = route.slice(0, route.indexOf(' '));
      const actual: Record<string, number> = {};
      const wanted: Record<string, number> = {};
      const undocumented: string[] = [];
      for (const caller of CALLERS) {
        const where: Where = caller.endsWith(':out') ? 'out' : 'in';
        const request = await build(fixtures, where);
        const url = request.url ?? defaultUrl(route);
        const token = tokenOf(caller);
        const reply = await hub.app.inject({
          method: method as 'GET',
          url,
          headers: { ...request.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
          ...(request.payload === undefined ? {} : { payload: request.payload }),
        });
        actual[caller] = reply.statusCode;
        wanted[caller] = expected(row, caller);
        if (
          reply.statusCode >= 400 &&
          !String(reply.headers['content-type']).startsWith('application/problem+json')
        ) {
          undocumented.push(`${caller}: ${reply.statusCode} is not problem+json`);
        }
        if (validator.documents(method, url)) {
          undocumented.push(
            ...validator.problems(method, url, reply).map((problem) => `${caller}: ${problem}`),
          );
        }
      }
      expect(actual).toEqual(wanted);
      expect(undocumented).toEqual([]);
    });
  }

  it('has answered for every operation of the OpenAPI document, each reply conforming to it', () => {
    expect([...validator.covered()].sort()).toEqual(validator.operationKeys().sort());
  });
});
