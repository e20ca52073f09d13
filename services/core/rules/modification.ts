import type { ModificationCommand } from '../commands.ts';
import type { Demande } from '../demande.ts';
import type { Change, RegistryView, RuleContext } from './context.ts';
import { event } from './event.ts';
import { checkCommunes, resolveActive } from './guards.ts';

/**
 * Modification (domain.md): only an active demande; the command's shape already excludes the
 * fields that never change (numéro, département, dépôt, nom, prénom, date de naissance).
 */
export function modifier(view: RegistryView, cmd: ModificationCommand, ctx: RuleContext): Change {
  const current = resolveActive(view, cmd.demande, ctx.actor);
  const { changes } = cmd;
  if (changes.communesSouhaitees) checkCommunes(changes.communesSouhaitees, current.departement);
  const demande: Demande = {
    ...current,
    ...(changes.demandeur ? { demandeur: { ...current.demandeur, ...changes.demandeur } } : {}),
    ...(changes.menage ? { menage: changes.menage } : {}),
    ...(changes.ressourcesMensuelles !== undefined
      ? { ressourcesMensuelles: changes.ressourcesMensuelles }
      : {}),
    ...(changes.typologie ? { typologie: changes.typologie } : {}),
    ...(changes.communesSouhaitees ? { communesSouhaitees: changes.communesSouhaitees } : {}),
    ...(changes.motif ? { motif: changes.motif } : {}),
  };
  // Field names only: the values may be personal data.
  const champs = Object.keys(changes).flatMap((k) =>
    k === 'demandeur' ? Object.keys(changes.demandeur ?? {}).map((d) => `demandeur.${d}`) : [k],
  );
  return {
    demande,
    history: [
      { numeroUnique: demande.numeroUnique, kind: 'modification', dateEffet: ctx.today, details: { champs } },
    ],
    events: [event('demande.modifiee', demande, { champs })],
  };
}
