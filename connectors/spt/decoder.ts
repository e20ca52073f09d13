import type { InboundMessage } from '../../services/pipeline/inbound.ts';
import { EventLoopSlices } from '../../services/shared/event-loop-slices.ts';
import type { SptDecoder } from './version.ts';
import type { XmlMessageElement, XmlReader } from './xml-document.ts';

/** A version's decoder: its XML reader, and how it turns one message element into a message. */
export function sptDecoder(
  reader: XmlReader,
  decodeMessage: (element: XmlMessageElement) => InboundMessage,
): SptDecoder {
  return {
    readLot: (body, contentType) => reader.readLot(body, contentType).messages.map(decodeMessage),
    async readLotInSlices(body, contentType) {
      const { messages: shells } = reader.scanLot(body, contentType);
      const slices = new EventLoopSlices();
      const messages: InboundMessage[] = [];
      for (const shell of shells) {
        messages.push(decodeMessage(reader.withContent(shell)));
        await slices.next();
      }
      return messages;
    },
    readMessage: (raw) => decodeMessage(reader.readElement(raw)),
  };
}
