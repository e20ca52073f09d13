import { BIGINT_CURSOR_PATTERN } from '../../http/pagination.ts';
import { MESSAGE_STATUSES } from '../../pipeline/inbound.ts';

/** JSON schemas of the operators' message routes (GET/POST /ops/messages..., GET /ops/jobs/{jobId}). */

/**
 * These properties and no other: a misspelt filter (`errorcode`) is a 400, never dropped, or a bulk
 * replay would replay every failed message (the validator keeps what it refuses: edge-options.ts).
 */
export function closed<P extends Record<string, unknown>>(properties: P) {
  return { additionalProperties: false, properties } as const;
}

/** The filter fields, shared by the list's query string and the bulk replay's body. */
const FILTER_PROPERTIES = {
  status: { enum: MESSAGE_STATUSES },
  system: {
    type: 'string',
    pattern: '^[a-z0-9-]{1,32}$',
    description: 'Connector: spt, pgp, dalo, contingent.',
  },
  type: { type: 'string', pattern: '^[a-z0-9-]{1,64}$', description: 'Message type in its contract.' },
  client: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,63}$', description: 'The sending client id.' },
  errorCode: { type: 'string', pattern: '^[A-Z][A-Z0-9_]{0,63}$', description: 'Code of the current error.' },
  from: {
    type: 'string',
    format: 'date-time',
    description: 'Last status change at or after this time (when it failed, was applied, replayed...).',
  },
  to: { type: 'string', format: 'date-time', description: 'Last status change before this time.' },
  receivedSince: { type: 'string', format: 'date-time', description: 'Received at or after this time.' },
  receivedUntil: { type: 'string', format: 'date-time', description: 'Received before this time.' },
} as const;

export const LIST_QUERY = {
  type: 'object',
  ...closed({
    ...FILTER_PROPERTIES,
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    cursor: {
      type: 'string',
      pattern: BIGINT_CURSOR_PATTERN,
      description: 'The `next` of the previous page.',
    },
  }),
} as const;

const ERROR = {
  type: 'object',
  required: ['code', 'message'],
  properties: { code: { type: 'string' }, message: { type: 'string' } },
} as const;

export const MESSAGE_ITEM = {
  type: 'object',
  required: [
    'messageId',
    'id',
    'client',
    'system',
    'version',
    'type',
    'status',
    'receivedAt',
    'updatedAt',
    'attempts',
    'revision',
  ],
  properties: {
    messageId: { type: 'string', format: 'uuid' },
    id: { type: 'string', description: "The sender's own id." },
    client: { type: 'string' },
    system: { type: 'string' },
    version: { type: 'string' },
    type: { type: 'string' },
    status: { enum: MESSAGE_STATUSES },
    lotId: { type: 'string', format: 'uuid' },
    receivedAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time', description: 'Last status change.' },
    appliedAt: { type: 'string', format: 'date-time' },
    result: { type: 'object', properties: { numeroUnique: { type: 'string' } } },
    error: ERROR,
    attempts: { type: 'integer' },
    revision: { type: 'integer', description: 'Revision in force; 0 = as received.' },
  },
} as const;

const AUDIT_LINE = {
  type: 'object',
  required: ['id', 'at', 'actor', 'action'],
  properties: {
    id: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
    actor: { type: 'string', description: 'Client id of who acted; `@admin` for the administrator.' },
    action: { type: 'string' },
    target: { type: 'string' },
    reason: { type: 'string' },
    details: { type: 'object', additionalProperties: true },
  },
} as const;

export { AUDIT_LINE };

