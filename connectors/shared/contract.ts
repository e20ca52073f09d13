import { readFileSync } from 'node:fs';
import {
  Ajv2020,
  type ErrorObject,
  type FuncKeywordDefinition,
  type ValidateFunction,
} from 'ajv/dist/2020.js';
import type { DataValidateFunction } from 'ajv/dist/types/index.js';
import addFormatsModule from 'ajv-formats';
import type { MessageError } from '../../services/pipeline/inbound.ts';
import { isBusinessDate, isCalendarDate, OUT_OF_RANGE_MESSAGE } from '../../services/shared/business-date.ts';

// ajv-formats is CommonJS with `exports.default`: under NodeNext the default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/**
 * Most errors listed for one message. Past it, one last error says how many more there were: a
 * message of 60,000 bad communes would otherwise get a receipt, and a stored error, of 20 MB, when
 * its first errors are enough to show the sender what to fix.
 */
export const MAX_MESSAGE_ERRORS = 100;

/** A JSON Schema as read from a contract file. */
export type JsonSchema = { [key: string]: unknown };

/**
 * A contract version's JSON Schemas, compiled once. `x-messages` in a schema gives, by keyword, the
 * message to show instead of ajv's generic one (`minProperties` → "a modification must change at
 * least one field").
 */
export interface Contract {
  /** The message types the contract defines. */
  readonly types: readonly string[];
  /**
   * The contract violations of one message in its JSON form; empty when it is valid. At most
   * `MAX_MESSAGE_ERRORS` of them, then one that says how many more there were (`capErrors`).
   */
  validate(type: string, message: unknown): MessageError[];
  /**
   * The schema of a message type made self-contained for documentation (OpenAPI): references to
   * the shared definitions inlined, `$schema`, `$id` and `x-messages` left out.
   */
  documentation(type: string): JsonSchema;
}

/**
 * Loads `<type>.schema.json` for each type from `directory`, and the shared definitions the
 * schemas refer to (`common.schema.json` by default). Used by every connector whose contract is
 * JSON Schema (SPT validates its XML messages in their JSON form).
 */
export function loadContract(
  directory: URL,
  types: readonly string[],
  options: { shared?: readonly string[] } = {},
): Contract {
  const ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true });
  addFormats(ajv, ['date', 'email']);
  // Every contract's dates are business dates: a real day in a range PostgreSQL and the rules can
  // work with (ajv-formats alone lets 0000-01-01 and 9999-12-31 through).
  ajv.addFormat('date', isBusinessDate);
  ajv.addKeyword({ keyword: 'x-messages', schemaType: 'object' });
  // ajv's own uniqueItems compares every pair of items whose type its schema does not state (a
  // `$ref`): 60,000 communes in one PGP demande held the event loop 9 s, and a 1 MiB body allows
  // twice as many. The same rule in one pass.
  ajv.removeKeyword('uniqueItems');
  ajv.addKeyword(UNIQUE_ITEMS);
  const read = (name: string): JsonSchema =>
    JSON.parse(readFileSync(new URL(`${name}.schema.json`, directory), 'utf8'));
  const files = new Map<string, JsonSchema>();
  for (const name of options.shared ?? ['common']) {
    files.set(`${name}.schema.json`, read(name));
    ajv.addSchema(read(name));
  }
  const schemas = new Map(types.map((type) => [type, read(type)]));
  const validators = new Map<string, ValidateFunction>(
    [...schemas].map(([type, schema]) => [type, ajv.compile(schema)]),
  );

  return {
    types,
    validate(type, message) {
      const validator = validators.get(type);
      if (!validator)
        return [{ code: 'CONTRACT_INVALID', path: '', message: `Unknown message type ${type}.` }];
      // Valid against its schema: of a bounded depth, so the walk for blank names may recurse.
      if (validator(message)) return capErrors(blankNames(message, ''));
      // ajv has no option to stop after some errors (allErrors: false stops at the first, and the
      // sender would learn one fault per attempt): it lists them all, and only the list kept is cut.
      const seen = new Set<string>();
      const errors: MessageError[] = [];
      for (const error of validator.errors ?? []) {
        const found = describe(error);
        const key = `${found.path} ${found.message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        errors.push({ code: 'CONTRACT_INVALID', ...found });
      }
      return capErrors(errors);
    },
    documentation(type) {
      const schema = schemas.get(type);
      if (!schema) throw new Error(`Unknown message type ${type}.`);
      return inlined(schema, schema, files);
    },
  };
}

/** The last error of each list `capErrors` cut, with how many errors it stands for. */
const omittedBy = new WeakMap<MessageError, number>();

/**
 * `errors` cut to their first `MAX_MESSAGE_ERRORS`, and when there were more, one last error that says
 * how many: a contract error of the whole message (path ""), so that it fits every reply and stored
 * error as any other does. A list cut already may be cut again with more errors after it (a version's
 * own checks after its schema's): its last error then counts for the errors it stands for.
 */
export function capErrors(errors: readonly MessageError[]): MessageError[] {
  const kept: MessageError[] = [];
  let omitted = 0;
  for (const error of errors) {
    const standsFor = omittedBy.get(error);
    if (standsFor !== undefined) omitted += standsFor;
    else if (kept.length < MAX_MESSAGE_ERRORS) kept.push(error);
    else omitted++;
  }
  if (omitted === 0) return kept;
  const last: MessageError = {
    code: 'CONTRACT_INVALID',
    path: '',
    message: `${omitted} more ${omitted === 1 ? 'error is' : 'errors are'} not listed: only the first ${MAX_MESSAGE_ERRORS} are`,
  };
  omittedBy.set(last, omitted);
  return [...kept, last];
}

/**
 * JSON Schema's `uniqueItems` in one pass: each item by its JSON text with object keys sorted
 * (equal values give equal texts, whatever their keys' order), kept in a map. Its error carries its
 * schema, as ajv's own errors do with `verbose`, for the schema's `x-messages`.
 */
const UNIQUE_ITEMS: FuncKeywordDefinition = {
  keyword: 'uniqueItems',
  type: 'array',
  schemaType: 'boolean',
  errors: true,
  compile(unique: boolean, parentSchema) {
    const validate: DataValidateFunction = (items: unknown[]) => {
      if (!unique) return true;
      const seen = new Map<string, number>();
      for (const [index, item] of items.entries()) {
        const key = sortedJson(item);
        const first = seen.get(key);
        if (first !== undefined) {
          validate.errors = [
            {
              keyword: 'uniqueItems',
              message: `must NOT have duplicate items (items ## ${index} and ${first} are identical)`,
              params: { i: index, j: first },
              parentSchema,
            },
          ];
          return false;
        }
        seen.set(key, index);
      }
      return true;
    };
    return validate;
  },
};

