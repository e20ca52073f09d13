import type { FastifyInstance } from 'fastify';
import { todayInParis } from '../../core/dates.ts';
import { LIMIT_QUERY_SCHEMA } from '../../http/pagination.ts';
import { HttpProblem } from '../../http/problem.ts';
import { problemResponses } from '../../http/problem-schema.ts';
import { masquer } from '../../infocentre/secret.ts';
import { pageOf, rowsFor } from '../../shared/pagination.ts';
import { sendCached } from '../http-cache.ts';
import { asked, infocentreOf } from '../infocentre-http.ts';
import { ANNUAIRE_SCHEMA, CHIFFRES_CLES_SCHEMA } from '../infocentre-schemas.ts';

/** Public figures move as messages are applied; five minutes of caching spares the database. */
const MAX_AGE_SECONDS = 300;

const CACHE_HEADERS = {
  description:
    'Cache-Control: public, max-age=300 and an ETag; If-None-Match with the current ETag answers 304.',
};

/**
 * What anyone may read without a token (interfaces.md §10 and §12): a commune's chiffres-clés,
 * under statistical secrecy, and the directory of guichets enregistreurs. Cached (ETag, 304).
 */
export default async function publicRoutes(app: FastifyInstance) {
  const infocentre = infocentreOf(app);

  app.get<{ Params: { insee: string }; Querystring: { annee?: number } }>(
    '/public/communes/:insee/chiffres-cles',
    {
      schema: {
        summary: "A commune's key figures for a year",
        description:
          'Logements sociaux of the parc in the commune (the parc as last imported from RPLS), demandes en cours at ' +
          '31 December whose rank-1 commune souhaitée is this one, attributions of logements of the commune with a bail ' +
          'signed that year. Statistical secrecy: a count from 1 to 10 is null and the reply carries secret: true. ' +
          `${CACHE_HEADERS.description} Without annee: the last full year. A year to come is 400 PERIODE_INVALIDE ` +
          '(the current year gives the figures so far).',
        params: {
          type: 'object',
          required: ['insee'],
          properties: { insee: { type: 'string', pattern: '^[0-9][0-9AB][0-9]{3}$' } },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { annee: { type: 'integer', minimum: 2000, maximum: 2100 } },
        },
        response: {
          200: CHIFFRES_CLES_SCHEMA,
          304: { type: 'null', description: 'Not Modified.' },
          ...problemResponses(400, 404),
        },
      },
    },
    async (request, reply) => {
      // The last full year in France: on 1 January at 00:30 in Paris, the UTC year is still the old one.
      const thisYear = Number(todayInParis().slice(0, 4));
      const annee = request.query.annee ?? thisYear - 1;
      if (annee > thisYear) {
        // Its 31 December is still to come: the demandes "en attente" then are not known yet.
        throw new HttpProblem(
          'PERIODE_INVALIDE',
          `${annee} is a year to come; the figures go up to ${thisYear}.`,
        );
      }
      const { insee } = request.params;
      const [territoire] = await asked(() => infocentre.territoires([`commune:${insee}`])).catch(() => []);
      if (!territoire) {
        throw new HttpProblem(
          'COMMUNE_INCONNUE',
          `${insee} is not a current commune (Code officiel géographique).`,
        );
      }
      const chiffres = await infocentre.chiffresCles(territoire, annee);
      masquer(chiffres, ['logementsSociaux', 'demandesEnAttente', 'attributions']);
      return sendCached(request, reply, chiffres, { maxAgeSeconds: MAX_AGE_SECONDS });
    },
  );

  app.get<{ Querystring: { departement?: string; commune?: string; limit: number; cursor?: string } }>(
    '/public/annuaire/guichets',
    {
      schema: {
        summary: 'The guichets enregistreurs',
        description:
          'Guichets, bailleurs and the portail where a demande can be registered, with their adresse and the communes ' +
          'they serve (as provisioned: POST /admin/clients). `commune` keeps those that list it, and those that list ' +
          `no commune but act on its département. ${CACHE_HEADERS.description}`,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            departement: { type: 'string', pattern: '^([0-9]{2,3}|2A|2B)$' },
            commune: { type: 'string', pattern: '^[0-9][0-9AB][0-9]{3}$' },
            limit: LIMIT_QUERY_SCHEMA,
            cursor: {
              type: 'string',
              pattern: '^[A-Z0-9]{5}$',
              description: 'The `next` of the previous page.',
            },
          },
        },
        response: {
          200: ANNUAIRE_SCHEMA,
          304: { type: 'null', description: 'Not Modified.' },
          ...problemResponses(400),
        },
      },
    },
    async (request, reply) => {
      const { departement, commune, limit, cursor } = request.query;
      const guichets = await infocentre.annuaire(
        { ...(departement ? { departement } : {}), ...(commune ? { commune } : {}) },
        rowsFor(limit),
        cursor,
      );
      const page = pageOf(guichets, limit, (g) => g.codeGuichet);
      const items = page.items.map((g) => ({
        nom: g.nom,
        codeGuichet: g.codeGuichet,
        type: g.role,
        ...(g.adresse ? { adresse: g.adresse } : {}),
        departements: g.departements,
        communes: g.communes,
      }));
      return sendCached(
        request,
        reply,
        { items, ...(page.next ? { next: page.next } : {}) },
        { maxAgeSeconds: MAX_AGE_SECONDS },
      );
    },
  );
}
