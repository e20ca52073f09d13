import type { FastifyInstance } from 'fastify';
import { useContractJsonBodies } from '../shared/json-body.ts';
import { jsonReviser, registerReviser } from '../shared/revisers.ts';
import { daloV1 } from './v1/contract.ts';
import { daloV1Routes } from './v1/routes.ts';

/**
 * The DALO connector: the commission de médiation's application reads demandes and sends its
 * decisions, JSON v1 under `/connectors/dalo/v1/`. Register it encapsulated: its JSON body parser
 * (which keeps the text of each message) then applies to its routes only.
 */
export async function daloConnector(app: FastifyInstance, _options: object = {}): Promise<void> {
  useContractJsonBodies(app);
  registerReviser(app, 'dalo', jsonReviser([daloV1]));
  await daloV1Routes(app);
}
