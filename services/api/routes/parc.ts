import type { FastifyInstance } from 'fastify';
import { FINANCEMENTS, STATUTS_LOGEMENT, TYPES_CONSTRUCTION } from '../../core/parc.ts';
import { requireDepartement } from '../../http/guards.ts';
import { HttpProblem } from '../../http/problem.ts';
import { problemResponses } from '../../http/problem-schema.ts';

const LOGEMENT_SCHEMA = {
  type: 'object',
  required: ['identifiantRpls', 'sirenBailleur', 'codeCommune', 'departement', 'statut', 'updatedAt'],
  properties: {
    identifiantRpls: { type: 'string' },
    sirenBailleur: { type: 'string' },
    codeCommune: { type: 'string', description: 'INSEE code of the commune.' },
    departement: { type: 'string' },
    nbPieces: { type: 'integer', description: '0 (a chambre) to 20.' },
    surfaceHabitable: { type: 'number', description: 'm².' },
    typeConstruction: { enum: [...TYPES_CONSTRUCTION] },
    anneeAchevement: { type: 'integer' },
    financement: { enum: [...FINANCEMENTS] },
    conventionne: { type: 'boolean' },
    qpv: { type: 'boolean' },
    statut: {
      enum: [...STATUTS_LOGEMENT],
      description: 'sorti: a snapshot import of its bailleur no longer listed it; no new attribution.',
    },
    sortiLe: { type: 'string', format: 'date-time' },
    importId: { type: 'string', description: 'The RPLS import that last changed it.' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

/** The parc of logements (RPLS) read by operators and by the bailleur owning each logement. */
export default async function parcRoutes(app: FastifyInstance) {
  app.get<{ Params: { identifiant: string } }>(
    '/parc/logements/:identifiant',
    {
      config: { roles: ['operator', 'bailleur'] },
      schema: {
        summary: 'Read a logement of the parc',
        description:
          'Every field RPLS imported, and its statut. A bailleur reads its own logements (same SIREN), an ' +
          'operator those of its départements; another logement is 403, an unknown one 404.',
        params: {
          type: 'object',
          required: ['identifiant'],
          properties: { identifiant: { type: 'string', pattern: '^[0-9A-Z]{10}$' } },
        },
        response: { 200: LOGEMENT_SCHEMA, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const { actor } = request;
      const logement = await app.parc.find(request.params.identifiant);
      if (!logement) {
        throw new HttpProblem('LOGEMENT_INCONNU', `No logement ${request.params.identifiant} in the parc.`);
      }
      // RPLS identifiers are public (the parc is open data): refusing tells nothing worth hiding.
      if (actor.role !== 'bailleur') requireDepartement(actor, logement.departement);
      else if (logement.sirenBailleur !== actor.organisme) {
        throw new HttpProblem('FORBIDDEN', 'This logement belongs to another bailleur.');
      }
      return logement;
    },
  );
}
