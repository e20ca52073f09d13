import type { MessageReviser } from '../../services/pipeline/ops/revisers.ts';
import { withRights } from './rights.ts';
import type { SptVersion } from './version.ts';

/**
 * Revises a stored SPT message: the operator's corrected element (`<radiation id="R1">…</radiation>`,
 * alone, as `raw` shows it) goes through the same decoder as a lot's elements, then the same rights.
 * A malformed element is refused like a malformed lot (400 problem); an element of another type than
 * the original is returned as it decodes, and the pipeline refuses the mismatch.
 */
export function sptReviser(versions: readonly SptVersion[]): MessageReviser {
  const decoders = new Map(versions.map((version) => [version.name, version.createDecoder({})]));
  return ({ version, raw, actor }) => {
    const decoder = decoders.get(version);
    return decoder && withRights(actor, decoder.readMessage(raw));
  };
}
