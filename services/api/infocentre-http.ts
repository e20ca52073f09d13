import type { FastifyInstance, FastifyRequest } from 'fastify';
import { actsOn } from '../core/actor.ts';
import { HttpProblem } from '../http/problem.ts';
import { InfocentreError } from '../infocentre/errors.ts';
import { Infocentre } from '../infocentre/infocentre.ts';
import { PgInfocentreQueries } from '../infocentre/queries-pg.ts';
import type { Territoire } from '../infocentre/territoire.ts';

/**
 * What the infocentre's HTTP routes share: the query parameters, the translation of the
 * infocentre's errors into 400 problems, the client's scope, and who sees true numbers.
 */

/** The Infocentre over the app's pool, with the configured délais anormalement longs. */
export function infocentreOf(app: FastifyInstance): Infocentre {
  return new Infocentre(new PgInfocentreQueries(app.pg), { delaiAnormalMois: app.config.delaiAnormalMois });
}

export const DATE_PARAM = {
  type: 'string',
  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
  description: 'A calendar date, YYYY-MM-DD.',
} as const;

export const TERRITOIRE_PARAM = {
  type: 'array',
  minItems: 1,
  maxItems: 200,
  items: { type: 'string', maxLength: 40 },
  description:
    'Repeatable: commune:<insee>, epci:<siren>, departement:<code>, region:<code> (Code officiel géographique), ' +
    'or france. A demande counts in the commune and EPCI of its rank-1 commune souhaitée.',
} as const;

/** The query of a route over a period: territoires, `du`, `au`, and the route's own parameters. */
export function periodeQuery(extra: Record<string, unknown> = {}) {
  return {
    type: 'object',
    required: ['territoire', 'du', 'au'],
    additionalProperties: false,
    properties: { territoire: TERRITOIRE_PARAM, du: DATE_PARAM, au: DATE_PARAM, ...extra },
  };
}

/** Runs the infocentre; its errors (bad territoire, bad period) become 400 problems with the same code. */
export async function asked<T>(work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof InfocentreError) throw new HttpProblem(error.code, error.message);
    throw error;
  }
}

/** Resolves the territoires and checks that the client may read each of them (403 otherwise). */
export function territoiresFor(
  request: FastifyRequest,
  infocentre: Infocentre,
  codes: string[],
): Promise<Territoire[]> {
  return asked(() => {
    const territoires = infocentre.territoires(codes);
    for (const t of territoires) {
      const outside = t.departements.filter((d) => !actsOn(request.actor, d));
      if (outside.length > 0) {
        throw new HttpProblem(
          'FORBIDDEN',
          `This client may not read ${t.code} (départements ${outside.join(', ')}).`,
        );
      }
    }
    return territoires;
  });
}

/** Statistical secrecy applies to the `infocentre` role; operators see the true numbers. */
export function underSecrecy(request: FastifyRequest): boolean {
  return request.actor?.role !== 'operator';
}
