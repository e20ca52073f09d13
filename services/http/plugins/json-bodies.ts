import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonBodyText } from '../text-encoding.ts';

/**
 * The JSON bodies of every route outside the connectors (administration, operators' replays and
 * sweeps...): Fastify's own parser decodes the bytes as UTF-8 with U+FFFD in place of what is not,
 * whatever the charset says, so a client named in Latin-1 was created with a garbled name. Here the
 * bytes are decoded strictly first (`jsonBodyText`: 415 `ENCODING_UNSUPPORTED`, 400
 * `ENCODING_INVALID`), then parsed by Fastify's own parser, with its prototype-poisoning rules.
 * The JSON connectors keep their own parser (connectors/shared/json-body.ts), on the same decoding.
 */
async function jsonBodiesPlugin(app: FastifyInstance) {
  const { onProtoPoisoning = 'error', onConstructorPoisoning = 'error' } = app.initialConfig;
  const parse = app.getDefaultJsonParser(onProtoPoisoning, onConstructorPoisoning);
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser<Buffer>('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = jsonBodyText(body, request.headers['content-type']);
    } catch (error) {
      done(error as Error, undefined);
      return;
    }
    return parse(request, text, done);
  });
}

export default fp(jsonBodiesPlugin, { name: 'sne-json-bodies' });
