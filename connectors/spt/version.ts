import type { InboundMessage, LotReceipt } from '../../services/pipeline/inbound.ts';
import type { ConnectorVersion } from '../shared/connector.ts';
import type { XmlLimits } from './xml-document.ts';

/** Reads one contract version's XML into the messages the hub's intake takes. */
export interface SptDecoder {
  /**
   * A whole lot: refused whole (HttpProblem) when the document is unusable, else one message per
   * element, each valid (with its `command`) or rejected (with its `errors`).
   */
  readLot(body: Uint8Array, contentType?: string): InboundMessage[];
  /**
   * The same, giving the event loop back every few milliseconds while it decodes the messages (the
   * route's way: a lot of 500 then does not hold a single filing's 202 for the whole of its decoding).
   */
  readLotInSlices(body: Uint8Array, contentType?: string): Promise<InboundMessage[]>;
  /** One message element alone, as an operator corrects it for a replay. */
  readMessage(raw: string): InboundMessage;
}

/** An SPT contract version: the routes every connector version has, and its XML decoder and receipt. */
export interface SptVersion extends ConnectorVersion {
  createDecoder(limits: XmlLimits): SptDecoder;
  /** The receipt as this version's XML `<accuse>`. */
  accuseXml(receipt: LotReceipt): string;
}
