import { messageJson, type TransportResult } from '../contract-json.ts';
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

/**
 * XML message element → contract JSON form (see `../contract-json.ts`): v1 messages are flat, so
 * the form is the element's children by name (`{ idMessage, NumUnique, DateRenouvellement }`).
 */
export function toContractJson(element: XmlMessageElement): TransportResult<V1MessageType> {
  return messageJson(element, {
    namespace: null,
    idField: 'idMessage',
    typeOf: (name) => (Object.hasOwn(V1_ELEMENTS, name) ? V1_ELEMENTS[name as V1Element] : undefined),
    expected: `a v1 lot holds ${Object.keys(V1_ELEMENTS).join(', ')} without namespace.`,
  });
}
