import type { FastifyInstance } from 'fastify';
import { requireDepartement } from '../../http/guards.ts';
import { problemResponses } from '../../http/problem-schema.ts';
import { masquerAnciennete } from '../../infocentre/anciennete.ts';
import {
  masquerAttributionsDelais,
  masquerAttributionsMensuel,
  RYTHME_ANNUEL_DEFAUT,
} from '../../infocentre/attributions.ts';
import { toCsv } from '../../infocentre/csv.ts';
import { fluxCsv, masquerFlux } from '../../infocentre/flux-reponse.ts';
import { masquerQualite } from '../../infocentre/qualite.ts';
import { masquerTypologie } from '../../infocentre/typologie.ts';
import {
  asked,
  DATE_PARAM,
  infocentreOf,
  periodeQuery,
  TERRITOIRE_PARAM,
  territoiresFor,
  underSecrecy,
} from '../infocentre-http.ts';
import {
  ANCIENNETE_SCHEMA,
  ATTRIBUTIONS_DELAIS_SCHEMA,
  ATTRIBUTIONS_MENSUEL_SCHEMA,
  FLUX_SCHEMA,
  QUALITE_SCHEMA,
  TYPOLOGIE_SCHEMA,
} from '../infocentre-schemas.ts';

const PROBLEMS = problemResponses(400, 401, 403);
const SECRECY =
  'Statistical secrecy for the infocentre role: a count from 1 to 10 is null and its object carries secret: true; ' +
  'operators see the true numbers.';

