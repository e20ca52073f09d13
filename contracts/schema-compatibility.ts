/**
 * Whether a JSON Schema is a backward-compatible evolution of a published one, for the event data
 * schemas (`contracts/events/v<N>/`): subscribers written against the published schema must keep
 * understanding what the hub sends. A small structural check, not a proof: it walks both schemas
 * side by side and flags what breaks a reader.
 *
 * - no property removed, no definition (`$defs`, `definitions`) removed;
 * - no type changed, no `$ref` retargeted;
 * - no new `required` entry;
 * - enums only extended;
 * - `additionalProperties` not tightened (absent or `true` > a schema > `false`).
 */

type Schema = { [keyword: string]: unknown };

/** The problems found, one line each with the JSON pointer of the place in the schema; empty when compatible. */
export function incompatibilities(published: unknown, next: unknown, path = ''): string[] {
  if (!isSchema(published)) return [];
  if (!isSchema(next)) return [`${path || '/'}: the schema was replaced by ${JSON.stringify(next)}`];
  return [
    ...changed(path, 'type', typeOf(published), typeOf(next)),
    ...changed(path, '$ref', published.$ref, next.$ref),
    ...added(`${path}/required`, 'required', strings(published.required), strings(next.required)),
    ...enumProblems(path, published.enum, next.enum),
    ...additionalPropertiesProblems(path, published.additionalProperties, next.additionalProperties),
    ...children(path, 'properties', published, next),
    ...children(path, '$defs', published, next),
    ...children(path, 'definitions', published, next),
    ...listed(path, 'allOf', published, next),
    ...listed(path, 'anyOf', published, next),
    ...listed(path, 'oneOf', published, next),
    ...incompatibilities(published.items, next.items, `${path}/items`),
  ];
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

/** `"string"` and `["string"]` are the same type; the order of a list does not matter. */
function typeOf(schema: Schema): string | undefined {
  if (schema.type === undefined) return undefined;
  return JSON.stringify([schema.type].flat().map(String).sort());
}

function changed(path: string, keyword: string, before: unknown, after: unknown): string[] {
  if (before === after) return [];
  return [`${path}/${keyword}: changed from ${before ?? 'none'} to ${after ?? 'none'}`];
}

function added(path: string, what: string, before: string[], after: string[]): string[] {
  return after
    .filter((entry) => !before.includes(entry))
    .map((entry) => `${path}: new ${what} entry "${entry}"`);
}

function enumProblems(path: string, before: unknown, after: unknown): string[] {
  if (before === undefined) return after === undefined ? [] : [`${path}/enum: added, restricting the values`];
  const kept = new Set((Array.isArray(after) ? after : []).map((value) => JSON.stringify(value)));
  return (Array.isArray(before) ? before : [])
    .map((value) => JSON.stringify(value))
    .filter((value) => after !== undefined && !kept.has(value))
    .map((value) => `${path}/enum: value ${value} removed`);
}

/** How much `additionalProperties` lets through: absent or `true` 2, a schema 1, `false` 0. */
function openness(value: unknown): number {
  if (value === undefined || value === true) return 2;
  return value === false ? 0 : 1;
}

function additionalPropertiesProblems(path: string, before: unknown, after: unknown): string[] {
  const pointer = `${path}/additionalProperties`;
  if (openness(after) < openness(before)) {
    return [`${pointer}: tightened from ${JSON.stringify(before ?? true)} to ${JSON.stringify(after)}`];
  }
  return openness(before) === 1 && openness(after) === 1 ? incompatibilities(before, after, pointer) : [];
}

/** Named subschemas (`properties`, `$defs`): each published one must remain, and remain compatible. */
function children(path: string, keyword: string, published: Schema, next: Schema): string[] {
  const before = isSchema(published[keyword]) ? published[keyword] : {};
  const after = isSchema(next[keyword]) ? next[keyword] : {};
  return Object.entries(before).flatMap(([name, schema]) => {
    const pointer = `${path}/${keyword}/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    if (!(name in after)) return [`${pointer}: removed`];
    return incompatibilities(schema, after[name], pointer);
  });
}

/** Listed subschemas (`allOf`...): compared position by position; none may disappear. */
function listed(path: string, keyword: string, published: Schema, next: Schema): string[] {
  const before = Array.isArray(published[keyword]) ? published[keyword] : [];
  const after = Array.isArray(next[keyword]) ? next[keyword] : [];
  return before.flatMap((schema, index) =>
    index < after.length
      ? incompatibilities(schema, after[index], `${path}/${keyword}/${index}`)
      : [`${path}/${keyword}/${index}: removed`],
  );
}
