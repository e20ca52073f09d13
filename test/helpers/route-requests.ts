import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { multipart, png } from '../pgp-fixtures.ts';
import { type RouteFixtures, RPLS_HEADER, rplsRow, SIREN_IN, type Where } from './route-fixtures.ts';
import { creationV1, enregistrement, lot, lotV1 } from './spt.ts';

/** A request to a route, without its Authorization header (the caller adds the one under test). */
export interface RouteRequest {
  /** Absent: the route's own URL (routes without path parameters). */
  url?: string;
  payload?: string | Buffer | Record<string, unknown>;
  headers?: Record<string, string>;
}

/** Builds a well-formed request to a route, about a resource in (`in`) or out of (`out`) the caller's territory. */
export type RequestBuilder = (fixtures: RouteFixtures, where: Where) => RouteRequest | Promise<RouteRequest>;

const pgpExample = JSON.parse(
  readFileSync(new URL('../../contracts/pgp/v1/examples/demande.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

const departement = (where: Where) => (where === 'in' ? '59' : '62');
const commune = (where: Where) => (where === 'in' ? '59350' : '62041');
const json = (payload: Record<string, unknown>) => ({ payload });

/**
 * One well-formed request per route of the hub, keyed `METHOD /url` as Fastify registers it. The
 * authorization matrix, the OpenAPI conformance test and the property tests read it: a new route
 * adds one line here (and one row in the matrix).
 */
export const ROUTE_REQUESTS: Record<string, RequestBuilder> = {
  'GET /health/live': () => ({ url: '/health/live' }),
  'GET /health/ready': () => ({ url: '/health/ready' }),
  'GET /openapi.json': () => ({ url: '/openapi.json' }),
  'GET /asyncapi.json': () => ({ url: '/asyncapi.json' }),
  'GET /docs': () => ({ url: '/docs' }),
  'GET /docs/': () => ({ url: '/docs/' }),
  'GET /docs/static/index.html': () => ({ url: '/docs/static/index.html' }),
  'GET /docs/static/swagger-initializer.js': () => ({ url: '/docs/static/swagger-initializer.js' }),
  'GET /docs/*': () => ({ url: '/docs/static/swagger-ui.css' }),
  'GET /docs/json': () => ({ url: '/docs/json' }),
  'GET /docs/yaml': () => ({ url: '/docs/yaml' }),

  'POST /admin/clients': (f) =>
    json({
      id: `new-${f.unique()}`,
      role: 'infocentre',
      organisme: '111111111',
      nom: 'Nouveau',
      departements: ['59'],
    }),
  'GET /admin/clients': () => ({ url: '/admin/clients?limit=5' }),
  'DELETE /admin/clients/:id': async (f) => ({ url: `/admin/clients/${await f.newVictim()}` }),
  'POST /admin/clients/:id/token': async (f) => ({ url: `/admin/clients/${await f.newVictim()}/token` }),
  'PUT /admin/clients/:id/webhook': async (f) => ({
    url: `/admin/clients/${await f.newVictim()}/webhook`,
    ...json({ url: 'https://hooks.example.org/sne', types: ['fr.sne.demande.radiee.v1'] }),
  }),

  'GET /messages/:messageId': (f, where) => ({ url: `/messages/${f.messageId[where]}` }),
  'GET /lots/:lotId': (f, where) => ({ url: `/lots/${f.lotId[where]}` }),

  'GET /sne/demandes/:numeroUnique': (f, where) => ({ url: `/sne/demandes/${f.numero[where]}` }),
  'GET /sne/demandes': (_f, where) => ({ url: `/sne/demandes?departement=${departement(where)}` }),
  'GET /sne/demandes/:numeroUnique/pieces': (f, where) => ({
    url: `/sne/demandes/${f.numero[where]}/pieces`,
  }),
  'GET /sne/pieces/:pieceId': (f, where) => ({ url: `/sne/pieces/${f.pieceId[where]}` }),

  'GET /feeds/events': () => ({ url: '/feeds/events?limit=5' }),
  'GET /parc/logements/:identifiant': (f, where) => ({ url: `/parc/logements/${f.logement[where]}` }),

  'POST /ops/sweeps/renouvellement': () => json({ asOf: '2014-06-01', reason: 'matrix' }),
  'GET /ops/deliveries': () => ({ url: '/ops/deliveries?status=failed' }),
  'GET /ops/deliveries/:id': () => ({ url: `/ops/deliveries/${randomUUID()}` }),
  'POST /ops/deliveries/replay': () => json({ filter: { status: 'failed' }, reason: 'matrix', dryRun: true }),
  'POST /ops/deliveries/:id/replay': () => ({
    url: `/ops/deliveries/${randomUUID()}/replay`,
    payload: { reason: 'matrix' },
  }),
  'POST /ops/deliveries/:id/discard': () => ({
    url: `/ops/deliveries/${randomUUID()}/discard`,
    payload: { reason: 'matrix' },
  }),

  'POST /connectors/spt/v2/lots': (f, where) =>
    xml(
      lot(
        enregistrement({
          id: `E-${f.unique()}`,
          ref: `REF-${f.unique()}`,
          departement: departement(where),
          communes: [commune(where)],
        }),
      ),
    ),
  'POST /connectors/spt/v1/lots': (f, where) =>
    xml(
      lotV1([
        creationV1({
          id: `C-${f.unique()}`,
          ref: `V1-${f.unique()}`,
          dept: departement(where),
          communes: [commune(where)],
        }),
      ]),
    ),
  'POST /connectors/spt/:version/lots': (_f, where) => ({
    ...xml(lot()),
    url: `/connectors/spt/v9${where}/lots`,
  }),

  'POST /connectors/pgp/v1/demandes': (f, where) =>
    json({
      ...pgpExample,
      id: `pgp-${f.unique()}`,
      departement: departement(where),
      communesSouhaitees: [commune(where)],
    }),
  'POST /connectors/pgp/v1/demandes/:numeroUnique/modifications': (f, where) => ({
    url: `/connectors/pgp/v1/demandes/${f.numero[where]}/modifications`,
    payload: { id: `pgp-${f.unique()}`, typologie: 'T4' },
  }),
  'POST /connectors/pgp/v1/demandes/:numeroUnique/renouvellements': (f, where) => ({
    url: `/connectors/pgp/v1/demandes/${f.numero[where]}/renouvellements`,
    payload: { id: `pgp-${f.unique()}`, dateRenouvellement: '2015-02-15' },
  }),
  'POST /connectors/pgp/v1/demandes/:numeroUnique/abandon': (f, where) => ({
    url: `/connectors/pgp/v1/demandes/${f.numero[where]}/abandon`,
    payload: { id: `pgp-${f.unique()}`, dateRadiation: '2015-06-01' },
  }),
  'GET /connectors/pgp/v1/demandes/:numeroUnique': (f, where) => ({
    url: `/connectors/pgp/v1/demandes/${f.numero[where]}`,
  }),
  'POST /connectors/pgp/v1/demandes/:numeroUnique/pieces': (f, where) => {
    const { payload, headers } = multipart([
      { name: 'type', value: 'ressources' },
      { name: 'file', filename: 'avis.png', contentType: 'image/png', content: png() },
    ]);
    return { url: `/connectors/pgp/v1/demandes/${f.numero[where]}/pieces`, payload, headers };
  },
  'DELETE /connectors/pgp/v1/pieces/:pieceId': async (f, where) => ({
    url: `/connectors/pgp/v1/pieces/${await f.newPiece(where)}`,
  }),

  'GET /connectors/dalo/v1/demandes/:numeroUnique': (f, where) => ({
    url: `/connectors/dalo/v1/demandes/${f.numero[where]}`,
  }),
  'GET /connectors/dalo/v1/demandes': (_f, where) => ({
    url: `/connectors/dalo/v1/demandes?nom=${where === 'in' ? 'Dupont' : 'Martin'}&prenom=Am%C3%A9lie&dateNaissance=1985-04-12`,
  }),
  'POST /connectors/dalo/v1/decisions': (f, where) =>
    json({
      id: `dalo-${f.unique()}`,
      numeroUnique: f.numero[where],
      decision: 'rejet',
      dateDecision: '2014-06-02',
      departementCommission: departement(where),
    }),

  'GET /connectors/contingent/v1/demandes': (_f, where) => ({
    url: `/connectors/contingent/v1/demandes?departement=${departement(where)}&filtre=prioritaire`,
  }),
  'POST /connectors/contingent/v1/labellisations': (f, where) =>
    json({
      id: `lab-${f.unique()}`,
      numeroUnique: f.numero[where],
      categorie: 'violences',
      dateLabellisation: '2014-02-11',
    }),
  'POST /connectors/contingent/v1/designations': (f, where) =>
    json({
      id: `des-${f.unique()}`,
      numeroUnique: f.numero[where],
      logement: f.logement[where],
      dateDesignation: '2014-04-03',
    }),

  'POST /connectors/rpls/v1/imports': (_f, where) => ({
    payload: `${RPLS_HEADER}\n${where === 'in' ? rplsRow('59MX000002', SIREN_IN, '59350') : rplsRow('62MX000002', '444444444', '62041')}\n`,
    headers: { 'content-type': 'text/csv; charset=utf-8' },
  }),
  'GET /connectors/rpls/v1/imports/:importId': (f, where) => ({
    url: `/connectors/rpls/v1/imports/${f.importId[where]}`,
  }),

  'GET /ops/messages': () => ({ url: '/ops/messages?status=applied&limit=5' }),
  'GET /ops/messages/summary': () => ({ url: '/ops/messages/summary?status=failed' }),
  'GET /ops/messages/:messageId': (f, where) => ({ url: `/ops/messages/${f.messageId[where]}` }),
  'POST /ops/messages/:messageId/replay': () => ({
    url: `/ops/messages/${randomUUID()}/replay`,
    ...json({ reason: 'matrix' }),
  }),
  'POST /ops/messages/:messageId/discard': () => ({
    url: `/ops/messages/${randomUUID()}/discard`,
    ...json({ reason: 'matrix' }),
  }),
  'POST /ops/messages/replay': () => json({ filter: { status: 'failed' }, reason: 'matrix', dryRun: true }),
  'GET /ops/jobs/:jobId': () => ({ url: `/ops/jobs/${randomUUID()}` }),
  'GET /ops/audit': () => ({ url: '/ops/audit?limit=5' }),
  'POST /ops/sweeps/retention': () => json({ asOf: '2014-09-30', reason: 'matrix' }),
  'GET /metrics': () => ({ url: '/metrics' }),
  'GET /ops/queues': () => ({ url: '/ops/queues' }),
  'GET /ops/queues/api/queues': () => ({ url: '/ops/queues/api/queues' }),
  'GET /ops/console': () => ({ url: '/ops/console' }),
  'GET /ops/console/': () => ({ url: '/ops/console/' }),
  'GET /ops/console/*': () => ({ url: '/ops/console/app.js' }),
  'POST /ops/console/session': () => ({}),
  'DELETE /ops/console/session': () => ({}),

  'GET /infocentre/flux': (_f, where) => ({ url: `/infocentre/flux?${periode(where)}` }),
  'GET /infocentre/typologie': (_f, where) => ({
    url: `/infocentre/typologie?territoire=departement:${departement(where)}&date=2014-09-30`,
  }),
  'GET /infocentre/anciennete': (_f, where) => ({
    url: `/infocentre/anciennete?territoire=departement:${departement(where)}&date=2014-09-30`,
  }),
  'GET /infocentre/attributions/mensuel': (_f, where) => ({
    url: `/infocentre/attributions/mensuel?${periode(where)}`,
  }),
  'GET /infocentre/attributions/delais': (_f, where) => ({
    url: `/infocentre/attributions/delais?${periode(where)}`,
  }),
  'GET /infocentre/guichets/qualite': (_f, where) => ({
    url: `/infocentre/guichets/qualite?departement=${departement(where)}&du=2013-10-01&au=2014-09-30`,
  }),
  'GET /infocentre/rapports/flux': (_f, where) => ({ url: `/infocentre/rapports/flux?${periode(where)}` }),
  'GET /infocentre/rapports/attributions': (_f, where) => ({
    url: `/infocentre/rapports/attributions?${periode(where)}`,
  }),
  'GET /public/communes/:insee/chiffres-cles': (_f, where) => ({
    url: `/public/communes/${commune(where)}/chiffres-cles?annee=2014`,
  }),
  'GET /public/annuaire/guichets': (_f, where) => ({
    url: `/public/annuaire/guichets?departement=${departement(where)}`,
  }),
};

/** A territoire and the committee's period, as the infocentre's routes take them. */
function periode(where: Where): string {
  return `territoire=departement:${departement(where)}&du=2013-10-01&au=2014-09-30`;
}

function xml(body: string): RouteRequest {
  return { payload: body, headers: { 'content-type': 'application/xml' } };
}

/** The URL of a route key when the builder gives none (routes without parameters). */
export function defaultUrl(key: string): string {
  return key.slice(key.indexOf(' ') + 1);
}
