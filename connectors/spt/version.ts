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

/** What the connector's entry needs from each contract version it serves. */
export interface SptVersion {
  /** The version as it appears in the path and in stored messages (`v2`). */
  name: string;
  createDecoder(limits: XmlLimits): SptDecoder;
  /** The receipt as this version's XML `<accuse>`. */
  accuseXml(receipt: LotReceipt): string;
}
