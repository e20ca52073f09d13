import type { FastifyInstance } from 'fastify';
import { OpenApiValidator } from './openapi-validator.ts';

/** What a test hub collects about its own replies. */
export interface ReplyConformance {
  /** Each reply that the OpenAPI document does not describe, as the validator words it. */
  readonly problems: string[];
  /** How many replies were checked against the document. */
  readonly checked: number;
  /** Throws with every problem seen, if any. */
  assertNone(): void;
}

/**
 * Checks every reply of `app` against the app's own OpenAPI document as it is sent (an onSend hook,
 * before `ready`): the integration tests then prove the document truthful for every request they
 * make, not only the ones written for it. Replies of hidden routes (/docs, /openapi.json) and of no
 * route (404 of the router) are not in the document and are left alone; streamed bodies are checked
 * for status and media type only.
 */
export function watchReplies(app: FastifyInstance): ReplyConformance {
  const problems: string[] = [];
  let checked = 0;
  let validator: OpenApiValidator | undefined;
  app.addHook('onSend', async (request, reply, payload) => {
    if (!request.routeOptions.url) return payload;
    validator ??= OpenApiValidator.ofApp(app);
    if (!validator.documents(request.method, request.url)) return payload;
    const contentType = reply.getHeader('content-type');
    const body =
      typeof payload === 'string'
        ? payload
        : Buffer.isBuffer(payload) && String(contentType).includes('json')
          ? payload.toString('utf8')
          : payload === null || payload === undefined
            ? ''
            : undefined;
    checked++;
    problems.push(
      ...validator.problemsOf(request.method, request.url, {
        statusCode: reply.statusCode,
        contentType,
        body,
      }),
    );
    return payload;
  });
  return {
    problems,
    get checked() {
      return checked;
    },
    assertNone() {
      if (problems.length > 0) {
        const distinct = [...new Set(problems)];
        throw new Error(
          `replies the OpenAPI document does not describe:\n${distinct.slice(0, 50).join('\n')}`,
        );
      }
    },
  };
}
