import { XMLValidator } from 'fast-xml-parser';
import { HttpProblem } from '../../services/http/problem.ts';
import { positionOf } from './text-position.ts';
import { decodeXml } from './xml-encoding.ts';

/**
 * The XML document layer shared by every SPT contract version: bytes → text → a checked document
 * → the lot's message elements, each with its parsed content and its raw text as the sender wrote
 * it. What the elements mean is the versions' business (their transport), not this file's.
 */

/** A parsed XML value: text, an element's content, or the repetitions of an element. */
export type XmlValue = string | XmlObject | XmlValue[];
/** An element's content: attributes under `@name`, child elements by local name, mixed text under `#text`. */
export interface XmlObject {
  [key: string]: XmlValue;
}
export const ATTRIBUTE_PREFIX = '@';
export const TEXT_KEY = '#text';

/** What a contract version's documents look like. */
export interface XmlDialect {
  /** Local name of the root element (`lot`). */
  root: string;
  /** Namespace URI of the root (`urn:sne:spt:2`), `null` for a document without namespace. */
  namespace: string | null;
  /** Attributes the root must carry, with these exact values (`{ version: '1' }`); none by default. */
  rootAttributes?: Readonly<Record<string, string>>;
  /** Elements that may repeat inside a message: always parsed as arrays, even when there is one. */
  repeatedElements: readonly string[];
}

export interface XmlLimits {
  /** Largest accepted document, in bytes. Default 10 MiB. */
  maxBytes?: number;
  /** Most message elements in one lot. Default 1000. */
  maxMessages?: number;
}

export const DEFAULT_XML_LIMITS: Required<XmlLimits> = { maxBytes: 10 * 1024 * 1024, maxMessages: 1000 };

/** One message of a lot: a child element of the root. */
export interface XmlMessageElement {
  /** Local name of the element (`radiation`). */
  name: string;
  /** Its namespace URI, `null` when it has none. */
  namespace: string | null;
  /**
   * The element as written in the decoded document, from `<` to its closing `>`; when it uses
   * prefixes (or a default namespace) the lot declared on its root, those declarations are added to
   * its start tag, so that the element read alone (`readElement`) is the element it was in the lot.
   */
  raw: string;
  /**
   * Its parsed content, every value a trimmed string: an `XmlObject`, or a string for an element
   * holding only text. Namespace prefixes are dropped below the message element. Child elements
   * named `__proto__`, `constructor` or `prototype` are own properties like any other, never the
   * object's prototype. With a `problem`, only the element's attributes.
   */
  content: XmlValue;
  /** Set when the element is well-formed XML that cannot be a message: it is rejected alone, its lot is not. */
  problem?: XmlContentProblem;
}

/** Why a message element's content could not be read. */
export interface XmlContentProblem {
  /** JSON pointer of the message's child element where it happened (`/demandeur`), as contract errors name fields. */
  path: string;
  message: string;
}

export interface XmlLot {
  /** The encoding the body was decoded with (`UTF-8`, `ISO-8859-1`...). */
  encoding: string;
  messages: XmlMessageElement[];
}

/** A message element found in a lot, its content not parsed yet (`XmlReader.withContent`). */
export type XmlMessageShell = Omit<XmlMessageElement, 'content' | 'problem'>;

/** A lot whose structure is checked, its messages' contents still to parse. */
export interface XmlLotShells {
  encoding: string;
  messages: XmlMessageShell[];
}

export interface XmlReader {
  /**
   * Reads a whole lot from the request body.
   * @throws HttpProblem 413 `PAYLOAD_TOO_LARGE` / `LOT_TOO_LARGE`, 415 `ENCODING_UNSUPPORTED`,
   *   400 `ENCODING_INVALID`, `XML_DOCTYPE_FORBIDDEN`, `XML_MALFORMED`, `XML_ROOT_INVALID`.
   */
  readLot(body: Uint8Array, contentType?: string): XmlLot;
  /**
   * The same checks as `readLot`, the same errors, without parsing the messages' contents: a caller
   * parses each one (`withContent`) at its own pace.
   */
  scanLot(body: Uint8Array, contentType?: string): XmlLotShells;
  /** A scanned message with its content parsed. */
  withContent(shell: XmlMessageShell): XmlMessageElement;
  /**
   * Reads one message element given alone (an operator's corrected `raw`): unprefixed names
   * without their own `xmlns` are taken to be in the dialect's namespace, as inside a lot.
   * @throws HttpProblem 400 `XML_DOCTYPE_FORBIDDEN`, `XML_MALFORMED`.
   */
  readElement(raw: string): XmlMessageElement;
}

