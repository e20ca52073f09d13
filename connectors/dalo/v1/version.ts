import type { ConnectorVersion } from '../../shared/connector.ts';
import { daloV1Routes } from './routes.ts';

/** DALO contract v1, served under `/connectors/dalo/v1/`: the current version. */
export const daloV1: ConnectorVersion = {
  name: 'v1',
  routes: (app) => daloV1Routes(app),
};
