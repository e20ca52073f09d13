import type { FastifyInstance } from 'fastify';
import { masquerAttributionsMensuel, RYTHME_ANNUEL_DEFAUT } from '../../infocentre/attributions.ts';
import { masquerFlux } from '../../infocentre/flux-reponse.ts';
import { rapportAttributions } from '../../infocentre/rapports/rapport-attributions.ts';
import { rapportFlux } from '../../infocentre/rapports/rapport-flux.ts';
import {
  asked,
  DATE_PARAM,
  infocentreOf,
  TERRITOIRE_PARAM,
  territoiresFor,
  underSecrecy,
} from '../infocentre-http.ts';
import { problemResponses } from '../problem-schema.ts';

const HTML_REPLY = { type: 'string', description: 'A printable HTML page (text/html).' } as const;
const AUTH =
  "The token may also come as the cookie sne_token (set by the operators' console), since a browser following a link " +
  'sends no Authorization header. Statistical secrecy for the infocentre role ("-" for 1 to 10).';

/** Printable HTML reports of the infocentre: tables and inline SVG charts, rendered on the server. */
export default async function infocentreRapportRoutes(app: FastifyInstance) {
  const infocentre = infocentreOf(app);
  const config = { roles: ['infocentre' as const, 'operator' as const], tokenCookie: true };
  const querystring = (extra: Record<string, unknown> = {}) => ({
    type: 'object',
    required: ['territoire', 'du', 'au'],
    additionalProperties: false,
    properties: { territoire: TERRITOIRE_PARAM, du: DATE_PARAM, au: DATE_PARAM, ...extra },
  });

  app.get<{ Querystring: { territoire: string[]; du: string; au: string } }>(
    '/infocentre/rapports/flux',
    {
      config,
      schema: {
        tags: ['infocentre'],
        summary: 'Printable report: the flux table and a chart of the flux by territoire',
        description: `The same figures as GET /infocentre/flux. ${AUTH}`,
        querystring: querystring(),
        produces: ['text/html'],
        response: { 200: HTML_REPLY, ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { du, au } = request.query;
      const territoires = await territoiresFor(request, infocentre, request.query.territoire);
      const brut = await asked(() => infocentre.flux(territoires, du, au));
      const secret = underSecrecy(request);
      const html = rapportFlux(
        secret ? masquerFlux(brut) : brut,
        new Map(territoires.map((t) => [t.code, t.nom])),
        secret,
      );
      return reply.type('text/html; charset=utf-8').header('cache-control', 'private, no-store').send(html);
    },
  );

  app.get<{ Querystring: { territoire: string[]; du: string; au: string; rythmeAnnuel: number } }>(
    '/infocentre/rapports/attributions',
    {
      config,
      schema: {
        tags: ['infocentre'],
        summary: 'Printable report: the attribution rhythm against the expected line',
        description: `The same figures as GET /infocentre/attributions/mensuel. ${AUTH}`,
        querystring: querystring({
          rythmeAnnuel: { type: 'integer', minimum: 0, maximum: 10_000_000, default: RYTHME_ANNUEL_DEFAUT },
        }),
        produces: ['text/html'],
        response: { 200: HTML_REPLY, ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { du, au, rythmeAnnuel } = request.query;
      const territoires = await territoiresFor(request, infocentre, request.query.territoire);
      const brut = await asked(() => infocentre.attributionsMensuel(territoires, du, au, rythmeAnnuel));
      const secret = underSecrecy(request);
      const html = rapportAttributions(
        secret ? masquerAttributionsMensuel(brut) : brut,
        territoires.map((t) => t.nom),
        secret,
      );
      return reply.type('text/html; charset=utf-8').header('cache-control', 'private, no-store').send(html);
    },
  );
}
