import type { Actor } from '../../services/core/actor.ts';
import type { InboundMessage } from '../../services/pipeline/inbound.ts';

/**
 * Attributions are a bailleur's: a guichet's is rejected at once, like a contract violation, so the
 * sender sees it in the receipt rather than later as a failed message.
 */
export function withRights(actor: Actor, message: InboundMessage): InboundMessage {
  if (message.type !== 'attribution' || actor.role === 'bailleur') return message;
  const forbidden = { code: 'FORBIDDEN', path: '', message: 'Only a bailleur may send an attribution.' };
  const { command: _command, ...rest } = message;
  return { ...rest, errors: [forbidden, ...(message.errors ?? [])] };
}
