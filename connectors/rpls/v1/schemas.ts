import { problemResponses } from '../../../services/http/problem-schema.ts';
import { COLUMNS } from './header.ts';

export const IMPORT_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    mode: {
      enum: ['upsert', 'snapshot'],
      default: 'upsert',
      description:
        "upsert: insert or update the file's logements. snapshot: also mark sorti the logements of the " +
        "file's bailleurs (SIREN of its valid rows) that the file does not list.",
    },
  },
} as const;

/** The body: validated by the transport as it streams, not by a JSON schema; this documents it. */
export const IMPORT_BODY = {
  content: {
    'text/csv': {
      schema: {
        description:
          `CSV, UTF-8 (default) or ISO-8859-1 as the charset parameter says, separator ";", one header line ` +
          `naming these columns in any order (others are ignored): ${COLUMNS.join(';')}. Each data row ` +
          'is contracts/rpls/v1/logement.schema.json once read.',
      },
    },
  },
} as const;

export const IMPORT_ACCEPTED = {
  type: 'object',
  required: ['importId'],
  properties: { importId: { type: 'string', format: 'uuid' } },
} as const;

export const IMPORT_PARAMS = {
  type: 'object',
  required: ['importId'],
  properties: { importId: { type: 'string', format: 'uuid' } },
} as const;

const count = (description: string) => ({ type: 'integer', minimum: 0, description }) as const;

export const IMPORT_STATUS = {
  type: 'object',
  required: [
    'importId',
    'mode',
    'status',
    'rowsRead',
    'inserted',
    'updated',
    'unchanged',
    'rejected',
    'sortis',
    'errors',
    'startedAt',
    'finishedAt',
  ],
  properties: {
    importId: { type: 'string', format: 'uuid' },
    mode: { enum: ['upsert', 'snapshot'] },
    status: {
      enum: ['running', 'completed', 'failed'],
      description: 'running until the merge into the parc committed; failed keeps nothing of the file.',
    },
    rowsRead: count('Data rows of the file (the header and empty lines are not counted).'),
    inserted: count('Logements new to the parc.'),
    updated: count('Logements changed (a logement sorti listed again comes back en-parc).'),
    unchanged: count('Logements listed exactly as the parc holds them.'),
    rejected: count('Rows rejected (see errors).'),
    sortis: count('Logements marked sorti by a snapshot.'),
    errors: {
      type: 'array',
      description: 'The first 100 errors by line.',
      items: {
        type: 'object',
        required: ['line', 'code', 'message'],
        properties: {
          line: { type: 'integer', description: 'Line in the file; the header is line 1.' },
          code: {
            type: 'string',
            description:
              'CONTRACT_INVALID, COMMUNE_INCONNUE, DUPLICATE_IDENTIFIANT, CSV_FIELD_COUNT, CSV_QUOTE_UNTERMINATED, ' +
              'CSV_QUOTE_INVALID, CSV_FIELD_TOO_LONG, CSV_LINE_TOO_LONG, CSV_ENCODING_INVALID',
          },
          message: { type: 'string' },
        },
      },
    },
    failure: {
      type: 'string',
      description:
        'Why a failed import failed: TOO_MANY_REJECTED (more rows were rejected than SNE_RPLS_MAX_REJECTED ' +
        'allows; errors lists the first of them, reading stopped there), MERGE_FAILED (the merge into the ' +
        'parc failed past its retries).',
    },
    startedAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

export const IMPORT_RESPONSES = { 202: IMPORT_ACCEPTED, ...problemResponses(400, 403, 413, 415) };
export const STATUS_RESPONSES = { 200: IMPORT_STATUS, ...problemResponses(400, 404) };
