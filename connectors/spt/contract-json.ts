import type { MessageError } from '../../services/pipeline/inbound.ts';
import { ATTRIBUTE_PREFIX, TEXT_KEY, type XmlMessageElement, type XmlValue } from './xml-document.ts';

/**
 * The first step of every version's transport: a message element's parsed content as a plain JSON
 * object, the form its contract schemas validate. Attributes and child elements become properties
 * and every value stays the string the XML carries; what the properties mean is the version's business.
 */

/** A JSON value as the contract schemas see it. */
export type JsonValue = string | JsonValue[] | JsonObject;
export type JsonObject = { [key: string]: JsonValue };

/** A message element's content as an object; an element with no child at all gets the schema's "required" errors. */
export function contentToJson(content: XmlValue): JsonObject {
  const json = toJson(content);
  if (isJsonObject(json)) return json;
  return json === '' ? {} : { [TEXT_KEY]: json };
}

export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && !Array.isArray(value);
}

/** The sender's id attribute when it is a string; an invalid or missing one is reported by the schema. */
function senderId(json: JsonObject, attribute: string): string {
  const id = json[attribute];
  return typeof id === 'string' ? id : '';
}

/** One message element in its contract JSON form (with the canonical type it carries), or why it has none. */
export type TransportResult<T extends string> =
  | { type: T; id: string; json: JsonObject }
  | { type: string; id: string; errors: MessageError[] };

/** How a version names its messages. */
export interface MessageNaming<T extends string> {
  /** The messages' namespace (null: none). */
  namespace: string | null;
  /** The attribute or child holding the sender's id. */
  idField: string;
  /** The message type of an element name, undefined for no message of the version. */
  typeOf(name: string): T | undefined;
  /** Which elements are messages, for the error of one that is not. */
  expected: string;
}

/** A message element's contract JSON form, its sender id and type, or the error of an element that is no message. */
export function messageJson<T extends string>(
  element: XmlMessageElement,
  naming: MessageNaming<T>,
): TransportResult<T> {
  const json = contentToJson(element.content);
  const id = senderId(json, naming.idField);
  const type = element.namespace === naming.namespace ? naming.typeOf(element.name) : undefined;
  if (type === undefined) {
    return { type: element.name, id, errors: [unknownMessageType(element, naming.expected)] };
  }
  // Well-formed XML the content could not be read from (nesting too deep): this message is rejected
  // with its type and id, stored for operators like any other; the rest of its lot goes on.
  if (element.problem) return { type, id, errors: [{ code: 'CONTRACT_INVALID', ...element.problem }] };
  return { type, id, json };
}

/** The contract error of an element that is no message of the version; `expected` says which are. */
function unknownMessageType(element: XmlMessageElement, expected: string): MessageError {
  const found =
    element.namespace === null ? element.name : `${element.name} (namespace ${element.namespace})`;
  return { code: 'CONTRACT_INVALID', path: '', message: `Unknown message type ${found}: ${expected}` };
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
