import { accuseXml } from '../accuse.ts';
import { lotRoute } from '../lot-route.ts';
import type { SptVersion } from '../version.ts';
import { createV1Decoder } from './decode.ts';

/**
 * When v1 became deprecated: the day v2 became the current contract. Sent on every v1 reply as
 * `Deprecation: @1793491200` (RFC 9745). A policy decision: change it here, nowhere else.
 */
export const V1_DEPRECATED_AT = new Date('2026-11-01T00:00:00Z');

/**
 * After this date v1 may stop being served (its line removed from `VERSIONS`, the route then
 * answering 404 `CONTRACT_VERSION_UNKNOWN`): `Sunset: Fri, 31 Dec 2027 23:59:59 GMT` (RFC 8594).
 * Advisory: nothing retires v1 on its own at that date; an engineer does, after checking its traffic.
 */
export const V1_SUNSET_AT = new Date('2027-12-31T23:59:59Z');

/**
 * SPT contract v1, the legacy one (`<LotDemandes version="1">`, no namespace), served at
 * `/connectors/spt/v1/lots` and upcast to the same canonical commands as v2. Its `<accuse>` is v2's
 * without namespace: v1 documents have none.
 */
export const sptV1: SptVersion = {
  name: 'v1',
  createDecoder: createV1Decoder,
  accuseXml: (receipt) => accuseXml(receipt, null),
  deprecation: {
    deprecatedAt: V1_DEPRECATED_AT,
    sunsetAt: V1_SUNSET_AT,
    successor: 'v2',
    successorPath: '/connectors/spt/v2/lots',
  },
  routes: (app, options) => lotRoute(app, sptV1, options),
};
