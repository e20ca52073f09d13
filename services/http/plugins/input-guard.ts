import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isUnstorable, unstorablePaths } from '../../shared/storable-text.ts';
import { HttpProblem } from '../problem.ts';

/**
 * Input no route may see, refused once for every route before its own validation:
 * - text PostgreSQL cannot store (U+0000, lone surrogates) in a path parameter, the query string or
 *   a JSON body, keys included → 400 `UNSUPPORTED_CHARACTER` with the path of each place. XML lots
 *   are checked by their reader on the decoded text (XML forbids these characters: `XML_MALFORMED`);
 * - numbers the query-string coercion turns into `Infinity` (`?limit=1e309`: ajv coerces the text,
 *   then skips `maximum` for a non-finite number) → 400 `INVALID_PARAMETER`.
 */
async function inputGuardPlugin(app: FastifyInstance) {
  app.addHook('preValidation', async (request: FastifyRequest) => {
    const body = parsedBody(request.body);
    for (const [part, value] of [
      ['path', request.params],
      ['query string', request.query],
      ['body', body],
    ] as const) {
      const paths = unstorablePaths(value);
      if (paths.length > 0) {
        throw new HttpProblem(
          'UNSUPPORTED_CHARACTER',
          `The request's ${part} holds a character the registry cannot store (U+0000 or a lone UTF-16 surrogate): remove it.`,
          { errors: paths.map((path) => ({ path, message: 'holds U+0000 or a lone surrogate' })) },
        );
      }
    }
  });

  app.addHook('preHandler', async (request: FastifyRequest) => {
    for (const [part, value] of [
      ['path', request.params],
      ['query string', request.query],
    ] as const) {
      const paths = nonFinitePaths(value);
      if (paths.length > 0) {
        throw new HttpProblem('INVALID_PARAMETER', `The request's ${part} does not match its schema.`, {
          errors: paths.map((path) => ({ path, message: 'must be a finite number within its bounds' })),
        });
      }
    }
  });
}

/**
 * What to scan of a body: contract connectors keep the text beside the parsed value (`{ text, value }`,
 * see connectors/shared/json-body.ts), other routes get the value itself. The text of a real
 * `JsonBody` is decoded UTF-8 whose escapes are still escapes: it can only hold an offending character
 * when a client's own object merely looks like one, and then it is reported too. Buffers (XML lots)
 * are skipped by the walk.
 */
function parsedBody(body: unknown): unknown {
  if (typeof body === 'object' && body !== null && 'text' in body && 'value' in body) {
    return typeof body.text === 'string' && isUnstorable(body.text) ? body : body.value;
  }
  return body;
}

/** Path parameters and query strings are flat: their values are scalars or arrays of scalars. */
function nonFinitePaths(values: unknown): string[] {
  if (typeof values !== 'object' || values === null) return [];
  const paths: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    const items = Array.isArray(value) ? value : [value];
    if (items.some((item) => typeof item === 'number' && !Number.isFinite(item))) paths.push(`/${key}`);
  }
  return paths;
}

export default fp(inputGuardPlugin, { name: 'sne-input-guard' });
