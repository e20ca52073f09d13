import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { todayInParis } from '../../../services/core/dates.ts';
import { HttpProblem } from '../../../services/http/problem.ts';
import type { ImportMode } from '../../../services/pipeline/parc-import.ts';
import { importFile } from './import-file.ts';
import { IMPORT_BODY, IMPORT_PARAMS, IMPORT_QUERY, IMPORT_RESPONSES, STATUS_RESPONSES } from './schemas.ts';
import { csvCharset, csvLines } from './transport.ts';

const PREFIX = '/connectors/rpls/v1';
/** Longest line, bytes: ten fields of at most 1 KiB fit. */
const MAX_LINE_BYTES = 16 * 1024;

/**
 * RPLS contract v1 (interfaces.md §8): the registry of social logements imports the parc as CSV, of
 * at most `SNE_RPLS_MAX_BYTES`.
 */
export async function rplsV1Routes(app: FastifyInstance): Promise<void> {
  const maxBytes = app.config.rplsMaxBytes;
  // The body is never buffered: the route reads the request stream itself. Every media type gets
  // here, so that a wrong one is a 415 from the route rather than a parse error.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.post<{ Querystring: { mode: ImportMode } }>(
    `${PREFIX}/imports`,
    {
      config: { roles: ['rpls'], background: true },
      schema: {
        summary: 'Import the parc of logements (CSV)',
        description:
          `Streams a CSV file of at most ${maxBytes} bytes into an import. Each bad row is rejected with its ` +
          'line number and the import goes on; 202 { importId } once the file is stored (the merge into the ' +
          'parc follows: GET the import). A bad header or separator refuses the file (400 CSV_HEADER_INVALID); ' +
          'past the rejection limit reading stops and the import fails, nothing of it kept: still 202 { importId }, ' +
          'and GET shows it failed with failure TOO_MANY_REJECTED and its first errors by line.',
        querystring: IMPORT_QUERY,
        body: IMPORT_BODY,
        response: IMPORT_RESPONSES,
      },
    },
    async (request, reply) => {
      const charset = csvCharset(request.headers['content-type']);
      const declared = Number(request.headers['content-length']);
      if (declared > maxBytes) {
        throw new HttpProblem('PAYLOAD_TOO_LARGE', `The file is larger than ${maxBytes} bytes.`);
      }
      const body = request.body as Readable | undefined;
      // Not destroyed when the import stops early: the reply (413, or the 202 of an import failed past
      // the rejection limit) must still reach the sender.
      const source = body ? body.iterator({ destroyOnReturn: false }) : emptyBody();
      const importId = await importFile(app.parcImports, {
        actor: request.actor,
        mode: request.query.mode,
        lines: csvLines(source, { charset, maxBytes, maxLineBytes: MAX_LINE_BYTES }),
        thisYear: Number(todayInParis().slice(0, 4)),
        giveWay: () => app.foreground.giveWay(),
      });
      return reply.code(202).send({ importId });
    },
  );

  app.get<{ Params: { importId: string } }>(
    `${PREFIX}/imports/:importId`,
    {
      config: { roles: ['rpls', 'operator'] },
      schema: {
        summary: 'Follow an RPLS import',
        description:
          'Counts, the first 100 row errors by line, and the status. The rpls client that sent the file ' +
          'and operators may read it; for others it does not exist (404).',
        params: IMPORT_PARAMS,
        response: STATUS_RESPONSES,
      },
    },
    async (request) => {
      const status = await app.parcImports.status(request.params.importId);
      if (!status || (request.actor.role === 'rpls' && status.clientId !== request.actor.clientId)) {
        throw new HttpProblem('IMPORT_UNKNOWN', `No import ${request.params.importId}.`);
      }
      return status;
    },
  );
}

async function* emptyBody(): AsyncGenerator<Buffer> {}
