import type { Command } from '../commands.ts';
import { attribuer } from './attribution.ts';
import type { Change, RegistryView, RuleContext } from './context.ts';
import { enregistrer } from './enregistrement.ts';
import { modifier } from './modification.ts';
import { deciderDalo, designer, labelliser } from './priorites.ts';
import { radier } from './radiation.ts';
import { renouveler } from './renouvellement.ts';

export type { Change, PrioritesRecues, RegistryView, RuleContext } from './context.ts';
export { preavis, preavisDue, radiationNonRenouvellement } from './non-renouvellement.ts';
export { statutAu } from './priorites.ts';

/**
 * The registry's rules, one file per lifecycle: applies one command to the registry as the view
 * shows it. Pure: no I/O, no clock (today comes in the context). Throws a BusinessError when a
 * rule refuses the command.
 */
export function applyCommand(view: RegistryView, command: Command, ctx: RuleContext): Change {
  switch (command.type) {
    case 'enregistrement':
      return enregistrer(view, command, ctx);
    case 'modification':
      return modifier(view, command, ctx);
    case 'renouvellement':
      return renouveler(view, command, ctx);
    case 'radiation':
      return radier(view, command, ctx);
    case 'attribution':
      return attribuer(view, command, ctx);
    case 'dalo-decision':
      return deciderDalo(view, command, ctx);
    case 'labellisation':
      return labelliser(view, command, ctx);
    case 'designation':
      return designer(view, command, ctx);
  }
}