export function createXmlReader(dialect: XmlDialect, limits: XmlLimits = {}): XmlReader {
  const { maxBytes, maxMessages } = { ...DEFAULT_XML_LIMITS, ...limits };
  const parseContent = contentParser(dialect);

  const scanLot = (body: Uint8Array, contentType?: string): XmlLotShells => {
    if (body.length > maxBytes) {
      throw new HttpProblem('PAYLOAD_TOO_LARGE', `A lot may not exceed ${maxBytes} bytes; split it.`);
    }
    const { text, encoding } = decodeXml(body, contentType);
    const { root, children } = checkedStructure(text);
    const inScope = declarationsOf(root, new Map());
    const rootNamespace = namespaceOf(root.qname, inScope);
    if (localName(root.qname) !== dialect.root || rootNamespace !== dialect.namespace) {
      throw new HttpProblem(
        'XML_ROOT_INVALID',
        `The root element must be ${describe(dialect.root, dialect.namespace)}, not ${describe(localName(root.qname), rootNamespace)}.`,
      );
    }
    checkRootAttributes(root, dialect);
    if (children.length > maxMessages) {
      throw new HttpProblem(
        'LOT_TOO_LARGE',
        `A lot may hold at most ${maxMessages} messages, this one has ${children.length}; split it.`,
      );
    }
    const messages = children.map(({ tag, end, uses }) => ({
      name: localName(tag.qname),
      namespace: namespaceOf(tag.qname, declarationsOf(tag, inScope)),
      raw: standalone(text.slice(tag.start, end), tag, uses, inScope, dialect),
    }));
    return { encoding, messages };
  };
  const withContent = (shell: XmlMessageShell): XmlMessageElement => ({
    ...shell,
    ...parseContent(shell.raw),
  });

  return {
    scanLot,
    withContent,
    readLot(body, contentType) {
      const { encoding, messages } = scanLot(body, contentType);
      return { encoding, messages: messages.map(withContent) };
    },

    readElement(raw) {
      const { root } = checkedStructure(raw);
      const context = new Map<string, string | null>([['', dialect.namespace]]);
      return {
        name: localName(root.qname),
        namespace: namespaceOf(root.qname, declarationsOf(root, context)),
        raw,
        ...parseContent(raw),
      };
    },
  };
}

function checkRootAttributes(root: StartTag, dialect: XmlDialect): void {
  for (const [name, expected] of Object.entries(dialect.rootAttributes ?? {})) {
    const found = root.attributes.find(([attribute]) => attribute === name)?.[1];
    if (found !== expected) {
      const instead = found === undefined ? 'but has none' : `not ${name}="${found}"`;
      throw new HttpProblem(
        'XML_ROOT_INVALID',
        `The root element <${dialect.root}> must carry ${name}="${expected}", ${instead}.`,
      );
    }
  }
}

/** A start tag as the scanner read it. */
interface StartTag {
  qname: string;
  /** Each attribute's name, its value with references decoded, and its value as written. */
  attributes: [name: string, value: string, written: string][];
  /** Index of its `<`. */
  start: number;
  /** Index just after its `>`. */
  end: number;
  selfClosing: boolean;
}

interface Structure {
  root: StartTag;
  /** The root's child elements, with the index just after each one's closing `>`. */
  children: { tag: StartTag; end: number; uses: NamespaceUses }[];
}

/** The namespace prefixes a message element and its descendants use in their names. */
interface NamespaceUses {
  /** Prefixes of element and attribute names (not `xml`), `undefined` while there is none. */
  prefixes: Set<string> | undefined;
  /** Whether an element name has no prefix (it is then in the default namespace). */
  unprefixed: boolean;
}

/**
 * Refuses what must never be parsed, then checks well-formedness and finds the root's children.
 * DOCTYPE and ENTITY declarations are refused outright (before any parser sees them): they are
 * how entity-expansion bombs and external-entity reads (XXE) get in, and no SPT needs them.
 */
