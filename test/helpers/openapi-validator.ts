import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';

interface Operation {
  method: string;
  /** The document's path template, `/sne/demandes/{numeroUnique}`. */
  path: string;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

/** A reply as a hook sees it; `body` undefined when it is a stream or bytes (not checked). */
export interface SeenReply {
  statusCode: number;
  contentType: string | number | string[] | undefined;
  body: string | undefined;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { responses: Operation['responses'] }>>;
}

/**
 * Checks real replies against the hub's own OpenAPI document, as a validating proxy would: the
 * operation exists, the status is documented, the media type is one the status documents, and the
 * body matches that media type's schema. Any integration test can use it on its replies
 * (`validator.problems(method, url, reply)`), or inject through it (`validator.inject(...)`, which
 * fails the test on a mismatch); `covered()` says which operations were seen.
 */
export class OpenApiValidator {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  private readonly operations: (Operation & { pattern: RegExp; params: number })[];
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly seen = new Set<string>();

  private constructor(
    private readonly app: FastifyInstance,
    readonly document: OpenApiDocument,
  ) {
    addFormats.default(this.ajv);
    // Local $refs of the response schemas resolve inside the document itself.
    this.ajv.addSchema(document as object, 'openapi');
    this.operations = Object.entries(document.paths)
      .flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, operation]) => ({
          method: method.toUpperCase(),
          path,
          responses: operation.responses,
          pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
          params: (path.match(/\{/g) ?? []).length,
        })),
      )
      // A literal segment wins over a parameter: /ops/deliveries/replay is not /ops/deliveries/{id}.
      .sort((a, b) => a.params - b.params);
  }

  /** The validator of the document `app` serves at /openapi.json. */
  static async of(app: FastifyInstance): Promise<OpenApiValidator> {
    const reply = await app.inject({ method: 'GET', url: '/openapi.json' });
    if (reply.statusCode !== 200) throw new Error(`/openapi.json answered ${reply.statusCode}`);
    return new OpenApiValidator(app, reply.json<OpenApiDocument>());
  }

  /** The validator of an app's document, from the app itself (no request: usable inside hooks). */
  static ofApp(app: FastifyInstance): OpenApiValidator {
    return new OpenApiValidator(app, JSON.parse(JSON.stringify(app.swagger())) as OpenApiDocument);
  }

  /** Every operation of the document as `METHOD /path/{param}`. */
  operationKeys(): string[] {
    return this.operations.map((operation) => `${operation.method} ${operation.path}`);
  }

  /** The operations a checked reply has answered for so far. */
  covered(): Set<string> {
    return new Set(this.seen);
  }

  /** Whether the document has an operation for this request (hidden routes, /docs..., have none). */
  documents(method: string, url: string): boolean {
    return this.operationOf(method, url) !== undefined;
  }

  private operationOf(method: string, url: string) {
    const path = url.split('?')[0] ?? url;
    return this.operations.find(
      (candidate) => candidate.method === method.toUpperCase() && candidate.pattern.test(path),
    );
  }

  /** What in a reply the document does not describe; empty when it conforms. */
  problems(method: string, url: string, reply: LightMyRequestResponse): string[] {
    return this.problemsOf(method, url, {
      statusCode: reply.statusCode,
      contentType: reply.headers['content-type'],
      body: reply.body,
    });
  }

  /** The same for a reply seen from inside the app (an onSend hook): status, content-type, body text. */
  problemsOf(method: string, url: string, reply: SeenReply): string[] {
    const operation = this.operationOf(method, url);
    if (!operation) return [`${method} ${url.split('?')[0]}: no operation in the document`];
    const key = `${operation.method} ${operation.path}`;
    this.seen.add(key);
    const status = String(reply.statusCode);
    const response = operation.responses[status] ?? operation.responses[`${status[0]}XX`];
    if (!response) return [`${key}: status ${status} is not documented`];
    const mediaType = String(reply.contentType ?? '')
      .split(';')[0]
      ?.trim();
    if (!response.content) {
      return reply.body === '' ? [] : [`${key} ${status}: a body where the document says none`];
    }
    if (!mediaType) return [`${key} ${status}: no content-type`];
    const media = response.content[mediaType];
    if (!media) {
      return [`${key} ${status}: ${mediaType} is not one of ${Object.keys(response.content).join(', ')}`];
    }
    if (!mediaType.endsWith('json') || reply.body === undefined) return [];
    const pointer = ['paths', operation.path, operation.method.toLowerCase(), 'responses', status]
      .concat(['content', mediaType, 'schema'])
      .map((segment) => segment.replaceAll('~', '~0').replaceAll('/', '~1'))
      .join('/');
    let validate = this.compiled.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `openapi#/${pointer}` });
      this.compiled.set(pointer, validate);
    }
    let body: unknown;
    try {
      body = JSON.parse(reply.body);
    } catch {
      return [`${key} ${status}: the body is not JSON`];
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map(
      (error) => `${key} ${status}: body${error.instancePath} ${error.message ?? 'invalid'}`,
    );
  }

  /** `app.inject` that throws when the reply does not conform to the document. */
  async inject(options: InjectOptions & { method: string; url: string }): Promise<LightMyRequestResponse> {
    const reply = await this.app.inject(options);
    const problems = this.problems(options.method, options.url, reply);
    if (problems.length > 0) throw new Error(`${problems.join('\n')}\n${reply.body.slice(0, 500)}`);
    return reply;
  }
}
