import type { Actor } from '../../core/actor.ts';
import type { InboundMessage } from '../inbound.ts';

/** What an operator's corrected payload is checked against: the original message's contract. */
export interface RevisionInput {
  /** The contract version of the original message (`v2`). */
  version: string;
  /** Its message type in that contract (`radiation`). */
  type: string;
  /** The corrected message as text: an XML contract's message element alone, a JSON contract's body. */
  raw: string;
  /** The client that sent the original: its rights apply to the revision as they did at reception. */
  actor: Actor;
}

/**
 * A connector's own decode → validate → map path for one message, as the pipeline needs it to
 * revise a stored message. Returns the message decoded (with its command, or its contract errors),
 * or `undefined` when the connector does not serve that version or type.
 */
export type MessageReviser = (input: RevisionInput) => InboundMessage | undefined;

/**
 * The revisers by system. Each connector registers its own when it is set up, so that the pipeline
 * revises messages without importing any connector (connectors know nothing of SQL, the pipeline
 * nothing of XML).
 */
export class Revisers {
  readonly #bySystem = new Map<string, MessageReviser>();

  /** Registers the reviser of `system`; a second registration replaces the first (tests build apps twice). */
  register(system: string, reviser: MessageReviser): void {
    this.#bySystem.set(system, reviser);
  }

  /** The message decoded by its system's connector, or `undefined` when nothing serves that contract. */
  revise(system: string, input: RevisionInput): InboundMessage | undefined {
    return this.#bySystem.get(system)?.(input);
  }
}
