import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { HttpProblem } from '../../services/http/problem.ts';
import { jsonBodyText } from '../../services/http/text-encoding.ts';
import { isBusinessDate } from '../../services/shared/business-date.ts';
import { isUuid } from '../../services/shared/uuid-v7.ts';

// ajv-formats is CommonJS with `exports.default`: under NodeNext the default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** A JSON request body: the text as received (what operators see as `raw`) and its parsed value. */
export interface JsonBody {
  readonly text: string;
  readonly value: unknown;
}

/** Whether a request's body came through `useContractJsonBodies`' parser. */
export function isJsonBody(body: unknown): body is JsonBody {
  return typeof body === 'object' && body !== null && 'text' in body && 'value' in body;
}

/**
 * Sets up an encapsulated connector for JSON messages validated by their versioned contract:
 * - `application/json` bodies are parsed here keeping their text (`JsonBody`); text that is not JSON
 *   is refused at once (400 `MALFORMED_BODY`: there is no message to keep), and so are bytes that are
 *   not UTF-8 or a charset other than UTF-8 (400 `ENCODING_INVALID`, 415 `ENCODING_UNSUPPORTED`):
 *   a contract-invalid message is stored `rejected` with its text, but an undecodable body has no
 *   text to store, and decoding it anyway would keep a changed message, not the one sent;
 * - body schemas declared on the routes document the contract (OpenAPI) but Fastify does not validate
 *   bodies: an invalid message must reach the intake, to be stored `rejected` for operators, with
 *   the contract's own error messages. Params and query strings are validated as usual.
 */
export function useContractJsonBodies(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser<Buffer>('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      const text = jsonBodyText(body, request.headers['content-type']);
      done(null, { text, value: JSON.parse(text) } satisfies JsonBody);
    } catch (error) {
      const problem =
        error instanceof HttpProblem
          ? error
          : new HttpProblem('MALFORMED_BODY', `The body is not JSON: ${(error as Error).message}`);
      done(problem, undefined);
    }
  });
  // As the app's compiler does for params and query strings (services/http/edge-options.ts): coerce,
  // default, formats, and an unknown parameter is a 400 rather than dropped (a misspelt filter would
  // widen a list).
  const ajv = new Ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: false, allErrors: false });
  addFormats(ajv);
  ajv.addFormat('date', isBusinessDate);
  ajv.addFormat('uuid', isUuid);
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'body' ? () => true : ajv.compile(schema),
  );
}
