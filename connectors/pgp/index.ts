import { type Connector, connectorPlugin } from '../shared/connector.ts';
import { useContractJsonBodies } from '../shared/json-body.ts';
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
};

export const pgpConnector = connectorPlugin(pgp);
