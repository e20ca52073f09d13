import type { MessageError } from '../../../services/pipeline/inbound.ts';
import {
  contentToJson,
  isJsonObject,
  type JsonObject,
  type JsonValue,
  senderId,
  unknownMessageType,
} from '../contract-json.ts';
import { TEXT_KEY, type XmlDialect, type XmlMessageElement } from '../xml-document.ts';
import { V2_MESSAGE_TYPES, type V2MessageType } from './messages.ts';

/** The XML namespace of SPT v2 documents. */
export const V2_NAMESPACE = 'urn:sne:spt:2';

/** `<lot xmlns="urn:sne:spt:2">`, whose children are the messages. */
export const V2_DIALECT: XmlDialect = {
  root: 'lot',
  namespace: V2_NAMESPACE,
  repeatedElements: ['personne', 'commune'],
};

/** One message element in its contract JSON form, or why it has none. */
export type TransportResult =
  | { type: V2MessageType; id: string; json: JsonObject }
  | { type: string; id: string; errors: MessageError[] };

/**
 * XML message element → contract JSON form (see `../contract-json.ts`), where `<menage>`'s
 * `<personne>`s become `personnes` and `<communesSouhaitees>` a list of `{ rang, code }`. Nothing is checked here beyond what makes a message: the
 * contract schema judges the rest.
 */
export function toContractJson(element: XmlMessageElement): TransportResult {
  const json = contentToJson(element.content);
  const id = senderId(json, 'id');
  if (element.namespace !== V2_NAMESPACE || !isMessageType(element.name)) {
    return {
      type: element.name,
      id,
      errors: [
        unknownMessageType(
          element,
          `a v2 lot holds ${V2_MESSAGE_TYPES.join(', ')} in namespace ${V2_NAMESPACE}.`,
        ),
      ],
    };
  }
  if (isJsonObject(json.menage) && 'personne' in json.menage) {
    const { personne, ...rest } = json.menage;
    json.menage = { ...rest, personnes: personne as JsonValue };
  }
  if ('communesSouhaitees' in json) json.communesSouhaitees = communes(json.communesSouhaitees as JsonValue);
  return { type: element.name, id, json };
}

function isMessageType(name: string): name is V2MessageType {
  return (V2_MESSAGE_TYPES as readonly string[]).includes(name);
}

/** `<communesSouhaitees><commune rang="1">59350</commune>...` → `[{ rang: "1", code: "59350" }]`. */
function communes(value: JsonValue): JsonValue {
  if (value === '') return [];
  if (!isJsonObject(value) || Object.keys(value).join() !== 'commune' || !Array.isArray(value.commune))
    return value;
  return value.commune.map((commune) => {
    if (typeof commune === 'string') return { code: commune };
    if (!isJsonObject(commune)) return commune;
    const { [TEXT_KEY]: code, ...attributes } = commune;
    return code === undefined ? attributes : { ...attributes, code };
  });
}
