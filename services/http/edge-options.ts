import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Ajv } from 'ajv';
import type { FastifyError, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { hasStorableOffset, isBusinessDate } from '../shared/business-date.ts';
import { isUuid } from '../shared/uuid-v7.ts';
import { sendProblem } from './plugins/errors.ts';
import { PROBLEM_CODES, type ProblemCode } from './problem-codes.ts';

/**
 * Fastify server options for what happens before any route or plugin sees a request: errors the
 * router and the HTTP parser produce answer RFC 9457 problem+json with a stable code like every
 * other error (Fastify's defaults write their own JSON), and every `format: date` of a route schema
 * is a business date. Spread into `Fastify({...})` by `buildApp`.
 */
export const EDGE_SERVER_OPTIONS = {
  frameworkErrors,
  clientErrorHandler,
  // While the server closes, Fastify answers its own 503 (`{"error":"Service Unavailable"}`, no
  // code): instead the request goes on to the errors plugin's hook, which answers a problem.
  return503OnClosing: false,
  ajv: {
    // Fastify's ajv strips what `additionalProperties: false` forbids: a misspelt field or filter
    // (`clientt`, `webhok`, `stauts`) vanished silently, and a bulk replay's filter widened. Here it
    // is a 400 naming it, as the API document (which says `additionalProperties: false`) promises.
    customOptions: { removeAdditional: false },
    // After ajv-formats: the same dates as the contracts (1900-01-01..2099-12-31, real days), so that
    // `asOf: 0000-01-01` or `from=0000-01-01T00:00:00Z` is a 400 rather than a PostgreSQL error; and
    // uuids without ajv-formats' `urn:uuid:` prefix, and date-times whose UTC offset is beyond ±15:59
    // (RFC 3339 allows ±23:59): PostgreSQL refuses both.
    onCreate: (ajv: Ajv) => {
      const dateTime = ajv.formats['date-time'];
      ajv.addFormat('date', isBusinessDate);
      ajv.addFormat('uuid', isUuid);
      ajv.addFormat(
        'date-time',
        (value: string) =>
          passes(dateTime, value) && isBusinessDate(value.slice(0, 10)) && hasStorableOffset(value),
      );
    },
  },
} satisfies Pick<FastifyServerOptions, 'frameworkErrors' | 'clientErrorHandler'> & Record<string, unknown>;

/** Whether `value` satisfies a format as ajv-formats defined it (a pattern, a function or both). */
function passes(format: Ajv['formats'][string], value: string): boolean {
  if (format instanceof RegExp) return format.test(value);
  if (typeof format === 'function') return format(value) === true;
  if (typeof format === 'object' && format !== null && 'validate' in format) {
    return passes(format.validate as Ajv['formats'][string], value);
  }
  return true;
}

/** Router errors, by Fastify code: what the hub answers instead. */
const ROUTER_ERRORS: Record<string, { code: ProblemCode; detail: string }> = {
  FST_ERR_BAD_URL: {
    code: 'MALFORMED_URL',
    detail: 'The path holds a malformed percent-encoding (not UTF-8 once decoded): encode it again.',
  },
  FST_ERR_MAX_PARAM_LENGTH: {
    code: 'PARAMETER_TOO_LONG',
    detail: 'A path parameter exceeds 100 characters: no identifier of the hub is that long.',
  },
};

/** Errors of the router, before a route is found (malformed percent-encoding, overlong parameter). */
function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const known = ROUTER_ERRORS[error.code];
  if (known) {
    sendProblem(reply, known.code, known.detail);
    return;
  }
  if (error.statusCode && error.statusCode < 500) {
    sendProblem(reply, 'BAD_REQUEST', 'The request could not be routed.', {}, error.statusCode);
    return;
  }
  sendProblem(reply, 'INTERNAL_ERROR', 'An unexpected error occurred; it has been logged.');
}

/** Errors of Node's HTTP parser, by its code: the request never became a Fastify request. */
const CLIENT_ERRORS: Record<string, { code: ProblemCode; detail: string }> = {
  HPE_HEADER_OVERFLOW: {
    code: 'HEADERS_TOO_LARGE',
    detail: 'The request line and headers exceed 16 KiB: shorten the URL or the headers.',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    code: 'REQUEST_TIMEOUT',
    detail: 'The request was not received in time.',
  },
};

/**
 * The HTTP server's `clientError`: a request Node could not parse (headers too large, bad syntax,
 * timeout). There is no reply object yet, so the problem is written on the socket, then closed.
 */
function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { code, detail }: { code: ProblemCode; detail: string } = CLIENT_ERRORS[error.code ?? ''] ?? {
    code: 'MALFORMED_REQUEST',
    detail: 'The request is not valid HTTP/1.1.',
  };
  const { status, title } = PROBLEM_CODES[code];
  const body = JSON.stringify({
    type: `urn:sne:problem:${code}`,
    title,
    status,
    detail,
    code,
  });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
