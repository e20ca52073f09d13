/**
 * Text PostgreSQL cannot store: U+0000 (refused in `text` and in `jsonb`) and lone UTF-16
 * surrogates (`"\udfff"` in JSON: `jsonb` refuses the escape, `text` would silently get U+FFFD).
 * No real name, id or code holds them; they come from fuzzers, broken encoders or attacks.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching U+0000 is the point.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `text` holds a character PostgreSQL cannot store. */
export function isUnstorable(text: string): boolean {
  return UNSTORABLE.test(text);
}

/** Most offending places reported in one reply: the first ones are enough to fix the sender. */
const MAX_REPORTED = 10;

/**
 * The JSON pointers (RFC 6901) of every string value or object key in `value` (a parsed JSON value
 * or query string: plain objects, arrays, strings) that holds text PostgreSQL cannot store, at most ten. Walks iteratively: a body nested 10,000 deep must not
 * exhaust the stack. The offending characters are written `\u0000` in the pointer so that the
 * reply itself stays storable and printable.
 */
export function unstorablePaths(value: unknown, root = ''): string[] {
  const found: string[] = [];
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0 && found.length < MAX_REPORTED) {
    const [node, path] = stack.pop() as [unknown, string];
    if (typeof node === 'string') {
      if (isUnstorable(node)) found.push(path);
    } else if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], `${path}/${i}`]);
    } else if (isPlainObject(node)) {
      for (const [key, child] of Object.entries(node).reverse()) {
        const childPath = `${path}/${pointerToken(key)}`;
        if (isUnstorable(key)) found.push(childPath);
        else stack.push([child, childPath]);
      }
    }
  }
  return found.slice(0, MAX_REPORTED);
}

/**
 * A JSON object as `JSON.parse` or a query-string parser makes it. Anything else — a request stream
 * (RPLS uploads), a Buffer (XML lots) — is not walked: it is no parsed text, and its internals are
 * large and cyclic.
 */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  // Fastify's query-string parser (fast-querystring) makes objects whose prototype is an empty
  // object without prototype: plain all the same.
  return prototype === Object.prototype || prototype === null || Object.getPrototypeOf(prototype) === null;
}

function pointerToken(key: string): string {
  return key
    .replaceAll('~', '~0')
    .replaceAll('/', '~1')
    .replace(
      new RegExp(UNSTORABLE.source, 'g'),
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
}
