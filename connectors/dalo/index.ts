import type { Connector } from '../shared/connector.ts';
import { useContractJsonBodies } from '../shared/json-body.ts';
import { jsonReviser } from '../shared/revisers.ts';
import { daloV1 as daloV1Contract } from './v1/contract.ts';
import { daloV1 } from './v1/version.ts';

/**
 * The DALO connector (interfaces.md §6): the commission de médiation's application reads demandes
 * and sends its decisions, JSON under `/connectors/dalo/`.
 */
export const dalo: Connector = {
  system: 'dalo',
  versions: [daloV1],
  // JSON bodies keep the text of each message, as received, for operators.
  setup: useContractJsonBodies,
  reviser: jsonReviser([daloV1Contract]),
};
