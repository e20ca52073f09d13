import type { FastifyInstance } from 'fastify';
import { PIECE_MEDIA_TYPES, PIECE_TYPES, type PieceContent } from '../../core/pieces.ts';
import { requireNumeroInScope } from '../../http/guards.ts';
import { LIMIT_QUERY_SCHEMA } from '../../http/pagination.ts';
import { HttpProblem } from '../../http/problem.ts';
import { problemResponses } from '../../http/problem-schema.ts';
import { pageOf, rowsFor } from '../../shared/pagination.ts';

const NUMERO = '^[0-9]{2}[0-9AB][0-9]{4}[0-9]{6}[0-9A-Z]{5}$';
const EXTENSIONS: Record<PieceContent['mediaType'], string> = {
  'application/pdf': 'pdf',
  'image/jpeg': 'jpg',
  'image/png': 'png',
};

const pieceItem = {
  type: 'object',
  required: ['pieceId', 'type', 'mediaType', 'size', 'sha256', 'createdAt'],
  properties: {
    pieceId: { type: 'string', format: 'uuid' },
    type: { type: 'string', enum: [...PIECE_TYPES] },
    mediaType: { type: 'string', enum: [...PIECE_MEDIA_TYPES] },
    size: { type: 'integer', description: 'Bytes.' },
    sha256: { type: 'string', description: 'SHA-256 of the content, lowercase hex.' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

/**
 * The dossier unique read by guichets and bailleurs of the demande's département, and operators
 * (interfaces.md §5). A demande of another département is 403, as every numéro outside the
 * client's scope (its numéro says its département); a pièce of one, asked by its id, reads as unknown (404).
 */
export default async function pieceRoutes(app: FastifyInstance) {
  const config = { roles: ['guichet' as const, 'bailleur' as const, 'operator' as const] };

  app.get<{ Params: { numeroUnique: string }; Querystring: { limit: number; cursor?: string } }>(
    '/sne/demandes/:numeroUnique/pieces',
    {
      config,
      schema: {
        summary: 'List the pièces of a demande',
        description: 'The pièces not removed, oldest first, a page at a time.',
        params: {
          type: 'object',
          required: ['numeroUnique'],
          properties: { numeroUnique: { type: 'string', pattern: NUMERO } },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: LIMIT_QUERY_SCHEMA,
            cursor: {
              type: 'string',
              format: 'uuid',
              description: 'The `next` of the previous page; one that names no pièce of this demande is 400.',
            },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['items'],
            properties: {
              items: { type: 'array', items: pieceItem },
              next: { type: 'string', description: 'The cursor of the next page; absent on the last.' },
            },
          },
          ...problemResponses(400, 404),
        },
      },
    },
    async (request) => {
      requireNumeroInScope(request.actor, request.params.numeroUnique);
      const { limit, cursor } = request.query;
      const rows = await app.pieces.list(request.actor, request.params.numeroUnique, rowsFor(limit), cursor);
      if (!rows) throw new HttpProblem('DEMANDE_INCONNUE', `No demande ${request.params.numeroUnique}.`);
      if (rows === 'cursor-inconnu') {
        throw new HttpProblem(
          'INVALID_PARAMETER',
          'The cursor names no pièce of this demande: pass the `next` of the previous page of the same list.',
        );
      }
      return pageOf(rows, limit, (piece) => piece.pieceId);
    },
  );

  app.get<{ Params: { pieceId: string } }>(
    '/sne/pieces/:pieceId',
    {
      config,
      schema: {
        summary: 'Download a pièce',
        description:
          'The bytes with their media type, as an attachment named <type>-<pieceId>.<ext> (the original ' +
          'name is not kept). ETag and Repr-Digest (RFC 9530) carry the SHA-256. Every download is written ' +
          'to the audit log (action piece.download) before the bytes are sent.',
        params: {
          type: 'object',
          required: ['pieceId'],
          properties: { pieceId: { type: 'string', format: 'uuid' } },
        },
        response: {
          200: {
            description: 'The pièce’s bytes, in the format read from them at upload.',
            content: Object.fromEntries(
              PIECE_MEDIA_TYPES.map((type) => [type, { schema: { type: 'string', format: 'binary' } }]),
            ),
          },
          ...problemResponses(400, 404),
        },
      },
    },
    async (request, reply) => {
      const piece = await app.pieces.download(request.actor, request.params.pieceId);
      if (!piece) throw new HttpProblem('PIECE_INCONNUE', `No pièce ${request.params.pieceId}.`);
      const digest = Buffer.from(piece.sha256, 'hex').toString('base64');
      return (
        reply
          .type(piece.mediaType)
          .header(
            'content-disposition',
            `attachment; filename="${piece.type}-${piece.pieceId}.${EXTENSIONS[piece.mediaType]}"`,
          )
          .header('etag', `"${piece.sha256}"`)
          .header('repr-digest', `sha-256=:${digest}:`)
          // Personal documents: no shared cache keeps them, no browser guesses another type.
          .header('cache-control', 'private, no-store')
          .header('x-content-type-options', 'nosniff')
          .send(piece.content)
      );
    },
  );
}
