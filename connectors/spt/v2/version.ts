import { accuseXml } from '../accuse.ts';
import { lotRoute } from '../lot-route.ts';
import type { SptVersion } from '../version.ts';
import { createV2Decoder } from './decode.ts';
import { V2_NAMESPACE } from './transport.ts';

/** SPT contract v2 (`urn:sne:spt:2`), served at `/connectors/spt/v2/lots`: the current version. */
export const sptV2: SptVersion = {
  name: 'v2',
  createDecoder: createV2Decoder,
  accuseXml: (receipt) => accuseXml(receipt, V2_NAMESPACE),
  routes: (app, options) => lotRoute(app, sptV2, options),
};
