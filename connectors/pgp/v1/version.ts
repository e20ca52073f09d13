import type { ConnectorVersion } from '../../shared/connector.ts';
import { pgpV1Routes } from './routes.ts';

/** PGP contract v1, served under `/connectors/pgp/v1/`: the current version. */
export const pgpV1: ConnectorVersion = {
  name: 'v1',
  routes: (app) => pgpV1Routes(app),
};
