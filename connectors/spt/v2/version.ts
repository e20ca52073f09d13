import type { SptVersion } from '../version.ts';
import { accuseXml } from './accuse.ts';
import { createV2Decoder } from './decode.ts';

/** SPT contract v2 (`urn:sne:spt:2`), served at `/connectors/spt/v2/lots`. */
export const sptV2: SptVersion = {
  name: 'v2',
  createDecoder: createV2Decoder,
  accuseXml,
};
