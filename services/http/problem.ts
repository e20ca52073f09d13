/**
 * RFC 9457 problem details. Route handlers throw an `HttpProblem`; the error handler of the app
 * turns it (and Fastify's own errors) into an `application/problem+json` reply.
 */
export interface ProblemFieldError {
  path: string;
  message: string;
  code?: string;
}

export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  readonly status: number;
  readonly code: string;
  readonly errors: ProblemFieldError[] | undefined;
  readonly extra: Record<string, unknown> | undefined;

  constructor(
    status: number,
    code: string,
    detail: string,
    options: { errors?: ProblemFieldError[]; extra?: Record<string, unknown> } = {},
  ) {
    super(detail);
    this.status = status;
    this.code = code;
    this.errors = options.errors;
    this.extra = options.extra;
  }
}
