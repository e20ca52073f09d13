import type { Connector } from '../shared/connector.ts';
import { useContractJsonBodies } from '../shared/json-body.ts';
import { jsonReviser } from '../shared/revisers.ts';
import { contingentV1 as contingentV1Contract } from './v1/contract.ts';
import { contingentV1 } from './v1/version.ts';

/**
 * The contingent connector (interfaces.md §7): the préfet's contingent management reads the priority
 * demandes and sends labellisations and désignations, JSON under `/connectors/contingent/`.
 */
export const contingent: Connector = {
  system: 'contingent',
  versions: [contingentV1],
  // JSON bodies keep the text of each message, as received, for operators.
  setup: useContractJsonBodies,
  reviser: jsonReviser([contingentV1Contract]),
};
