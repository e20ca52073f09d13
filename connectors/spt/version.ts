import type { InboundMessage, LotReceipt } from '../../services/pipeline/inbound.ts';
import type { XmlLimits } from './xml-document.ts';

/** Reads one contract version's XML into the messages the hub's intake takes. */
export interface SptDecoder {
  /**
   * A whole lot: refused whole (HttpProblem) when the document is unusable, else one message per
   * element, each valid (with its `command`) or rejected (with its `errors`).
   */
  readLot(body: Uint8Array, contentType?: string): InboundMessage[];
  /** One message element alone, as an operator corrects it for a replay. */
  readMessage(raw: string): InboundMessage;
}

/**
 * A version that has a successor: still served, but every reply of its route says so
 * (`./deprecation.ts`), so that integrators see it in their logs long before it is retired.
 */
export interface SptDeprecation {
  /** Since when (or from when) the version is deprecated: `Deprecation: @<unix seconds>` (RFC 9745). */
  deprecatedAt: Date;
  /** After this the version may stop being served: `Sunset: <HTTP-date>` (RFC 8594). */
  sunsetAt: Date;
  /** The version to move to (`v2`): `Link: </connectors/spt/v2/lots>; rel="successor-version"`. */
  successor: string;
}

/** What the connector's entry needs from each contract version it serves. */
export interface SptVersion {
  /** The version as it appears in the path and in stored messages (`v2`). */
  name: string;
  createDecoder(limits: XmlLimits): SptDecoder;
  /** The receipt as this version's XML `<accuse>`. */
  accuseXml(receipt: LotReceipt): string;
  /** Present once a successor exists. */
  deprecation?: SptDeprecation;
}
