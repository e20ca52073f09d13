import type { ConnectorVersion } from '../../shared/connector.ts';
import { contingentV1Routes } from './routes.ts';

/** Contingent contract v1, served under `/connectors/contingent/v1/`: the current version. */
export const contingentV1: ConnectorVersion = {
  name: 'v1',
  routes: (app) => contingentV1Routes(app),
};