export const MESSAGE_DETAIL = {
  type: 'object',
  required: [...MESSAGE_ITEM.required, 'raw', 'attemptsLog', 'revisions', 'audit'],
  properties: {
    ...MESSAGE_ITEM.properties,
    error: {
      ...ERROR,
      properties: {
        ...ERROR.properties,
        details: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
    raw: {
      type: 'string',
      description:
        'The message exactly as received, decoded text; for an XML lot, its own element. Empty once the ' +
        'retention purge erased its personal data (donneesPurgeesLe).',
    },
    donneesPurgeesLe: {
      type: 'string',
      format: 'date',
      description:
        'When the retention purge erased its personal data: its raw text is empty and its canonical command ' +
        'has lost its personal keys. A failed or rejected message purged is replayed only with a corrected payload.',
    },
    canonical: {
      type: 'object',
      additionalProperties: true,
      description: 'Its canonical command as received (absent when it broke its contract).',
    },
    errors: {
      type: 'array',
      description: 'Contract errors of a rejected message.',
      items: {
        type: 'object',
        properties: { code: { type: 'string' }, path: { type: 'string' }, message: { type: 'string' } },
      },
    },
    attemptsLog: {
      type: 'array',
      items: {
        type: 'object',
        required: ['attempt', 'at', 'outcome'],
        properties: {
          attempt: { type: 'integer' },
          at: { type: 'string', format: 'date-time' },
          outcome: {
            enum: ['applied', 'failed', 'error', 'already-applied'],
            description:
              'applied, failed (a business rule), error (transient, retried), already-applied (a forced replay found its effect).',
          },
          error: ERROR,
        },
      },
    },
    revisions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['revision', 'raw', 'canonical', 'actor', 'reason', 'createdAt'],
        properties: {
          revision: { type: 'integer' },
          raw: { type: 'string' },
          canonical: { type: 'object', additionalProperties: true },
          actor: { type: 'string' },
          reason: { type: 'string' },
          createdAt: { type: 'string', format: 'date-time' },
        },
      },
    },
    audit: { type: 'array', items: AUDIT_LINE },
  },
} as const;

export const MESSAGE_ID_PARAMS = {
  type: 'object',
  required: ['messageId'],
  properties: { messageId: { type: 'string', format: 'uuid' } },
} as const;

const REASON = {
  type: 'string',
  minLength: 1,
  maxLength: 1000,
  description: 'Why: kept in the audit log.',
} as const;

export const REPLAY_BODY = {
  type: 'object',
  required: ['reason'],
  ...closed({
    reason: REASON,
    payload: {
      type: 'string',
      minLength: 1,
      maxLength: 1_048_576,
      description:
        'A corrected message of the same system, version, type and id: the XML element alone, or the JSON body.',
    },
    force: { type: 'boolean', default: false, description: 'Needed to replay an applied message.' },
  }),
} as const;

export const DISCARD_BODY = {
  type: 'object',
  required: ['reason'],
  ...closed({ reason: REASON }),
} as const;

export const BULK_REPLAY_BODY = {
  type: 'object',
  required: ['filter', 'reason'],
  ...closed({
    filter: {
      type: 'object',
      ...closed({
        ...FILTER_PROPERTIES,
        status: {
          enum: ['failed', 'rejected'],
          default: 'failed',
          description:
            'Failed messages (the default), or rejected ones: each read again by its connector, replayed if it now passes.',
        },
      }),
    },
    reason: REASON,
    dryRun: { type: 'boolean', default: false },
  }),
} as const;

export const BULK_REPLAY_REPLY = {
  type: 'object',
  required: ['matched', 'replayed'],
  properties: {
    matched: { type: 'integer', description: 'Messages of the status asked for matching the filter.' },
    replayed: { type: 'integer', description: 'Handed back to the queue (0 for a dry run).' },
    sample: { type: 'array', items: MESSAGE_ITEM, description: 'Dry run: the first ones, oldest first.' },
  },
} as const;

export const OPS_JOB = {
  type: 'object',
  required: [
    'jobId',
    'kind',
    'status',
    'actor',
    'reason',
    'filter',
    'matched',
    'replayed',
    'createdAt',
    'updatedAt',
  ],
  properties: {
    jobId: { type: 'string', format: 'uuid' },
    kind: { type: 'string', description: '`message-replay`.' },
    status: { enum: ['running', 'completed', 'failed'] },
    actor: { type: 'string' },
    reason: { type: 'string' },
    filter: { type: 'object', additionalProperties: true },
    matched: { type: 'integer' },
    replayed: { type: 'integer', description: 'Progress: messages handed back to the queue so far.' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: 'string', format: 'date-time' },
    error: { type: 'string' },
  },
} as const;
