import type { InboundMessage } from '../../../services/pipeline/inbound.ts';
import type { JsonBody } from '../../shared/json-body.ts';
import { pgpV1 } from './contract.ts';
import type { PgpV1MessageType } from './messages.ts';

/**
 * A request's JSON body as one PGP v1 message, decoded. For the messages about an existing demande
 * (`/demandes/{numeroUnique}/...`), the numéro of the path becomes the message's first field, in
 * the stored raw text too: a message kept for operators then says which demande it was about, and
 * replays on its own. A body may carry that field itself, as the published contract files and their
 * examples do (they describe the stored message): it must then be the path's numéro.
 */
export function messageOfRequest(
  type: PgpV1MessageType,
  body: JsonBody,
  numeroUnique?: string,
): InboundMessage {
  if (numeroUnique === undefined) return pgpV1.decode(type, body.text, body.value);
  const { value, text } = body;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return pgpV1.decode(type, text, value);
  }
  if (Object.hasOwn(value, 'numeroUnique')) {
    if ((value as { numeroUnique?: unknown }).numeroUnique === numeroUnique) {
      return pgpV1.decode(type, text, value);
    }
    const id = (value as { id?: unknown }).id;
    return {
      id: typeof id === 'string' ? id : '',
      type,
      raw: text,
      errors: [
        { code: 'CONTRACT_INVALID', path: '/numeroUnique', message: 'differs from the numéro of the path' },
      ],
    };
  }
  const field = `"numeroUnique":${JSON.stringify(numeroUnique)}`;
  const separator = Object.keys(value).length > 0 ? ',' : '';
  const raw = text.replace(/^\s*\{/, `{${field}${separator}`);
  return pgpV1.decode(type, raw, { numeroUnique, ...value });
}
