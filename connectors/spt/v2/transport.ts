import type { MessageError } from '../../../services/pipeline/inbound.ts';
import {
  ATTRIBUTE_PREFIX,
  TEXT_KEY,
  type XmlDialect,
  type XmlMessageElement,
  type XmlValue,
} from '../xml-document.ts';
import { V2_MESSAGE_TYPES, type V2MessageType } from './messages.ts';

/** The XML namespace of SPT v2 documents. */
export const V2_NAMESPACE = 'urn:sne:spt:2';

/** `<lot xmlns="urn:sne:spt:2">`, whose children are the messages. */
export const V2_DIALECT: XmlDialect = {
  root: 'lot',
  namespace: V2_NAMESPACE,
  repeatedElements: ['personne', 'commune'],
};

/** A JSON value as the contract schemas see it. */
export type JsonValue = string | JsonValue[] | { [key: string]: JsonValue };

/** One message element in its contract JSON form, or why it has none. */
export type TransportResult =
  | { type: V2MessageType; id: string; json: { [key: string]: JsonValue } }
  | { type: string; id: string; errors: MessageError[] };

/**
 * XML message element → contract JSON form: attributes and child elements become properties, text
 * values stay strings; `<menage>`'s `<personne>`s become `personnes`, and `<communesSouhaitees>`
 * becomes a list of `{ rang, code }`. Nothing is checked here beyond what makes a message: the
 * contract schema judges the rest.
 */
export function toContractJson(element: XmlMessageElement): TransportResult {
  const json = asObject(toJson(element.content));
  const id = typeof json.id === 'string' ? json.id : '';
  if (element.namespace !== V2_NAMESPACE || !isMessageType(element.name)) {
    const found =
      element.namespace === null ? element.name : `${element.name} (namespace ${element.namespace})`;
    return {
      type: element.name,
      id,
      errors: [
        {
          code: 'CONTRACT_INVALID',
          path: '',
          message: `Unknown message type ${found}: a v2 lot holds ${V2_MESSAGE_TYPES.join(', ')} in namespace ${V2_NAMESPACE}.`,
        },
      ],
    };
  }
  if (isObject(json.menage) && 'personne' in json.menage) {
    const { personne, ...rest } = json.menage;
    json.menage = { ...rest, personnes: personne as JsonValue };
  }
  if ('communesSouhaitees' in json) json.communesSouhaitees = communes(json.communesSouhaitees as JsonValue);
  return { type: element.name, id, json };
}

function isMessageType(name: string): name is V2MessageType {
  return (V2_MESSAGE_TYPES as readonly string[]).includes(name);
}

function toJson(value: XmlValue): JsonValue {
  if (typeof value === 'string') return value.trim();
  if (Array.isArray(value)) return value.map(toJson);
  const properties = new Map<string, JsonValue>();
  for (const [key, child] of Object.entries(value)) {
    const name = key.startsWith(ATTRIBUTE_PREFIX) ? key.slice(ATTRIBUTE_PREFIX.length) : key;
    const converted = toJson(child);
    const previous = properties.get(name);
    // An attribute and an element of the same name: keep both, the schema refuses the resulting list.
    properties.set(name, previous === undefined ? converted : [previous, converted].flat());
  }
  // fromEntries defines own properties: an attribute named __proto__ stays a plain (refused) field.
  return Object.fromEntries(properties);
}

/** A message or `<menage>` with no child at all parses as text; as an object it gets the schema's "required" errors. */
function asObject(value: JsonValue): { [key: string]: JsonValue } {
  if (isObject(value)) return value;
  return value === '' ? {} : { [TEXT_KEY]: value };
}

function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && !Array.isArray(value);
}

/** `<communesSouhaitees><commune rang="1">59350</commune>...` → `[{ rang: "1", code: "59350" }]`. */
function communes(value: JsonValue): JsonValue {
  if (value === '') return [];
  if (!isObject(value) || Object.keys(value).join() !== 'commune' || !Array.isArray(value.commune))
    return value;
  return value.commune.map((commune) => {
    if (typeof commune === 'string') return { code: commune };
    if (!isObject(commune)) return commune;
    const { [TEXT_KEY]: code, ...attributes } = commune;
    return code === undefined ? attributes : { ...attributes, code };
  });
}
