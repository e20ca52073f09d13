import fc from 'fast-check';

/** Where in a JSON value a mutation lands: the path of keys down to it ([] is the whole body). */
export type JsonPath = (string | number)[];

/** Every path of a JSON value, containers and leaves, the root first. */
export function pathsOf(value: unknown, prefix: JsonPath = []): JsonPath[] {
  const paths: JsonPath[] = [prefix];
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) paths.push(...pathsOf(item, [...prefix, i]));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) paths.push(...pathsOf(item, [...prefix, key]));
  }
  return paths;
}

/** A copy of `value` with the node at `path` replaced. */
export function replaceAt(value: unknown, path: JsonPath, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path as [string | number, ...JsonPath];
  if (Array.isArray(value)) {
    const copy = [...value];
    copy[head as number] = replaceAt(copy[head as number], rest, replacement);
    return copy;
  }
  const record = { ...(value as Record<string, unknown>) };
  record[head] = replaceAt(record[head], rest, replacement);
  return record;
}

/**
 * JSON text to splice in as written: numbers beyond a double (`1e309`), or nesting deeper than
 * JSON.stringify's recursion goes.
 */
export class RawJson {
  constructor(readonly text: string) {}
}

/** Placeholder of a RawJson while the rest of the body is stringified. */
const RAW = '\u0001raw\u0001';

/** A JSON body with the node at `path` replaced by `value` (a RawJson is spliced in as written). */
export function mutatedJson(base: unknown, path: JsonPath, value: unknown): string {
  if (!(value instanceof RawJson)) return JSON.stringify(replaceAt(base, path, value));
  return JSON.stringify(replaceAt(base, path, RAW)).replace(JSON.stringify(RAW), () => value.text);
}

/** A mutation of a JSON body: a node replaced by a value drawn from `values`, or a key added. */
export function jsonMutation(base: unknown, values: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  const paths = pathsOf(base);
  return fc.oneof(
    fc.tuple(fc.constantFrom(...paths), values).map(([path, value]) => mutatedJson(base, path, value)),
    fc
      .tuple(fc.constantFrom(...paths), fc.string({ maxLength: 10 }), values)
      .filter(([path]) => isObjectAt(base, path))
      .map(([path, key, value]) =>
        mutatedJson(base, path, { ...(nodeAt(base, path) as object), [key]: value }),
      ),
  );
}

function nodeAt(value: unknown, path: JsonPath): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)?.[key], value);
}

function isObjectAt(value: unknown, path: JsonPath): boolean {
  const node = nodeAt(value, path);
  return node !== null && typeof node === 'object' && !Array.isArray(node);
}

/** Byte-level damage to any body: cut short, foreign bytes spliced in, or a byte flipped. */
export function damagedBytes(base: Buffer, splice: fc.Arbitrary<Buffer>): fc.Arbitrary<Buffer> {
  return fc.oneof(
    fc.nat({ max: Math.max(0, base.length - 1) }).map((at) => base.subarray(0, at)),
    fc
      .tuple(fc.nat({ max: base.length }), splice)
      .map(([at, bytes]) => Buffer.concat([base.subarray(0, at), bytes, base.subarray(at)])),
    fc
      .tuple(fc.nat({ max: Math.max(0, base.length - 1) }), fc.integer({ min: 0, max: 255 }))
      .map(([at, byte]) => {
        const copy = Buffer.from(base);
        copy[at] = byte;
        return copy;
      }),
  );
}

/** The text nodes of an XML document (`>text<`), to mutate one at a time. */
export function xmlTextNodes(xml: string): { start: number; end: number }[] {
  const nodes: { start: number; end: number }[] = [];
  for (const match of xml.matchAll(/>([^<>]+)</g)) {
    if (match[1]?.trim())
      nodes.push({ start: (match.index ?? 0) + 1, end: (match.index ?? 0) + 1 + match[1].length });
  }
  return nodes;
}
