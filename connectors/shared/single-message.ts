import { HttpProblem } from '../../services/http/problem.ts';
import { isProblemCode } from '../../services/http/problem-codes.ts';
import type { LotReceipt, MessageStatus } from '../../services/pipeline/inbound.ts';

/** The reply to a single-message request once the intake took it: 202 `{ messageId, status }`. */
export interface SingleMessageReceipt {
  messageId: string;
  status: MessageStatus;
}

/**
 * A single-message lot's receipt as an HTTP outcome (interfaces.md §1): accepted (or the same id
 * with the same content again) → the receipt to answer 202 with; rejected → thrown as a problem,
 * 409 `IDEMPOTENCY_CONFLICT` when the id was used with another content, else 400 with the contract
 * errors. Either problem carries the `messageId` of the stored rejected message.
 */
export function singleMessageOutcome(receipt: LotReceipt): SingleMessageReceipt {
  const entry = receipt.messages[0];
  if (!entry) throw new Error('The intake returned no entry for a single-message lot.');
  if (entry.status !== 'rejected') return { messageId: entry.messageId, status: entry.status };
  const errors = entry.errors ?? [];
  const extra = { messageId: entry.messageId };
  const conflict = errors.find((e) => e.code === 'IDEMPOTENCY_CONFLICT');
  if (conflict) throw new HttpProblem('IDEMPOTENCY_CONFLICT', conflict.message, { extra });
  const first = errors[0];
  // The first error's code when it is an HTTP problem of its own (FORBIDDEN...); each error keeps its code.
  const code = isProblemCode(first?.code) ? first.code : 'CONTRACT_INVALID';
  throw new HttpProblem(
    code,
    'The message does not satisfy its contract; it is kept, rejected, for operators.',
    {
      errors: errors.map((e) => ({ path: e.path ?? '', message: e.message, code: e.code })),
      extra,
    },
  );
}

/** The 202 receipt's schema. */
export const SINGLE_MESSAGE_RECEIPT_SCHEMA = {
  type: 'object',
  required: ['messageId', 'status'],
  properties: {
    messageId: { type: 'string', format: 'uuid', description: "The hub's id: GET /messages/{messageId}." },
    status: {
      type: 'string',
      enum: ['accepted', 'processing', 'applied', 'failed', 'discarded'],
      description: 'accepted for a new message; for the same id and content again, its current status.',
    },
  },
} as const;
