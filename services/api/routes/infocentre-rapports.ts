import type { FastifyInstance } from 'fastify';
import { problemResponses } from '../../http/problem-schema.ts';
import { masquerAttributionsMensuel, RYTHME_ANNUEL_DEFAUT } from '../../infocentre/attributions.ts';
import { masquerFlux } from '../../infocentre/flux-reponse.ts';
import { rapportAttributions } from '../../infocentre/rapports/rapport-attributions.ts';
import { rapportFlux } from '../../infocentre/rapports/rapport-flux.ts';
import { asked, infocentreOf, periodeQuery, territoiresFor, underSecrecy } from '../infocentre-http.ts';

const HTML_REPLY = { type: 'string', description: 'A printable HTML page (text/html).' } as const;
const AUTH =
  "An operator may also be signed in by the cookie sne_session (the operators' console's session), since a browser following a link " +
  'sends no Authorization header. Statistical secrecy for the infocentre role ("-" for 1 to 10).';

/** Printable HTML reports of the infocentre: tables and inline SVG charts, rendered on the server. */
export default async function infocentreRapportRoutes(app: FastifyInstance) {
  const infocentre = infocentreOf(app);
  // Opened from links: the operators' console cookie (services/api/plugins/credentials.ts) serves GETs.
  const config = { roles: ['infocentre' as const, 'operator' as const] };

  app.get<{ Querystring: { territoire: string[]; du: string; au: string } }>(
    '/infocentre/rapports/flux',
    {
      config,
      schema: {
        summary: 'Printable report: the flux table and a chart of the flux by territoire',
        description: `The same figures as GET /infocentre/flux. ${AUTH}`,
        querystring: periodeQuery(),
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
        summary: 'Printable report: the attribution rhythm against the expected line',
        description: `The same figures as GET /infocentre/attributions/mensuel. ${AUTH}`,
        querystring: periodeQuery({
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
