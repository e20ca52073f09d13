import { readdirSync, readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { EVENT_NAMES, type EventName } from '../core/demande.ts';
import type { CloudEvent } from './events.ts';

// ajv-formats is CommonJS with `exports.default`: under NodeNext the default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const DIRECTORY = new URL('../../contracts/events/v1/', import.meta.url);

export type JsonSchema = Record<string, unknown>;

/** The published event contracts (`contracts/events/v1`): the envelope, the shared part, each type's data. */
export interface EventContracts {
  envelope: JsonSchema;
  common: JsonSchema;
  data: Record<EventName, JsonSchema>;
  /** Validates an event, envelope and data; returns the problems (none when valid). */
  check(event: CloudEvent): string[];
}

function load(name: string): JsonSchema {
  return JSON.parse(readFileSync(new URL(name, DIRECTORY), 'utf8')) as JsonSchema;
}

let cached: EventContracts | undefined;

export function eventContracts(): EventContracts {
  if (cached) return cached;
  const files = new Set(readdirSync(DIRECTORY));
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const envelope = load('cloudevent.schema.json');
  const common = load('common.schema.json');
  ajv.addSchema(common);
  const checkEnvelope = ajv.compile(envelope);
  const data = {} as Record<EventName, JsonSchema>;
  const checkData = new Map<string, ValidateFunction>();
  for (const name of EVENT_NAMES) {
    const file = `${name}.schema.json`;
    if (!files.has(file)) throw new Error(`contracts/events/v1/${file} is missing`);
    data[name] = load(file);
    checkData.set(`fr.sne.${name}.v1`, ajv.compile(data[name]));
  }
  const problems = (validate: ValidateFunction, where: string) =>
    (validate.errors ?? []).map((e) => `${where}${e.instancePath} ${e.message}`);
  cached = {
    envelope,
    common,
    data,
    check(event) {
      if (!checkEnvelope(event)) return problems(checkEnvelope, '');
      const validate = checkData.get(event.type);
      if (!validate) return [`/type ${event.type} has no data schema`];
      return validate(event.data) ? [] : problems(validate, '/data');
    },
  };
  return cached;
}

/**
 * A contract schema made self-contained for a document (OpenAPI, AsyncAPI, a route's reply):
 * without `$schema`/`$id`, its references to the shared part rewritten to `refBase` + name.
 */
export function embeddable(schema: JsonSchema, refBase: string): JsonSchema {
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$schema' || key === '$id') continue;
      out[key] =
        key === '$ref' && typeof inner === 'string'
          ? inner.replace(/^(urn:sne:events:v1:common)?#\/definitions\//, refBase)
          : rewrite(inner);
    }
    return out;
  };
  return rewrite(schema) as JsonSchema;
}

/** Every example of `contracts/events/v1/examples` checked against its contract (the registry test). */
export function checkEventExamples(): {
  file: string;
  type: string;
  errors: { code: string; message: string }[];
}[] {
  const examples = new URL('examples/', DIRECTORY);
  return readdirSync(examples)
    .filter((file) => file.endsWith('.json'))
    .map((file) => {
      const event = JSON.parse(readFileSync(new URL(file, examples), 'utf8')) as CloudEvent;
      const problems = eventContracts().check(event);
      return {
        file,
        type: event.type,
        errors: problems.map((message) => ({ code: 'CONTRACT_INVALID', message })),
      };
    });
}
