import type { Connector } from '../shared/connector.ts';
import { useContractJsonBodies } from '../shared/json-body.ts';
import { jsonReviser } from '../shared/revisers.ts';
import { pgpV1 as pgpV1Contract } from './v1/contract.ts';
import { pgpV1 } from './v1/version.ts';

/**
 * The PGP connector (interfaces.md §5): the portail grand public, where demandeurs file, follow and
 * renew their demandes and deposit the pièces of their dossier unique, JSON under `/connectors/pgp/`.
 */
export const pgp: Connector = {
  system: 'pgp',
  versions: [pgpV1],
  // JSON bodies keep the text of each message, as received, for operators.
  setup: useContractJsonBodies,
  reviser: jsonReviser([pgpV1Contract]),
};