/** The infocentre's statistics (interfaces.md §12), for the `infocentre` and `operator` roles. */
export default async function infocentreRoutes(app: FastifyInstance) {
  const infocentre = infocentreOf(app);
  const config = { roles: ['infocentre' as const, 'operator' as const] };
  const aDate = {
    type: 'object',
    required: ['territoire', 'date'],
    additionalProperties: false,
    properties: { territoire: TERRITOIRE_PARAM, date: DATE_PARAM },
  };

  app.get<{ Querystring: { territoire: string[]; du: string; au: string } }>(
    '/infocentre/flux',
    {
      config,
      schema: {
        summary: 'Flux of demandes over a period, by territoire',
        description:
          'Per territoire: demandes en cours at the start, nouvelles, radiées (total and by motif), en cours at the ' +
          'end — business dates only (domain.md), so fin = début + nouvelles − radiées. `part` (percent of the total) ' +
          'when several territoires are asked. With `Accept: text/csv`: the same table as CSV (`;`, French headers, ' +
          `UTF-8 with BOM, "-" for a secret cell). ${SECRECY}`,
        querystring: periodeQuery(),
        response: {
          200: {
            description: 'The flux table, as JSON or, with `Accept: text/csv`, as CSV.',
            content: {
              'application/json': { schema: FLUX_SCHEMA },
              'text/csv': { schema: { type: 'string', description: 'UTF-8 with BOM, `;` separated.' } },
            },
          },
          ...PROBLEMS,
        },
      },
    },
    async (request, reply) => {
      const { du, au } = request.query;
      const territoires = await territoiresFor(request, infocentre, request.query.territoire);
      const brut = await asked(() => infocentre.flux(territoires, du, au));
      const reponse = underSecrecy(request) ? masquerFlux(brut) : brut;
      if (wantsCsv(request.headers.accept)) {
        const { entetes, lignes } = fluxCsv(reponse, new Map(territoires.map((t) => [t.code, t.nom])));
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="flux-${du}-${au}.csv"`)
          .send(toCsv(entetes, lignes));
      }
      return reponse;
    },
  );

  app.get<{ Querystring: { territoire: string[]; date: string } }>(
    '/infocentre/typologie',
    {
      config,
      schema: {
        summary: 'Demandes en cours at the end of a date, by typologie',
        description: `Over all the territoires given together; current typologie of each demande. ${SECRECY}`,
        querystring: aDate,
        response: { 200: TYPOLOGIE_SCHEMA, ...PROBLEMS },
      },
    },
    async (request) => {
      const territoires = await territoiresFor(request, infocentre, request.query.territoire);
      const brut = await asked(() => infocentre.typologie(territoires, request.query.date));
      return underSecrecy(request) ? masquerTypologie(brut) : brut;
    },
  );

  app.get<{ Querystring: { territoire: string[]; date: string } }>(
    '/infocentre/anciennete',
    {
      config,
      schema: {
        summary: 'Demandes en cours at a date, by ancienneté since dépôt',
        description: `Classes moins-1-an, 1-2-ans, 2-3-ans, 3-5-ans, 5-ans-et-plus (anniversaries of the dépôt), and the median in whole months. ${SECRECY}`,
        querystring: aDate,
        response: { 200: ANCIENNETE_SCHEMA, ...PROBLEMS },
      },
    },
    async (request) => {
      const territoires = await territoiresFor(request, infocentre, request.query.territoire);
      const brut = await asked(() => infocentre.anciennete(territoires, request.query.date));
      return underSecrecy(request) ? masquerAnciennete(brut) : brut;
    },
  );

  app.get<{ Querystring: { territoire: string[]; du: string; au: string; rythmeAnnuel: number } }>(
    '/infocentre/attributions/mensuel',
    {
      config,
      schema: {
        summary: 'Attributions per month against the expected yearly rhythm',
        description:
          'Per month of the period: radiations for attribution (by bail date), cumulative, the cumulative expected at ' +
          '`rythmeAnnuel` a year, and among them DALO and prioritaire households (their status on the bail date) by ' +
          `contingent. ${SECRECY}`,
        querystring: periodeQuery({
          rythmeAnnuel: { type: 'integer', minimum: 0, maximum: 10_000_000, default: RYTHME_ANNUEL_DEFAUT },
        }),
        response: { 200: ATTRIBUTIONS_MENSUEL_SCHEMA, ...PROBLEMS },
      },
    },
    async (request) => {
      const { du, au, rythmeAnnuel } = request.query;
      const territoires = await territoiresFor(request, infocentre, request.query.territoire);
      const brut = await asked(() => infocentre.attributionsMensuel(territoires, du, au, rythmeAnnuel));
      return underSecrecy(request) ? masquerAttributionsMensuel(brut) : brut;
    },
  );

  app.get<{ Querystring: { territoire: string[]; du: string; au: string } }>(
    '/infocentre/attributions/delais',
    {
      config,
      schema: {
        summary: 'Délais from dépôt to bail of the attributions of a period',
        description:
          'Median and mean in months (of 365.25/12 days), by typologie and in total, and the share of attributions to ' +
          "demandes older than their département's délai anormalement long (SNE_DELAI_ANORMAL_MOIS, default 24). " +
          SECRECY,
        querystring: periodeQuery(),
        response: { 200: ATTRIBUTIONS_DELAIS_SCHEMA, ...PROBLEMS },
      },
    },
    async (request) => {
      const { du, au } = request.query;
      const territoires = await territoiresFor(request, infocentre, request.query.territoire);
      const brut = await asked(() => infocentre.attributionsDelais(territoires, du, au));
      return underSecrecy(request) ? masquerAttributionsDelais(brut) : brut;
    },
  );

  app.get<{ Querystring: { departement: string; du: string; au: string } }>(
    '/infocentre/guichets/qualite',
    {
      config,
      schema: {
        summary: 'Quality indicators of each guichet of a département over a period',
        description:
          'Per guichet or bailleur acting on the département: demandes registered (by dépôt date) and how late they ' +
          'arrived, messages received (by arrival) with the shares rejected and failed, doublons refused, ' +
          'modifications, renouvellements, radiations by motif, attributions and how late they arrived, the catch-up ' +
          'indicator (radiations and attributions received more than one month after their business date), and the ' +
          `shares of demandes with a contact and with ressources. ${SECRECY}`,
        querystring: {
          type: 'object',
          required: ['departement', 'du', 'au'],
          additionalProperties: false,
          properties: {
            departement: { type: 'string', pattern: '^([0-9]{2,3}|2A|2B)$' },
            du: DATE_PARAM,
            au: DATE_PARAM,
          },
        },
        response: { 200: QUALITE_SCHEMA, ...PROBLEMS },
      },
    },
    async (request) => {
      const { departement, du, au } = request.query;
      await territoiresFor(request, infocentre, [`departement:${departement}`]);
      requireDepartement(request.actor, departement);
      const brut = await asked(() => infocentre.qualite(departement, du, au));
      return underSecrecy(request) ? masquerQualite(brut) : brut;
    },
  );
}

/** CSV when the client prefers it to JSON (a plain `Accept: text/csv`). */
function wantsCsv(accept: string | undefined): boolean {
  return accept !== undefined && /\btext\/csv\b/.test(accept) && !/\bapplication\/json\b/.test(accept);
}
