import { isJsonObject, type JsonValue, messageJson, type TransportResult } from '../contract-json.ts';
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

/**
 * XML message element → contract JSON form (see `../contract-json.ts`), where `<menage>`'s
 * `<personne>`s become `personnes` and `<communesSouhaitees>` a list of `{ rang, code }`. Nothing
 * is checked here beyond what makes a message: the contract schema judges the rest.
 */
export function toContractJson(element: XmlMessageElement): TransportResult<V2MessageType> {
  const result = messageJson(element, {
    namespace: V2_NAMESPACE,
    idField: 'id',
    typeOf: (name) => (isMessageType(name) ? name : undefined),
    expected: `a v2 lot holds ${V2_MESSAGE_TYPES.join(', ')} in namespace ${V2_NAMESPACE}.`,
  });
  if (!('json' in result)) return result;
  const { json } = result;
  if (isJsonObject(json.menage) && 'personne' in json.menage) {
    const { personne, ...rest } = json.menage;
    json.menage = { ...rest, personnes: personne as JsonValue };
  }
  if ('communesSouhaitees' in json) json.communesSouhaitees = communes(json.communesSouhaitees as JsonValue);
  return result;
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
