import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { requireDepartement, requireNumeroInScope } from '../../../services/http/guards.ts';
import { HttpProblem } from '../../../services/http/problem.ts';
import { problemResponses } from '../../../services/http/problem-schema.ts';
import { isJsonBody, type JsonBody } from '../../shared/json-body.ts';
import { departementsAtReception } from '../../shared/reception-scope.ts';
import { singleMessageOutcome } from '../../shared/single-message.ts';
import type { PgpV1MessageType } from './messages.ts';
import { readPieceUpload, requireMultipart } from './piece-upload.ts';
import {
  MESSAGE_RESPONSES,
  messageBody,
  NUMERO_PARAMS,
  PIECE_CREATED_SCHEMA,
  PIECE_PARAMS,
  PIECE_UPLOAD_BODY,
  SUIVI_SCHEMA,
} from './schemas.ts';
import { messageOfRequest } from './transport.ts';

const VERSION = 'v1';
const PREFIX = `/connectors/pgp/${VERSION}`;
const config = { roles: ['pgp' as const] };

/** The message routes: path suffix after `/demandes`, message type, summary. */
const MESSAGE_ROUTES: readonly { path: string; type: PgpV1MessageType; summary: string }[] = [
  { path: '', type: 'demande', summary: 'File a demande online' },
  { path: '/:numeroUnique/modifications', type: 'modification', summary: 'Modify a demande' },
  { path: '/:numeroUnique/renouvellements', type: 'renouvellement', summary: 'Renew a demande' },
  {
    path: '/:numeroUnique/abandon',
    type: 'abandon',
    summary: 'Abandon a demande (radiation, motif abandon)',
  },
];

/**
 * PGP contract v1 (interfaces.md §5): demandeurs file, modify, renew and abandon their demandes
 * online, follow them, and deposit the pièces of their dossier unique (at most `SNE_PIECE_MAX_BYTES`).
 */
export async function pgpV1Routes(app: FastifyInstance): Promise<void> {
  const maxPieceBytes = app.config.pieceMaxBytes;
  await app.register(multipart);

  for (const route of MESSAGE_ROUTES) {
    app.post<{ Params: { numeroUnique?: string }; Body: JsonBody }>(
      `${PREFIX}/demandes${route.path}`,
      {
        config,
        schema: {
          summary: route.summary,
          description:
            'One message, stored before the reply and applied in the queue: 202 with its messageId ' +
            '(GET /messages/{messageId} gives its outcome, and for a demande its numéro unique, ending in ' +
            'GDPUB). A message that breaks the contract is kept as rejected and answered 400 ' +
            'CONTRACT_INVALID with its messageId; the same id with another content is 409 IDEMPOTENCY_CONFLICT.',
          ...(route.path ? { params: NUMERO_PARAMS } : {}),
          body: messageBody(route.type),
          response: MESSAGE_RESPONSES,
        },
      },
      async (request, reply) => {
        if (!isJsonBody(request.body)) {
          throw new HttpProblem('UNSUPPORTED_MEDIA_TYPE', 'Send the message as application/json.');
        }
        const message = messageOfRequest(route.type, request.body, request.params.numeroUnique);
        // A département the message names outside the portail's scope: 403, nothing stored (as the
        // other JSON connectors do).
        if (message.command) {
          for (const departement of departementsAtReception(message.command)) {
            requireDepartement(request.actor, departement);
          }
        }
        const receipt = await app.intake.acceptLot({
          actor: request.actor,
          system: 'pgp',
          version: VERSION,
          messages: [message],
        });
        return reply.code(202).send(singleMessageOutcome(receipt));
      },
    );
  }

  app.get<{ Params: { numeroUnique: string } }>(
    `${PREFIX}/demandes/:numeroUnique`,
    {
      config,
      schema: {
        summary: 'Follow a demande, as its demandeur sees it',
        description:
          'Statut, dates (dépôt, échéance, last renouvellement), typologie, communes souhaitées, préavis ' +
          'sent, radiation. No personal data, not even the demandeur’s own. The portail may read any ' +
          'demande of its départements, wherever it was filed: a demandeur who filed at a guichet ' +
          'follows it online too. An unknown numéro is 404, one of another département 403.',
        params: NUMERO_PARAMS,
        response: { 200: SUIVI_SCHEMA, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      requireNumeroInScope(request.actor, request.params.numeroUnique);
      const suivi = await app.suivi.find(request.params.numeroUnique);
      if (!suivi) throw unknownDemande(request.params.numeroUnique);
      return suivi;
    },
  );

  app.post<{ Params: { numeroUnique: string } }>(
    `${PREFIX}/demandes/:numeroUnique/pieces`,
    {
      config,
      schema: {
        summary: 'Deposit a pièce in the dossier unique',
        description:
          `multipart/form-data with the fields type and file. PDF, JPEG or PNG, recognised by content (the ` +
          `file name and the part's Content-Type are ignored; another format is 415 PIECE_TYPE_INTERDIT), ` +
          `at most ${maxPieceBytes} bytes (413 PIECE_TROP_GRANDE). The original file name is not kept.`,
        consumes: ['multipart/form-data'],
        params: NUMERO_PARAMS,
        body: PIECE_UPLOAD_BODY,
        response: { 201: PIECE_CREATED_SCHEMA, ...problemResponses(400, 404, 409, 413, 415) },
      },
      preParsing: async (request) => requireMultipart(request),
    },
    async (request, reply) => {
      const { numeroUnique } = request.params;
      // Before reading up to maxPieceBytes: an unknown demande needs no upload.
      requireNumeroInScope(request.actor, numeroUnique);
      const suivi = await app.suivi.find(numeroUnique);
      if (!suivi) throw unknownDemande(numeroUnique);
      const upload = await readPieceUpload(request, maxPieceBytes);
      const piece = await app.pieces.add(request.actor, { numeroUnique, ...upload });
      if (!piece) throw unknownDemande(numeroUnique);
      if (piece === 'purgee') {
        throw new HttpProblem(
          'DEMANDE_PURGEE',
          `The personal data of demande ${numeroUnique} were erased (retention, a year after its radiation): it takes no pièce any more.`,
        );
      }
      const { pieceId, sha256, size, type, mediaType } = piece;
      return reply.code(201).send({ pieceId, sha256, size, type, mediaType });
    },
  );

  app.delete<{ Params: { pieceId: string } }>(
    `${PREFIX}/pieces/:pieceId`,
    {
      config,
      schema: {
        summary: 'Remove a pièce from the dossier unique',
        description:
          'Its content is erased at once; who deposited and removed it stays in the audit log. ' +
          'An unknown or already removed pièce is 404.',
        params: PIECE_PARAMS,
        response: { 204: { type: 'null', description: 'Removed.' }, ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      if (!(await app.pieces.remove(request.actor, request.params.pieceId))) {
        throw new HttpProblem('PIECE_INCONNUE', `No pièce ${request.params.pieceId}.`);
      }
      return reply.code(204).send();
    },
  );
}

function unknownDemande(numeroUnique: string): HttpProblem {
  return new HttpProblem('DEMANDE_INCONNUE', `No demande ${numeroUnique}.`);
}
