import type { FastifyInstance } from 'fastify';
import type { Actor } from '../../../services/core/actor.ts';
import { todayInParis } from '../../../services/core/dates.ts';
import { allDepartements } from '../../../services/core/territoire.ts';
import { requireNumeroInScope } from '../../../services/http/guards.ts';
import { HttpProblem } from '../../../services/http/problem.ts';
import { problemResponses } from '../../../services/http/problem-schema.ts';
import { pageOf, rowsFor } from '../../../services/shared/pagination.ts';
import { messageRoute } from '../../shared/message-route.ts';
import { daloV1 } from './contract.ts';
import {
  DALO_DEMANDE_SCHEMA,
  DALO_DEMANDES_SCHEMA,
  IDENTITE_QUERY_SCHEMA,
  NUMERO_PARAMS_SCHEMA,
} from './schemas.ts';
import { toDaloDemande } from './view.ts';

const config = { roles: ['dalo' as const] };

/** DALO v1 (interfaces.md §6): read demandes, search a person's, send decisions. */
export async function daloV1Routes(app: FastifyInstance): Promise<void> {
  app.get<{ Params: { numeroUnique: string } }>(
    '/connectors/dalo/v1/demandes/:numeroUnique',
    {
      config,
      schema: {
        summary: 'Read a demande',
        description:
          'The demande with its statut, ancienneté, DALO decision, labellisation and radiation. A numéro ' +
          'of a département outside the client’s is 403 (read from the numéro, whether it exists or not).',
        params: NUMERO_PARAMS_SCHEMA,
        response: { 200: DALO_DEMANDE_SCHEMA, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { numeroUnique } = request.params;
      requireNumeroInScope(request.actor, numeroUnique);
      const demande = await app.priorityQueries.demande(numeroUnique);
      if (!demande) throw new HttpProblem('DEMANDE_INCONNUE', `No demande ${numeroUnique}.`);
      return toDaloDemande(demande, todayInParis());
    },
  );

  app.get<{
    Querystring: { nom: string; prenom: string; dateNaissance: string; limit: number; cursor?: string };
  }>(
    '/connectors/dalo/v1/demandes',
    {
      config,
      schema: {
        summary: 'Find the demandes of a person',
        description:
          'The demandes, active or radiée, of the person with this nom, prénom and date de naissance in ' +
          'the client’s départements (case, accents and extra spaces ignored), by numéro, cursor-paginated ' +
          'as every list (a person rarely has more than a page). Empty when none.',
        querystring: IDENTITE_QUERY_SCHEMA,
        response: { 200: DALO_DEMANDES_SCHEMA, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { nom, prenom, dateNaissance, limit, cursor } = request.query;
      const demandes = await app.priorityQueries.demandesOf(
        { nom, prenom, dateNaissance },
        scopeOf(request.actor),
        { after: cursor ?? '', limit: rowsFor(limit) },
      );
      const today = todayInParis();
      return pageOf(
        demandes.map((demande) => toDaloDemande(demande, today)),
        limit,
        (demande) => demande.numeroUnique,
      );
    },
  );

  messageRoute(app, {
    url: '/connectors/dalo/v1/decisions',
    roles: config.roles,
    contract: daloV1,
    type: 'decision',
    summary: 'Send a decision of the commission de médiation',
    description:
      'Stored, then applied in order with the other messages of the demande: see GET /messages/{messageId}. ' +
      'A numéro unique or a commission outside the client’s départements is refused at once (403); the ' +
      'registry then checks the demande (DEMANDE_INCONNUE) and the date (DATE_INVALIDE).',
  });
}

/** The départements a client reads: its own, or all of them for `*`. */
function scopeOf(actor: Actor): string[] {
  return actor.departements.includes('*') ? allDepartements() : actor.departements;
}
