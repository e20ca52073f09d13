import type { ConnectorVersion } from '../../shared/connector.ts';
import { rplsV1Routes } from './routes.ts';

/** RPLS contract v1, served under `/connectors/rpls/v1/`: the current version. */
export const rplsV1: ConnectorVersion = {
  name: 'v1',
  routes: (app) => rplsV1Routes(app),
};
