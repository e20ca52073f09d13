import type { FastifyInstance } from 'fastify';
import { useContractJsonBodies } from '../shared/json-body.ts';
import { jsonReviser, registerReviser } from '../shared/revisers.ts';
import { contingentV1 } from './v1/contract.ts';
import { contingentV1Routes } from './v1/routes.ts';

/**
 * The contingent connector: the préfet's contingent management reads the priority demandes and
 * sends labellisations and désignations, JSON v1 under `/connectors/contingent/v1/`. Register it
 * encapsulated: its JSON body handling then applies to its routes only.
 */
export async function contingentConnector(app: FastifyInstance, _options: object = {}): Promise<void> {
  useContractJsonBodies(app);
  registerReviser(app, 'contingent', jsonReviser([contingentV1]));
  await contingentV1Routes(app);
}