function checkedStructure(text: string): Structure {
  const declaration = /<!(DOCTYPE|ENTITY)/i.exec(text);
  if (declaration) {
    const at = positionOf(text, declaration.index);
    throw new HttpProblem(
      'XML_DOCTYPE_FORBIDDEN',
      `Documents may not contain <!${declaration[1]}> (line ${at.line}, column ${at.column}): remove the DOCTYPE and entity declarations.`,
      { extra: { ...at } },
    );
  }
  const forbiddenChar = FORBIDDEN_CHARS.exec(text);
  if (forbiddenChar) {
    const code = forbiddenChar[0].codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0');
    throw malformed(text, forbiddenChar.index, `Character U+${code} is not allowed in XML`);
  }
  const result = XMLValidator.validate(text);
  if (result !== true) {
    const { msg, line, col } = result.err;
    const where = col === undefined ? `line ${line}` : `line ${line}, column ${col}`;
    throw new HttpProblem('XML_MALFORMED', `The document is not well-formed XML: ${msg} (${where}).`, {
      extra: { line, ...(col === undefined ? {} : { column: col }) },
    });
  }
  return scan(text);
}

// XML 1.0 forbids C0 controls other than tab, LF and CR, and the non-characters U+FFFE/U+FFFF.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const FORBIDDEN_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/** `&` must start one of XML's five predefined entities or a character reference (there is no DTD). */
const BAD_REFERENCE = /&(?!(?:lt|gt|amp|apos|quot|#[0-9]+|#x[0-9a-fA-F]+);)/;

/**
 * Finds the root's children by their positions in the text, so that each message's raw text is
 * the exact slice the sender wrote. Runs after XMLValidator: it only needs to skip correctly over
 * comments, CDATA sections, processing instructions and quoted attribute values (which may hold `>`),
 * and it checks what the validator lets through (several roots, undefined entities, `<` in values).
 */
function scan(text: string): Structure {
  let root: StartTag | undefined;
  let open: StartTag | undefined;
  let uses: NamespaceUses = { prefixes: undefined, unprefixed: false };
  const children: Structure['children'] = [];
  let depth = 0;
  let i = 0;
  for (;;) {
    const lt = text.indexOf('<', i);
    checkReferences(text, i, lt === -1 ? text.length : lt);
    if (lt === -1) break;
    if (text.startsWith('<!--', lt)) {
      i = after(text, '-->', lt + 4);
    } else if (text.startsWith('<![CDATA[', lt)) {
      i = after(text, ']]>', lt + 9);
    } else if (text.startsWith('<?', lt)) {
      i = after(text, '?>', lt + 2);
    } else if (text.startsWith('<!', lt)) {
      throw malformed(text, lt, 'Markup declarations are not allowed');
    } else if (text[lt + 1] === '/') {
      i = after(text, '>', lt);
      depth--;
      if (depth === 1 && open) {
        children.push({ tag: open, end: i, uses });
        open = undefined;
      }
    } else {
      const tag = readStartTag(text, lt);
      if (depth === 0) {
        if (root) throw malformed(text, lt, 'A document has exactly one root element');
        root = tag;
      } else {
        if (depth === 1) uses = { prefixes: undefined, unprefixed: false };
        noteNamespaceUses(tag, uses);
        if (depth === 1) {
          if (tag.selfClosing) children.push({ tag, end: tag.end, uses });
          else open = tag;
        }
      }
      if (!tag.selfClosing) depth++;
      i = tag.end;
    }
  }
  if (!root) throw malformed(text, 0, 'The document has no root element');
  return { root, children };
}

const NAME = /[^\s/>=]+/y;
const ATTRIBUTE = /([^\s/>=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;
const SPACES = /\s*/y;

function readStartTag(text: string, start: number): StartTag {
  NAME.lastIndex = start + 1;
  const qname = NAME.exec(text)?.[0];
  if (!qname) throw malformed(text, start, 'Element name expected');
  const attributes: StartTag['attributes'] = [];
  let i = NAME.lastIndex;
  for (;;) {
    SPACES.lastIndex = i;
    SPACES.exec(text);
    i = SPACES.lastIndex;
    if (text[i] === '>') return { qname, attributes, start, end: i + 1, selfClosing: false };
    if (text.startsWith('/>', i)) return { qname, attributes, start, end: i + 2, selfClosing: true };
    ATTRIBUTE.lastIndex = i;
    const match = ATTRIBUTE.exec(text);
    if (!match?.[1]) throw malformed(text, i, `Attribute expected in <${qname}>`);
    const value = match[2] ?? match[3] ?? '';
    const valueStart = ATTRIBUTE.lastIndex - value.length - 1;
    if (value.includes('<'))
      throw malformed(text, valueStart + value.indexOf('<'), "'<' is not allowed in an attribute value");
    checkReferences(text, valueStart, ATTRIBUTE.lastIndex - 1);
    try {
      attributes.push([match[1], decodeReferences(value), value]);
    } catch (error) {
      throw malformed(text, valueStart, (error as Error).message);
    }
    i = ATTRIBUTE.lastIndex;
  }
}

function checkReferences(text: string, from: number, to: number): void {
  const segment = text.slice(from, to);
  const bad = BAD_REFERENCE.exec(segment);
  if (bad) throw malformed(text, from + bad.index, "Undefined entity or bare '&' (write &amp;)");
}

/** Index just after the next `terminator` from `from`. */
function after(text: string, terminator: string, from: number): number {
  const index = text.indexOf(terminator, from);
  if (index === -1) throw malformed(text, from, `'${terminator}' expected`);
  return index + terminator.length;
}

function malformed(text: string, index: number, reason: string): HttpProblem {
  const at = positionOf(text, index);
  return new HttpProblem(
    'XML_MALFORMED',
    `The document is not well-formed XML: ${reason} (line ${at.line}, column ${at.column}).`,
    { extra: { ...at } },
  );
}

type Declarations = Map<string, string | null>;

/** The namespace declarations in scope inside `tag`: the outer ones, overridden by its own `xmlns` attributes. */
function declarationsOf(tag: StartTag, outer: Declarations): Declarations {
  const scope = new Map(outer);
  for (const [name, value] of tag.attributes) {
    if (name === 'xmlns') scope.set('', value === '' ? null : value);
    else if (name.startsWith('xmlns:')) scope.set(name.slice(6), value);
  }
  return scope;
}

function namespaceOf(qname: string, scope: Declarations): string | null {
  const colon = qname.indexOf(':');
  return scope.get(colon === -1 ? '' : qname.slice(0, colon)) ?? null;
}

function localName(qname: string): string {
  return qname.slice(qname.indexOf(':') + 1);
}

/** Adds to `uses` the prefixes `tag` uses in its names, but not those it declares itself. */
function noteNamespaceUses(tag: StartTag, uses: NamespaceUses): void {
  if (tag.qname.includes(':')) notePrefix(tag, tag.qname, uses);
  else uses.unprefixed = true;
  for (const [name] of tag.attributes) if (name.includes(':')) notePrefix(tag, name, uses);
}

function notePrefix(tag: StartTag, name: string, uses: NamespaceUses): void {
  const prefix = name.slice(0, name.indexOf(':'));
  if (prefix === 'xml' || prefix === 'xmlns') return;
  if (tag.attributes.some(([attribute]) => attribute === `xmlns:${prefix}`)) return;
  uses.prefixes ??= new Set();
  uses.prefixes.add(prefix);
}

/**
 * A message element's text with the namespace declarations it relies on from the lot's root added
 * to its start tag, so that read alone (an operator's corrected `raw`, a replay) it is the same
 * element as in the lot. `<s:radiation>` of `<s:lot xmlns:s="urn:sne:spt:2">` becomes
 * `<s:radiation xmlns:s="urn:sne:spt:2">`: without it, the lone element would be in no namespace,
 * an unknown message type. Binding an unbound prefix when the element is read alone would not do:
 * nothing there tells which namespace the lot gave the prefix, if any, and a message rightly
 * rejected as foreign would become valid on replay.
 *
 * Every other character stays as the sender wrote it, and nothing is added to the elements of the
 * usual lot `<lot xmlns="urn:sne:spt:2">` without prefixes: a lone element's unprefixed names are
 * taken to be in the dialect's namespace already (`readElement`). Declarations the element makes
 * itself are left alone, as they win over the root's.
 */
function standalone(
  raw: string,
  tag: StartTag,
  uses: NamespaceUses,
  rootScope: Declarations,
  dialect: XmlDialect,
): string {
  const own = declarationsOf(tag, new Map());
  let added = '';
  for (const prefix of uses.prefixes ?? []) {
    const namespace = rootScope.get(prefix);
    if (!own.has(prefix) && namespace) added += ` xmlns:${prefix}="${escapeAttribute(namespace)}"`;
  }
  const defaultNamespace = rootScope.get('') ?? null;
  if (uses.unprefixed && !own.has('') && defaultNamespace !== dialect.namespace) {
    added += ` xmlns="${escapeAttribute(defaultNamespace ?? '')}"`;
  }
  return added === '' ? raw : `<${tag.qname}${added}${raw.slice(tag.qname.length + 1)}`;
}

function escapeAttribute(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('"', '&quot;');
}

function describe(name: string, namespace: string | null): string {
  return namespace === null ? `<${name}> without namespace` : `<${name} xmlns="${namespace}">`;
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

function decodeReferences(value: string): string {
  return value.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (reference, body: string) => {
    if (!body.startsWith('#')) return PREDEFINED[body] ?? reference;
    const code = body.startsWith('#x')
      ? Number.parseInt(body.slice(2), 16)
      : Number.parseInt(body.slice(1), 10);
    if (!isXmlChar(code)) throw new Error(`Character reference ${reference} is not an XML character`);
    return String.fromCodePoint(code);
  });
}

function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** Names of `Object.prototype`'s methods, which fast-xml-parser renamed `__name`: renamed too. */
const DANGEROUS_NAMES = new Set([
  'hasOwnProperty',
  'toString',
  'valueOf',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);
/**
 * Elements nested deeper than this inside one message element make it a `problem`, where
 * fast-xml-parser refused them: no message of any contract is more than a few levels deep, and what
 * reads the content afterwards (its JSON form, the schemas) recurses once per level.
 */
export const MAX_NESTING = 100;

/** An element being read: its name, attributes (as written), the children closed so far and its text. */
interface OpenElement {
  name: string;
  attributes: [name: string, written: string][];
  children: XmlObject | undefined;
  text: string | undefined;
}

/** A message element's content, or the problem that keeps it from being read. */
interface ParsedContent {
  content: XmlValue;
  problem?: XmlContentProblem;
}

/**
 * Parses one message element's text into its content, every value kept as a trimmed string. The
 * element has been checked already (XMLValidator, then `scan`): this only builds, in one pass over
 * its tags, the value fast-xml-parser built with the options it was given before (parseTagValue,
 * parseAttributeValue off, trimValues, removeNSPrefix, no declaration nor processing instructions,
 * XML's entities, `repeatedElements` always arrays) — `xml-document.test.ts` compares the two on
 * every example and on edge cases — at a tenth of its cost (a lot of 500 parsed in 2-3 ms, not 25-45).
 * Its value: child elements by local name (an array when repeated), then the text under `#text`
 * (text pieces trimmed and joined, CDATA as written), then the attributes under `@name`; an element
 * with neither children nor attributes is its text.
 *
 * Where it departs from fast-xml-parser, it does so for a message to be judged alone: elements named
 * `__proto__`, `constructor` or `prototype`, which fast-xml-parser refused with an error (and so
 * the whole lot), are kept as fields, which the contract schemas refuse with their path; nesting
 * deeper than `MAX_NESTING` is the message's `problem`. Only what makes the document not XML
 * (a reference to a character XML forbids) still refuses the lot.
 */
function contentParser(dialect: XmlDialect): (raw: string) => ParsedContent {
  const repeated = new Set(dialect.repeatedElements);
  return (raw) => {
    try {
      return contentOf(raw, repeated);
    } catch (error) {
      if (error instanceof HttpProblem) throw error;
      throw new HttpProblem('XML_MALFORMED', `A message could not be parsed: ${(error as Error).message}`);
    }
  };
}

function contentOf(raw: string, repeated: ReadonlySet<string>): ParsedContent {
  // As XML (and fast-xml-parser) read it: line ends are LF, before any reference is decoded.
  const text = raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw;
  const stack: OpenElement[] = [];
  // Text since the last tag, CDATA section or processing instruction (a comment does not cut it).
  let pending = '';
  let i = 0;
  for (;;) {
    const lt = text.indexOf('<', i);
    if (stack.length > 0) pending += text.slice(i, lt === -1 ? text.length : lt);
    if (lt === -1) break;
    const open = stack.at(-1);
    if (text.startsWith('<!--', lt)) {
      i = after(text, '-->', lt + 4);
      continue;
    }
    if (open) {
      addText(open, pending);
      pending = '';
    }
    if (text.startsWith('<![CDATA[', lt)) {
      i = after(text, ']]>', lt + 9);
      if (open) open.text = (open.text ?? '') + text.slice(lt + 9, i - 3);
    } else if (text.startsWith('<?', lt)) {
      i = after(text, '?>', lt + 2);
    } else if (text[lt + 1] === '/') {
      i = after(text, '>', lt);
      const closed = stack.pop();
      if (!closed) break;
      const parent = stack.at(-1);
      if (!parent) return { content: topLevel(closed, repeated) };
      addChild(parent, closed, repeated);
    } else {
      const tag = readStartTag(text, lt);
      i = tag.end;
      if (stack.length > MAX_NESTING) return tooDeep(stack);
      const element: OpenElement = {
        name: propertyName(tag.qname),
        attributes: [],
        children: undefined,
        text: undefined,
      };
      for (const [name, , written] of tag.attributes) {
        const local = withoutPrefix(name);
        if (local !== '') element.attributes.push([local, written]);
      }
      if (!tag.selfClosing) {
        stack.push(element);
        continue;
      }
      const parent = stack.at(-1);
      if (!parent) return { content: topLevel(element, repeated) };
      addChild(parent, element, repeated);
    }
  }
  return { content: '' };
}

/**
 * A message nested deeper than `MAX_NESTING`: its attributes only (its id is one of them, so its
 * receipt line and its stored row still carry it), and the problem at its child holding the nesting.
 */
function tooDeep(stack: readonly OpenElement[]): ParsedContent {
  const [message, child] = stack;
  const attributes = message && elementValue({ ...message, children: undefined, text: undefined });
  return {
    content: attributes ?? '',
    problem: {
      path: child ? `/${child.name.replaceAll('~', '~0').replaceAll('/', '~1')}` : '',
      message: `nests elements more than ${MAX_NESTING} levels deep: no message is nested so deep`,
    },
  };
}

/** An attribute's name without its prefix; `''` for a namespace declaration (`xmlns`, `xmlns:p`). */
function withoutPrefix(qname: string): string {
  const parts = qname.split(':');
  if (parts[0] === 'xmlns') return '';
  return parts.length === 2 ? (parts[1] as string) : qname;
}

/** An element's property: its name after the first `:`, renamed as fast-xml-parser did. */
function propertyName(qname: string): string {
  const name = localName(qname);
  return DANGEROUS_NAMES.has(name) ? `__${name}` : name;
}

/** A text piece, trimmed, then its references decoded. */
function addText(element: OpenElement, piece: string): void {
  const trimmed = piece.trim();
  if (trimmed !== '') element.text = (element.text ?? '') + decodeReferences(trimmed);
}

function elementValue(element: OpenElement): XmlValue {
  if (element.children === undefined && element.attributes.length === 0) return element.text ?? '';
  const value: XmlObject = element.children ?? {};
  if (element.text !== undefined && element.text !== '') value[TEXT_KEY] = element.text;
  for (const [name, attribute] of element.attributes)
    value[`${ATTRIBUTE_PREFIX}${name}`] = decodeReferences(attribute.trim());
  return value;
}

function addChild(parent: OpenElement, child: OpenElement, repeated: ReadonlySet<string>): void {
  parent.children ??= {};
  const children = parent.children;
  const value = elementValue(child);
  const existing = Object.hasOwn(children, child.name) ? children[child.name] : undefined;
  if (existing === undefined) setOwn(children, child.name, repeated.has(child.name) ? [value] : value);
  else if (Array.isArray(existing)) existing.push(value);
  else setOwn(children, child.name, [existing, value]);
}

/**
 * `object[name] = value`, except for `__proto__`: assigned, it is `Object.prototype`'s accessor and
 * would replace the object's prototype (prototype pollution); defined, it is a field like any other,
 * which the contract schemas then refuse as they refuse any unknown field.
 */
function setOwn(object: XmlObject, name: string, value: XmlValue): void {
  if (name === '__proto__') {
    Object.defineProperty(object, name, { value, enumerable: true, writable: true, configurable: true });
  } else {
    object[name] = value;
  }
}

function topLevel(element: OpenElement, repeated: ReadonlySet<string>): XmlValue {
  const value = elementValue(element);
  return repeated.has(element.name) ? [value] : value;
}
