import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { safeErrorFields } from '../../db/safe-error.ts';
import {
  isDatabaseShortOfResources,
  isDatabaseUnavailable,
  isTransactionConflict,
} from '../../db/unavailable.ts';
import { HttpProblem, type ProblemFieldError } from '../problem.ts';
import { PROBLEM_CODES, type ProblemCode } from '../problem-codes.ts';

/** Fastify's own errors, by code, as the hub's stable codes. */
const FASTIFY_CODES: Record<string, ProblemCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'MALFORMED_BODY',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_BODY',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_BODY',
};

/**
 * Sends a problem+json reply. Its status is the code's (`problem-codes.ts`), unless `status` says
 * otherwise: only for Fastify's own 4xx errors that have no code of their own here.
 */
export function sendProblem(
  reply: FastifyReply,
  code: ProblemCode,
  detail: string,
  extra: { errors?: ProblemFieldError[] } & Record<string, unknown> = {},
  status: number = PROBLEM_CODES[code].status,
) {
  return reply
    .code(status)
    .type('application/problem+json')
    .send(problemBody(code, detail, extra, status));
}

/** The body of a problem+json reply (`sendProblem`), for a reply sent by other means. */
export function problemBody(
  code: ProblemCode,
  detail: string,
  extra: Record<string, unknown> = {},
  status: number = PROBLEM_CODES[code].status,
) {
  const { title } = PROBLEM_CODES[code];
  return { type: `urn:sne:problem:${code}`, title, status, detail, code, ...extra };
}

/**
 * Every error leaves as RFC 9457 problem+json with a stable code: never a stack trace, never a
 * 500 for bad input.
 */
export interface ErrorsOptions {
  /** The contract versions each connector serves (`{ pgp: ['v1'] }`): an unknown one is named as such. */
  contractVersions?: Record<string, readonly string[]>;
}

async function errorsPlugin(app: FastifyInstance, options: ErrorsOptions) {
  // A request that comes while this process drains (SIGTERM; `return503OnClosing: false`):
  // 503 problem, and the connection closed so that the client's next try goes elsewhere.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (!closing) return;
    reply.header('connection', 'close');
    return sendProblem(
      reply,
      'SERVICE_UNAVAILABLE',
      'This hub process is shutting down: send the request again, another process (or this one restarted) answers it.',
    );
  });
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof HttpProblem) {
      return sendProblem(reply, error.code, error.message, {
        ...(error.errors ? { errors: error.errors } : {}),
        ...error.extra,
      });
    }
    if (error.validation) {
      const errors = error.validation.map((v) => ({ path: pathOf(v), message: v.message ?? 'invalid' }));
      const inBody = error.validationContext === 'body';
      return sendProblem(
        reply,
        inBody ? 'CONTRACT_INVALID' : 'INVALID_PARAMETER',
        `The request's ${error.validationContext ?? 'input'} does not match its schema.`,
        { errors },
      );
    }
    const known = error.code ? FASTIFY_CODES[error.code] : undefined;
    if (known) return sendProblem(reply, known, error.message);
    if (error.statusCode && error.statusCode < 500) {
      return sendProblem(reply, 'BAD_REQUEST', error.message, {}, error.statusCode);
    }
    const { code, detail } = unexpectedProblem(request, error);
    return sendProblem(reply, code, detail);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    // `/connectors/<system>/<version>/…` of a version never published or retired: say which are served.
    const [, system = '', version = ''] = /^\/connectors\/([^/]+)\/([^/]+)/.exec(path) ?? [];
    const served = options.contractVersions?.[system];
    if (served && !served.includes(version)) {
      return sendProblem(
        reply,
        'CONTRACT_VERSION_UNKNOWN',
        `The ${system} contract version ${version} is not served; use ${served.join(' or ')}.`,
      );
    }
    return sendProblem(reply, 'NOT_FOUND', `No route ${request.method} ${path}.`);
  });
}

/**
 * The problem for an error no route turned into one, logged first (never whole: a PostgreSQL
 * error's detail and parameters may hold personal data). PostgreSQL down or restarting, short of a
 * resource, or a transaction rolled back in favour of another: 503, the client may retry (a route
 * that commits in steps, such as a bulk replay, says what it committed: an `HttpProblem` of its
 * own). Anything else: 500. `more` ends the detail (what was not done).
 */
export function unexpectedProblem(
  request: Pick<FastifyRequest, 'log'>,
  error: unknown,
  more = '',
): { code: 'SERVICE_UNAVAILABLE' | 'INTERNAL_ERROR'; detail: string } {
  request.log.error({ err: safeErrorFields(error) }, 'request failed');
  const unavailable = databaseUnavailability(error);
  return unavailable
    ? { code: 'SERVICE_UNAVAILABLE', detail: `${unavailable}${more} Retry later.` }
    : { code: 'INTERNAL_ERROR', detail: `An unexpected error occurred; it has been logged.${more}` };
}

/**
 * Why the database could not do the request, for a 503 that a retry may cure; `undefined` for any
 * other error. The failing transaction rolled back: for a route that commits once (the intake
 * included), nothing of the request was stored.
 */
export function databaseUnavailability(error: unknown): string | undefined {
  if (isDatabaseUnavailable(error))
    return 'The hub cannot reach its database right now; what the request had not committed was rolled back.';
  if (isDatabaseShortOfResources(error)) {
    return "The hub's database is short of a resource right now (its lock table, connections or disk); what the request had not committed was rolled back.";
  }
  if (isTransactionConflict(error)) {
    return 'The request met another one changing the same rows (a deadlock or a serialization failure); what it had not committed was rolled back.';
  }
  return undefined;
}

export default fp(errorsPlugin, { name: 'sne-errors' });

/**
 * The JSON pointer a validation error is about: the field that is missing or that the schema does
 * not know (ajv names those in `params`, not in `instancePath`), else the value that is wrong.
 */
function pathOf(error: NonNullable<FastifyError['validation']>[number]): string {
  const { missingProperty, additionalProperty } = error.params as {
    missingProperty?: string;
    additionalProperty?: string;
  };
  const field = missingProperty ?? additionalProperty;
  return field === undefined ? error.instancePath : `${error.instancePath}/${field}`;
}
