import type { Actor } from '../core/actor.ts';
import type { Command } from '../core/commands.ts';

/** One problem found in an inbound message, with the JSON pointer of the faulty field when there is one. */
export interface MessageError {
  code: string;
  path?: string;
  message: string;
}

/**
 * One message as a connector hands it to the pipeline: decoded and validated against its contract,
 * mapped to a canonical command when valid, or carrying its contract errors when not.
 */
export interface InboundMessage {
  /** The sender's own id (1-64 characters of `[A-Za-z0-9._:-]`); may be invalid, then `errors` says so. */
  id: string;
  /** The message kind in its contract (`enregistrement`, `radiation`...). */
  type: string;
  /** The message as received, decoded to text: for an XML lot, the message's own element. */
  raw: string;
  /** The canonical command, present exactly when the message is valid. */
  command?: Command;
  /** Contract violations: present exactly when the message is invalid (it is then stored as `rejected`). */
  errors?: MessageError[];
}

/** Every status a message may have (`messages.status`). */
export const MESSAGE_STATUSES = [
  'accepted',
  'processing',
  'applied',
  'failed',
  'rejected',
  'discarded',
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export interface ReceiptEntry {
  id: string;
  messageId: string;
  status: MessageStatus;
  errors?: MessageError[];
}

export interface LotReceipt {
  lotId: string;
  received: number;
  accepted: number;
  rejected: number;
  messages: ReceiptEntry[];
}

export interface LotSubmission {
  actor: Actor;
  /** The connector's name (`spt`, `pgp`...). */
  system: string;
  /** The contract version (`v1`, `v2`). */
  version: string;
  messages: InboundMessage[];
}

/** What connectors call to hand messages to the hub: stored durably before it returns. */
export interface Intake {
  acceptLot(submission: LotSubmission): Promise<LotReceipt>;
}
