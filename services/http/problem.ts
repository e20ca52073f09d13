import { PROBLEM_CODES, type ProblemCode } from './problem-codes.ts';

/**
 * RFC 9457 problem details. Route handlers throw an `HttpProblem`; the error plugin
 * (`plugins/errors.ts`) turns it (and Fastify's own errors) into an `application/problem+json` reply.
 */
export interface ProblemFieldError {
  path: string;
  message: string;
  code?: string;
}

export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  readonly status: number;
  readonly code: ProblemCode;
  readonly errors: ProblemFieldError[] | undefined;
  readonly extra: Record<string, unknown> | undefined;

  /** `detail` says what happened and how to fix it; the status comes from the code's registry entry. */
  constructor(
    code: ProblemCode,
    detail: string,
    options: { errors?: ProblemFieldError[]; extra?: Record<string, unknown> } = {},
  ) {
    super(detail);
    this.status = PROBLEM_CODES[code].status;
    this.code = code;
    this.errors = options.errors;
    this.extra = options.extra;
  }
}
