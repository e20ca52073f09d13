import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem, type ProblemFieldError } from '../problem.ts';

/** Fastify's own errors, by code, as the hub's stable codes. */
const FASTIFY_CODES: Record<string, { status: number; code: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'MALFORMED_BODY' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'MALFORMED_BODY' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'MALFORMED_BODY' },
};

export function sendProblem(
  reply: FastifyReply,
  status: number,
  code: string,
  detail: string,
  extra: { errors?: ProblemFieldError[] } & Record<string, unknown> = {},
) {
  return reply
    .code(status)
    .type('application/problem+json')
    .send({ type: `urn:sne:problem:${code}`, title: titleOf(status), status, detail, code, ...extra });
}

function titleOf(status: number): string {
  const titles: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    409: 'Conflict',
    413: 'Content Too Large',
    415: 'Unsupported Media Type',
    429: 'Too Many Requests',
    422: 'Unprocessable Content',
    503: 'Service Unavailable',
  };
  return titles[status] ?? (status >= 500 ? 'Internal Server Error' : 'Error');
}

/**
 * Every error leaves as RFC 9457 problem+json with a stable code: never a stack trace, never a
 * 500 for bad input.
 */
async function errorsPlugin(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof HttpProblem) {
      return sendProblem(reply, error.status, error.code, error.message, {
        ...(error.errors ? { errors: error.errors } : {}),
        ...error.extra,
      });
    }
    if (error.validation) {
      const errors = error.validation.map((v) => ({
        path: v.instancePath || `/${(v.params as { missingProperty?: string }).missingProperty ?? ''}`,
        message: v.message ?? 'invalid',
      }));
      const inBody = error.validationContext === 'body';
      return sendProblem(
        reply,
        400,
        inBody ? 'CONTRACT_INVALID' : 'INVALID_PARAMETER',
        `The request's ${error.validationContext ?? 'input'} does not match its schema.`,
        { errors },
      );
    }
    const known = error.code ? FASTIFY_CODES[error.code] : undefined;
    if (known) return sendProblem(reply, known.status, known.code, error.message);
    if (error.statusCode && error.statusCode < 500) {
      return sendProblem(reply, error.statusCode, error.code ?? 'BAD_REQUEST', error.message);
    }
    request.log.error({ err: error }, 'request failed');
    const unavailable = isUnavailable(error);
    return sendProblem(
      reply,
      unavailable ? 503 : 500,
      unavailable ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_ERROR',
      unavailable
        ? 'The hub cannot reach its database right now; nothing was stored. Retry later.'
        : 'An unexpected error occurred; it has been logged.',
    );
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, 404, 'NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}.`),
  );
}

/** PostgreSQL down or restarting: the client may retry (the message was not stored). */
function isUnavailable(error: Error & { code?: string }): boolean {
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03', '08006', '08001'].includes(
      error.code ?? '',
    ) || /Connection terminated|timeout exceeded when trying to connect/i.test(error.message)
  );
}

export default fp(errorsPlugin, { name: 'sne-errors' });
