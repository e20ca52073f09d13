import type { FastifyInstance } from 'fastify';
import { requireDepartement } from '../../services/http/guards.ts';
import { HttpProblem } from '../../services/http/problem.ts';
import { problemResponses } from '../../services/http/problem-schema.ts';
import type { RouteRole } from '../../services/http/route-types.ts';
import { isJsonBody } from './json-body.ts';
import type { JsonContractVersion } from './json-messages.ts';
import { departementsAtReception } from './reception-scope.ts';
import { SINGLE_MESSAGE_RECEIPT_SCHEMA, singleMessageOutcome } from './single-message.ts';

export interface MessageRouteOptions {
  url: string;
  roles: RouteRole[];
  contract: JsonContractVersion;
  /** The message type in the contract: its schema documents the route's body. */
  type: string;
  summary: string;
  description: string;
}

/**
 * `POST <url>`: one JSON message of a contract → `202 { messageId, status }` once stored. The body is
 * kept as sent (`raw`), validated against the contract (400 `CONTRACT_INVALID`, stored as
 * `rejected`), mapped to its canonical command and handed to the intake as a lot of one. A département
 * outside the client's scope that the message names (its numéro unique's, a commission's) is refused
 * with 403 and nothing is stored; what only the registry knows fails the message later
 * (`HORS_TERRITOIRE`). The connector must have called `useContractJsonBodies(app)` in its context.
 */
export function messageRoute(app: FastifyInstance, options: MessageRouteOptions): void {
  const { contract, type } = options;
  app.post(
    options.url,
    {
      config: { roles: options.roles },
      schema: {
        summary: options.summary,
        description: options.description,
        body: contract.documentation(type),
        response: {
          202: SINGLE_MESSAGE_RECEIPT_SCHEMA,
          ...problemResponses(400, 401, 403, 409, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (!isJsonBody(body)) {
        throw new HttpProblem('UNSUPPORTED_MEDIA_TYPE', 'Send the message as application/json.');
      }
      const message = contract.decode(type, body.text, body.value);
      if (message.command) {
        for (const departement of departementsAtReception(message.command)) {
          requireDepartement(request.actor, departement);
        }
      }
      const receipt = await app.intake.acceptLot({
        actor: request.actor,
        system: contract.system,
        version: contract.version,
        messages: [message],
      });
      return reply.code(202).send(singleMessageOutcome(receipt));
    },
  );
}
