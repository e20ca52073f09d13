import type { FastifyInstance } from 'fastify';
import { HttpProblem } from '../../services/http/problem.ts';
import { problemResponses } from '../../services/http/problem-schema.ts';
import { type Connector, type ConnectorOptions, connectorPlugin } from '../shared/connector.ts';
import { LotDecoding } from './lot-decoding.ts';
import { lotLimits, XML_MEDIA_TYPES } from './lot-route.ts';
import { sptReviser } from './reviser.ts';
import { SPT_VERSIONS } from './versions.ts';

/**
 * The SPT connector (interfaces.md §4): guichets' and bailleurs' management software send lots of
 * messages as XML, `POST /connectors/spt/<version>/lots`.
 */
export const spt: Connector = {
  system: 'spt',
  versions: SPT_VERSIONS,
  setup,
  reviser: sptReviser(SPT_VERSIONS),
};

export const sptConnector = connectorPlugin(spt);

async function setup(app: FastifyInstance, options: ConnectorOptions): Promise<void> {
  const { maxBytes } = lotLimits(options);
  // The versions' lot routes decode on threads of their own (`LotDecoding`), opened at the first lot.
  const decoding = new LotDecoding(options.lotDecodeThreads ?? 1, app.log);
  app.decorate('sptLotDecoding', decoding);
  app.addHook('onClose', () => decoding.close());
  // The raw bytes: the encoding is read from the XML declaration, which only the XML layer understands.
  app.addContentTypeParser(
    XML_MEDIA_TYPES,
    { parseAs: 'buffer', bodyLimit: maxBytes },
    (_request, body, done) => done(null, body),
  );

  // A version never published, or retired: say which ones are served rather than a bare 404.
  app.post<{ Params: { version: string } }>(
    '/connectors/spt/:version/lots',
    {
      config: { roles: ['guichet', 'bailleur'] },
      schema: {
        summary: 'Any other SPT contract version: 404 naming the versions served',
        params: {
          type: 'object',
          required: ['version'],
          properties: { version: { type: 'string', maxLength: 100 } },
        },
        response: problemResponses(404),
      },
    },
    async (request) => {
      throw new HttpProblem(
        'CONTRACT_VERSION_UNKNOWN',
        `SPT contract ${request.params.version} is not served; use ${spt.versions.map((v) => v.name).join(' or ')}.`,
      );
    },
  );
}