function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${sortedJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Fields that name a person. */
const NAME_FIELDS = new Set(['nom', 'prenom']);

/**
 * The `nom` and `prenom` texts of spaces only in a message valid against its schema, as contract
 * errors: no doublon check nor search could compare such a name (`minLength: 1` lets "   " through
 * in the JSON contracts; the SPT reader trims texts, so there it is empty and refused already).
 */
function blankNames(value: unknown, path: string): MessageError[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => blankNames(item, `${path}/${i}`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) =>
    NAME_FIELDS.has(key) && typeof child === 'string' && child.trim() === ''
      ? [{ code: 'CONTRACT_INVALID', path: `${path}/${key}`, message: 'must hold a name, not only spaces' }]
      : blankNames(child, `${path}/${key}`),
  );
}

/** A copy of `node` with its `$ref`s replaced by what they point to (in `self` or a shared file). */
function inlined(node: unknown, self: JsonSchema, files: Map<string, JsonSchema>): JsonSchema {
  const walk = (value: unknown, document: JsonSchema): unknown => {
    if (Array.isArray(value)) return value.map((item) => walk(item, document));
    if (typeof value !== 'object' || value === null) return value;
    const object = value as JsonSchema;
    if (typeof object.$ref === 'string') {
      const [file = '', pointer = ''] = object.$ref.split('#');
      const target = file ? files.get(file) : document;
      if (!target) throw new Error(`Unresolved $ref ${object.$ref}.`);
      return walk(resolvePointer(target, pointer), target);
    }
    const copy: JsonSchema = {};
    for (const [key, child] of Object.entries(object)) {
      if (key === '$schema' || key === '$id' || key === 'x-messages' || key === '$defs') continue;
      copy[key] = walk(child, document);
    }
    return copy;
  };
  return walk(node, self) as JsonSchema;
}

function resolvePointer(document: JsonSchema, pointer: string): unknown {
  let node: unknown = document;
  for (const token of pointer.split('/').slice(1)) {
    const key = token.replaceAll('~1', '/').replaceAll('~0', '~');
    node = (node as JsonSchema | undefined)?.[key];
  }
  if (node === undefined) throw new Error(`Unresolved JSON pointer ${pointer}.`);
  return node;
}

/** An ajv error as a JSON pointer to the faulty field and a message an integrator can act on. */
function describe(error: ErrorObject): { path: string; message: string } {
  const custom = (error.parentSchema?.['x-messages'] as Record<string, string> | undefined)?.[error.keyword];
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return {
        path: `${error.instancePath}/${pointerToken(String(params.missingProperty))}`,
        message: custom ?? 'is required',
      };
    case 'additionalProperties':
      return {
        path: `${error.instancePath}/${pointerToken(String(params.additionalProperty))}`,
        message: custom ?? 'is not a field of this message',
      };
    case 'enum':
      return {
        path: error.instancePath,
        message:
          custom ??
          `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'format':
      return {
        path: error.instancePath,
        message:
          custom ??
          (params.format !== 'date'
            ? `must be a valid ${params.format}`
            : typeof error.data === 'string' && isCalendarDate(error.data)
              ? OUT_OF_RANGE_MESSAGE
              : 'must be a real calendar date YYYY-MM-DD'),
      };
    default:
      return { path: error.instancePath, message: custom ?? error.message ?? 'is invalid' };
  }
}

/** JSON pointer escaping (RFC 6901). */
function pointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}
