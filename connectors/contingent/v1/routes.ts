import type { FastifyInstance } from 'fastify';
import type { PrioriteFiltre } from '../../../services/core/priority-queries.ts';
import { allDepartements } from '../../../services/core/territoire.ts';
import { requireDepartement } from '../../../services/http/guards.ts';
import { problemResponses } from '../../../services/http/problem-schema.ts';
import { pageOf, rowsFor } from '../../../services/shared/pagination.ts';
import { messageRoute } from '../../shared/message-route.ts';
import { contingentV1 } from './contract.ts';
import { PRIORITAIRES_PAGE_SCHEMA, PRIORITAIRES_QUERY_SCHEMA } from './schemas.ts';
import { toContingentDemande } from './view.ts';

const roles = ['contingent' as const];

interface PrioritairesQuery {
  departement?: string;
  filtre?: 'prioritaire' | 'dalo';
  limit: number;
  cursor?: string;
}

/** Contingent v1 (interfaces.md §7): the priority list, labellisations and désignations. */
export async function contingentV1Routes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: PrioritairesQuery }>(
    '/connectors/contingent/v1/demandes',
    {
      config: { roles },
      schema: {
        summary: 'List the priority demandes',
        description:
          'Active demandes labellisées (public prioritaire) or DALO prioritaire-urgent, by numéro, ' +
          'cursor-paginated. Each carries the demandeur’s name and contact details, to propose a logement.',
        querystring: PRIORITAIRES_QUERY_SCHEMA,
        response: { 200: PRIORITAIRES_PAGE_SCHEMA, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { departement, filtre, limit, cursor } = request.query;
      const { actor } = request;
      if (departement) requireDepartement(actor, departement);
      const departements = departement
        ? [departement]
        : actor.departements.includes('*')
          ? allDepartements()
          : actor.departements;
      const found = await app.priorityQueries.prioritaires({
        departements,
        filtre: filtre ?? ('tous' satisfies PrioriteFiltre),
        after: cursor ?? '',
        limit: rowsFor(limit),
      });
      return pageOf(found.map(toContingentDemande), limit, (demande) => demande.numeroUnique);
    },
  );

  messageRoute(app, {
    url: '/connectors/contingent/v1/labellisations',
    roles,
    contract: contingentV1,
    type: 'labellisation',
    summary: 'Label a demande prioritaire',
    description:
      'Stored, then applied in order with the other messages of the demande: see GET /messages/{messageId}. ' +
      'A numéro unique outside the client’s départements is refused at once (403); the registry then ' +
      'checks the demande (DEMANDE_INCONNUE, DEMANDE_RADIEE) and the date (DATE_INVALIDE).',
  });

  messageRoute(app, {
    url: '/connectors/contingent/v1/designations',
    roles,
    contract: contingentV1,
    type: 'designation',
    summary: 'Designate a demande for a logement',
    description:
      'Stored, then applied in order with the other messages of the demande: see GET /messages/{messageId}. ' +
      'Once applied, the event fr.sne.designation.creee.v1 goes to the bailleur owning the logement. A ' +
      'numéro unique outside the client’s départements is refused at once (403); the registry then checks ' +
      'the demande (DEMANDE_INCONNUE, DEMANDE_RADIEE), the logement (LOGEMENT_INCONNU; HORS_TERRITOIRE when ' +
      'it lies in another département) and the date (DATE_INVALIDE).',
  });
}
