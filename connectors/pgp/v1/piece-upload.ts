import '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { fileTypeFromBuffer } from 'file-type';
import {
  PIECE_MEDIA_TYPES,
  PIECE_TYPES,
  type PieceMediaType,
  type PieceType,
} from '../../../services/core/pieces.ts';
import { HttpProblem, type ProblemFieldError } from '../../../services/http/problem.ts';
import { mediaTypeOf } from '../../../services/http/text-encoding.ts';

/** A pièce as read from a multipart request: its declared kind and its content, of a format read from it. */
export interface PieceUpload {
  type: PieceType;
  mediaType: PieceMediaType;
  content: Buffer;
}

/**
 * Reads `type` and `file` from a multipart/form-data request. The file is read as it streams and
 * the reading stops at `maxBytes` (413 `PIECE_TROP_GRANDE`): nothing beyond the limit is kept in
 * memory. Its format is read from its first bytes; the part's file name and Content-Type are
 * ignored (a `.pdf` that is text is refused, 415 `PIECE_TYPE_INTERDIT`).
 */
export async function readPieceUpload(request: FastifyRequest, maxBytes: number): Promise<PieceUpload> {
  requireMultipart(request);
  const fields = await readParts(request, maxBytes);
  const errors: ProblemFieldError[] = [];
  if (fields.type === undefined) errors.push({ path: '/type', message: 'is required' });
  else if (!isPieceType(fields.type)) {
    errors.push({ path: '/type', message: `must be one of ${PIECE_TYPES.join(', ')}` });
  }
  if (fields.content === undefined) errors.push({ path: '/file', message: 'is required' });
  else if (fields.content.length === 0) errors.push({ path: '/file', message: 'is empty' });
  if (errors.length > 0 || !isPieceType(fields.type) || !fields.content) {
    throw new HttpProblem('PIECE_INVALIDE', 'The pièce needs a type and a non-empty file.', { errors });
  }
  const mediaType = await sniff(fields.content);
  if (!mediaType) {
    throw new HttpProblem(
      'PIECE_TYPE_INTERDIT',
      'The file is not a PDF, JPEG or PNG document (its content was read, not its name).',
    );
  }
  return { type: fields.type, mediaType, content: fields.content };
}

async function readParts(
  request: FastifyRequest,
  maxBytes: number,
): Promise<{ type?: string; content?: Buffer }> {
  const found: { type?: string; content?: Buffer } = {};
  const limits = { fileSize: maxBytes, files: 1, fields: 1, parts: 2, fieldSize: 64, headerPairs: 20 };
  try {
    for await (const part of request.parts({ limits })) {
      if (part.type === 'file' && part.fieldname === 'file') {
        // Bounded by limits.fileSize: busboy stops buffering there and toBuffer throws.
        found.content = await part.toBuffer();
      } else if (part.type === 'field' && part.fieldname === 'type') {
        found.type = String(part.value);
      } else {
        throw new HttpProblem('PIECE_INVALIDE', 'A pièce is sent as the fields type and file only.', {
          errors: [{ path: `/${part.fieldname}`, message: 'is not a field of a pièce' }],
        });
      }
    }
  } catch (error) {
    throw asProblem(error, maxBytes);
  }
  return found;
}

/** The multipart reader's errors as the hub's problems; anything else is left as it is. */
function asProblem(error: unknown, maxBytes: number): unknown {
  if (error instanceof HttpProblem) return error;
  switch ((error as { code?: string }).code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return new HttpProblem('PIECE_TROP_GRANDE', `A pièce may not exceed ${maxBytes} bytes.`);
    case 'FST_FILES_LIMIT':
    case 'FST_FIELDS_LIMIT':
    case 'FST_PARTS_LIMIT':
    case 'FST_PROTO_VIOLATION':
      return new HttpProblem('PIECE_INVALIDE', 'Send one field type and one file per request.');
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new HttpProblem('UNSUPPORTED_MEDIA_TYPE', 'Send the pièce as multipart/form-data.');
  }
  // busboy's own errors: a body that is not the multipart form it claims to be.
  if (error instanceof Error && /multipart|part|boundary|form/i.test(error.message)) {
    return new HttpProblem('MALFORMED_BODY', `The multipart body is malformed: ${error.message}`);
  }
  return error;
}

function isPieceType(value: string | undefined): value is PieceType {
  return PIECE_TYPES.includes(value as PieceType);
}

/** The format of a document read from its signature bytes, if it is one the dossier accepts. */
async function sniff(content: Buffer): Promise<PieceMediaType | undefined> {
  const found = await fileTypeFromBuffer(content);
  return PIECE_MEDIA_TYPES.find((mediaType) => mediaType === found?.mime);
}

/**
 * 415 unless the request is multipart/form-data. Also the route's `preParsing` hook: a pièce sent
 * as JSON is a wrong media type, not a JSON syntax error from the app's JSON parser.
 */
export function requireMultipart(request: FastifyRequest): void {
  // The header, not `request.isMultipart()`: that one is set by the multipart parser, which has not
  // run yet when the hook does.
  if (mediaTypeOf(request.headers['content-type']) !== 'multipart/form-data') {
    throw new HttpProblem(
      'UNSUPPORTED_MEDIA_TYPE',
      'Send the pièce as multipart/form-data with the fields type and file.',
    );
  }
}
