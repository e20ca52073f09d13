import { PIECE_MEDIA_TYPES, PIECE_TYPES } from '../../../services/core/pieces.ts';
import { problemResponses } from '../../../services/http/problem-schema.ts';
import type { JsonSchema } from '../../shared/contract.ts';
import { SINGLE_MESSAGE_RECEIPT_SCHEMA } from '../../shared/single-message.ts';
import { pgpV1 } from './contract.ts';
import type { PgpV1MessageType } from './messages.ts';

/** The route schemas of the PGP connector: they feed the OpenAPI document. */

const NUMERO_PATTERN = '^[0-9]{2}[0-9AB][0-9]{4}[0-9]{6}[0-9A-Z]{5}$';

export const NUMERO_PARAMS = {
  type: 'object',
  required: ['numeroUnique'],
  properties: {
    numeroUnique: { type: 'string', pattern: NUMERO_PATTERN, description: 'The demande’s numéro unique.' },
  },
} as const;

export const PIECE_PARAMS = {
  type: 'object',
  required: ['pieceId'],
  properties: { pieceId: { type: 'string', format: 'uuid' } },
} as const;

/**
 * The body of a message route as the contract defines it. For the routes of an existing demande
 * the numéro is in the path, so it is left out of the body's documentation.
 */
export function messageBody(type: PgpV1MessageType): JsonSchema {
  const schema = pgpV1.documentation(type);
  if (type === 'demande') return schema;
  const { numeroUnique: _path, ...properties } = schema.properties as Record<string, unknown>;
  return {
    ...schema,
    properties,
    required: (schema.required as string[]).filter((name) => name !== 'numeroUnique'),
    minProperties: Math.max(0, Number(schema.minProperties ?? 1) - 1),
  };
}

/** Responses of a message route: 202 receipt, 400 (contract, JSON), 409 (idempotency), 413. */
export const MESSAGE_RESPONSES = {
  202: SINGLE_MESSAGE_RECEIPT_SCHEMA,
  ...problemResponses(400, 401, 403, 404, 409, 413, 415),
} as const;

const date = { type: 'string', format: 'date' } as const;

/** What a demandeur sees of a demande (services/core/suivi.ts). */
export const SUIVI_SCHEMA = {
  type: 'object',
  required: [
    'numeroUnique',
    'statut',
    'departement',
    'dateDepot',
    'dateEcheance',
    'typologie',
    'communesSouhaitees',
    'preavis',
  ],
  properties: {
    numeroUnique: { type: 'string' },
    statut: { type: 'string', enum: ['active', 'radiee'] },
    departement: { type: 'string' },
    dateDepot: date,
    dateEcheance: { ...date, description: 'The demande must be renewed before this date.' },
    dateRenouvellement: { ...date, description: 'The last renouvellement, if any.' },
    typologie: { type: 'string' },
    communesSouhaitees: { type: 'array', items: { type: 'string' }, description: 'Rank 1 first.' },
    preavis: {
      type: 'array',
      description: 'The préavis of renouvellement sent (one per échéance), oldest first.',
      items: {
        type: 'object',
        required: ['dateEcheance', 'envoyeLe'],
        properties: { dateEcheance: date, envoyeLe: { type: 'string', format: 'date-time' } },
      },
    },
    radiation: {
      type: 'object',
      required: ['motif', 'dateRadiation'],
      properties: {
        motif: { type: 'string' },
        sousMotif: { type: 'string' },
        dateRadiation: date,
      },
    },
  },
} as const;

/** The multipart body of a pièce upload, for the documentation (the handler reads and checks it). */
export const PIECE_UPLOAD_BODY = {
  type: 'object',
  required: ['type', 'file'],
  properties: {
    type: { type: 'string', enum: [...PIECE_TYPES] },
    file: {
      type: 'string',
      format: 'binary',
      description: `PDF, JPEG or PNG, recognised by its content (${PIECE_MEDIA_TYPES.join(', ')}).`,
    },
  },
} as const;

export const PIECE_CREATED_SCHEMA = {
  type: 'object',
  required: ['pieceId', 'sha256', 'size', 'type', 'mediaType'],
  properties: {
    pieceId: { type: 'string', format: 'uuid' },
    sha256: { type: 'string', description: 'SHA-256 of the content, lowercase hex.' },
    size: { type: 'integer', description: 'Bytes.' },
    type: { type: 'string', enum: [...PIECE_TYPES] },
    mediaType: { type: 'string', enum: [...PIECE_MEDIA_TYPES], description: 'As read from the content.' },
  },
} as const;
