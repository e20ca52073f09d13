import type { MessageError } from '../../../services/pipeline/inbound.ts';
import { contentToJson, type JsonObject, senderId, unknownMessageType } from '../contract-json.ts';
import type { XmlDialect, XmlMessageElement } from '../xml-document.ts';
import { V1_ELEMENTS, type V1Element, type V1MessageType } from './messages.ts';

/** `<LotDemandes version="1">` without namespace, whose children are the messages. */
export const V1_DIALECT: XmlDialect = {
  root: 'LotDemandes',
  namespace: null,
  rootAttributes: { version: '1' },
  // v1 messages are flat: an element given twice becomes a list, which the schema refuses.
  repeatedElements: [],
};

/** One message element in its contract JSON form (with the canonical type it carries), or why it has none. */
export type TransportResult =
  | { type: V1MessageType; id: string; json: JsonObject }
  | { type: string; id: string; errors: MessageError[] };

/**
 * XML message element → contract JSON form (see `../contract-json.ts`): v1 messages are flat, so
 * the form is the element's children by name (`{ idMessage, NumUnique, DateRenouvellement }`).
 */
export function toContractJson(element: XmlMessageElement): TransportResult {
  const json = contentToJson(element.content);
  const id = senderId(json, 'idMessage');
  if (element.namespace !== null || !isElement(element.name)) {
    return {
      type: element.name,
      id,
      errors: [
        unknownMessageType(
          element,
          `a v1 lot holds ${Object.keys(V1_ELEMENTS).join(', ')} without namespace.`,
        ),
      ],
    };
  }
  return { type: V1_ELEMENTS[element.name], id, json };
}

function isElement(name: string): name is V1Element {
  return Object.hasOwn(V1_ELEMENTS, name);
}
