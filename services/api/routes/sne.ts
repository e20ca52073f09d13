import type { FastifyInstance } from 'fastify';
import { TYPOLOGIES } from '../../core/commands.ts';
import { findDemande, listDemandes } from '../../core/store/queries-pg.ts';
import { departementOfCommune } from '../../core/territoire.ts';
import { requireDepartement, requireNumeroInScope } from '../../http/guards.ts';
import { LIMIT_QUERY_SCHEMA } from '../../http/pagination.ts';
import { HttpProblem } from '../../http/problem.ts';
import { pageOf, rowsFor } from '../../shared/pagination.ts';
import { SNE_DEMANDE_SCHEMA } from './sne-demande-schema.ts';

const NUMERO = '^[0-9]{2}[0-9AB][0-9]{4}[0-9]{6}[0-9A-Z]{5}$';

/** The SNE core read by guichets, bailleurs and operators (interfaces.md §10). */
export default async function sneRoutes(app: FastifyInstance) {
  const config = { roles: ['guichet' as const, 'bailleur' as const, 'operator' as const] };

  app.get<{ Params: { numeroUnique: string } }>(
    '/sne/demandes/:numeroUnique',
    {
      config,
      schema: {
        summary: 'Read a demande with its history',
        params: {
          type: 'object',
          required: ['numeroUnique'],
          properties: { numeroUnique: { type: 'string', pattern: NUMERO } },
        },
        response: { 200: SNE_DEMANDE_SCHEMA },
      },
    },
    async (request) => {
      requireNumeroInScope(request.actor, request.params.numeroUnique);
      const demande = await findDemande(app.pg, request.params.numeroUnique);
      if (!demande) throw new HttpProblem('DEMANDE_INCONNUE', `No demande ${request.params.numeroUnique}.`);
      return demande;
    },
  );

  app.get<{
    Querystring: {
      departement?: string;
      commune?: string;
      statut?: 'active' | 'radiee';
      typologie?: string;
      limit: number;
      cursor?: string;
    };
  }>(
    '/sne/demandes',
    {
      config,
      schema: {
        summary: 'List demandes by département, commune, statut, typologie',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            departement: { type: 'string', pattern: '^([0-9]{2,3}|2A|2B)$' },
            commune: { type: 'string', pattern: '^[0-9][0-9AB][0-9]{3}$' },
            statut: { enum: ['active', 'radiee'] },
            typologie: { enum: [...TYPOLOGIES] },
            limit: LIMIT_QUERY_SCHEMA,
            cursor: { type: 'string', pattern: NUMERO },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['items'],
            properties: {
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['numeroUnique', 'referenceGuichet', 'statut', 'dateDepot'],
                  properties: {
                    numeroUnique: { type: 'string' },
                    referenceGuichet: {
                      type: ['string', 'null'],
                      description: 'null for a demande registered without one (as on the portail).',
                    },
                    statut: { type: 'string' },
                    departement: { type: 'string' },
                    dateDepot: { type: 'string', format: 'date' },
                    dateEcheance: { type: 'string', format: 'date' },
                    typologie: { type: 'string' },
                    codeGuichet: { type: 'string' },
                  },
                },
              },
              next: { type: 'string' },
            },
          },
        },
      },
    },
    async (request) => {
      const { departement, commune, statut, typologie, limit, cursor } = request.query;
      if (departement) requireDepartement(request.actor, departement);
      // A commune of another département is that département asked for: 403, not an empty list.
      const ofCommune = commune ? departementOfCommune(commune) : undefined;
      if (ofCommune) requireDepartement(request.actor, ofCommune);
      // An actor of every département lists them all: no condition on the département at all.
      const departements = departement
        ? [departement]
        : request.actor.departements.includes('*')
          ? undefined
          : request.actor.departements;
      const rows = await listDemandes(app.pg, {
        ...(departements ? { departements } : {}),
        ...(commune ? { commune } : {}),
        ...(statut ? { statut } : {}),
        ...(typologie ? { typologie: typologie as (typeof TYPOLOGIES)[number] } : {}),
        after: cursor ?? '',
        limit: rowsFor(limit),
      });
      return pageOf(rows, limit, (demande) => demande.numeroUnique);
    },
  );
}
