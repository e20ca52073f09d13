import { readdirSync, readFileSync } from 'node:fs';
import type { Command } from '../../services/core/commands.ts';
import type { InboundMessage, MessageError } from '../../services/pipeline/inbound.ts';
import { type JsonSchema, loadContract } from './contract.ts';

/** Maps a message valid against its schema (so of the shape `B`) to its canonical command. Pure. */
export type JsonMapper<B> = (body: B) => Command;

/** A JSON contract version whose messages are one JSON object each: `contracts/<system>/<version>/`. */
export interface JsonContractVersion {
  readonly system: string;
  readonly version: string;
  /** The schema of a message type, self-contained, for the route's OpenAPI documentation. */
  documentation(type: string): JsonSchema;
  /** One message, parsed from `raw`: valid with its `command`, or with its `CONTRACT_INVALID` errors. */
  decode(type: string, raw: string, value: unknown): InboundMessage;
  /**
   * Every example of `examples/` decoded, for the contract registry test. An example's file is named
   * after its message type (`decision.json`, `decision-rejet.json`).
   */
  checkExamples(): ExampleCheck[];
}

/** What one contract example gave: its type, and its command or its errors (empty when valid). */
export interface ExampleCheck {
  /** The example's file name, `<type>.json` or `<type>-<variant>.json`. */
  file: string;
  type: string;
  command?: Command;
  errors: MessageError[];
}

/**
 * Loads `contracts/<system>/<version>/<type>.schema.json` for each type of `mappers`, and the shared
 * definitions files named in `options.shared` (none by default: self-contained schemas).
 */
export function loadJsonContract<M extends Record<string, JsonMapper<never>>>(
  directory: URL,
  names: { system: string; version: string },
  mappers: M,
  options: { shared?: readonly string[] } = {},
): JsonContractVersion {
  const types = Object.keys(mappers);
  const contract = loadContract(directory, types, { shared: options.shared ?? [] });

  const decode = (type: string, raw: string, value: unknown): InboundMessage => {
    const errors = contract.validate(type, value);
    const id = senderId(value);
    if (errors.length > 0) return { id, type, raw, errors };
    // Valid against the schema: of the shape the mapper was written for.
    const mapper = mappers[type] as unknown as JsonMapper<unknown>;
    return { id, type, raw, command: mapper(value) };
  };

  return {
    ...names,
    documentation: (type) => contract.documentation(type),
    decode,
    checkExamples() {
      const examples = new URL('examples/', directory);
      return readdirSync(examples)
        .filter((file) => file.endsWith('.json'))
        .sort()
        .map((file) => {
          const type = types.find((t) => file === `${t}.json` || file.startsWith(`${t}-`)) ?? '';
          const raw = readFileSync(new URL(file, examples), 'utf8');
          const { command, errors } = decode(type, raw, JSON.parse(raw));
          return { file, type, errors: errors ?? [], ...(command ? { command } : {}) };
        });
    },
  };
}

/** The sender's id when there is one to read; an invalid one is reported by the schema. */
function senderId(value: unknown): string {
  const id = typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : '';
}
