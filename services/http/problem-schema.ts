import { PROBLEM_CODE_NAMES } from './problem-codes.ts';

/**
 * The RFC 9457 problem body every error reply carries (see plugins/errors.ts), as a response schema
 * for routes to declare: it documents the errors in OpenAPI. `additionalProperties` stays open so
 * that the serializer never drops a problem's extra members (`messageId`...).
 */
export const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'RFC 9457 problem details (application/problem+json).',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: {
      type: 'string',
      description: 'Stable, upper-case error code (services/http/problem-codes.ts).',
      enum: PROBLEM_CODE_NAMES,
    },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['path', 'message'],
        properties: {
          path: { type: 'string', description: 'JSON pointer of the faulty field, "" for the whole.' },
          message: { type: 'string' },
          code: { type: 'string' },
        },
      },
    },
    messageId: {
      type: 'string',
      description:
        'For a message refused at reception: the stored rejected message (GET /messages/{messageId}).',
    },
  },
  additionalProperties: true,
} as const;

/** `{ 400: PROBLEM_SCHEMA, 404: PROBLEM_SCHEMA, ... }` for a route's `response`. */
export function problemResponses<S extends number>(...statuses: S[]): Record<S, typeof PROBLEM_SCHEMA> {
  return Object.fromEntries(statuses.map((status) => [status, PROBLEM_SCHEMA])) as Record<
    S,
    typeof PROBLEM_SCHEMA
  >;
}
