import type { Connector } from '../shared/connector.ts';
import { rplsV1 } from './v1/version.ts';

/**
 * The RPLS connector (interfaces.md §8): the registry of social logements imports the parc as a
 * streamed CSV file under `/connectors/rpls/`.
 */
export const rpls: Connector = {
  system: 'rpls',
  versions: [rplsV1],
};
