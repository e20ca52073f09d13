import type { AttributionCommand } from '../commands.ts';
import { BusinessError } from '../errors.ts';
import type { Change, RegistryView, RuleContext } from './context.ts';
import { logementEnParc } from './guards.ts';
import { statutAu } from './priorites.ts';
import { radiated, resolveForRadiation } from './radiation.ts';

/**
 * Attribution (domain.md): by a bailleur only (ACTION_INTERDITE), of a logement in the parc
 * (LOGEMENT_INCONNU) that it owns (LOGEMENT_AUTRE_BAILLEUR) in the demande's département
 * (HORS_TERRITOIRE). The demande is radiée for `attribution` at `dateSignatureBail` (replacing a
 * later automatic non-renouvellement radiation, as an explicit radiation does), and the
 * attribution keeps the DALO and prioritaire status the demande had on the day of the bail.
 */
export function attribuer(view: RegistryView, cmd: AttributionCommand, ctx: RuleContext): Change {
  const { actor } = ctx;
  if (actor.role !== 'bailleur') {
    throw new BusinessError('ACTION_INTERDITE', 'Only a bailleur records attributions.');
  }
  const current = resolveForRadiation(view, cmd.demande, actor, cmd.dateSignatureBail, ctx.today);
  const logement = logementEnParc(view, cmd.logement);
  if (logement.sirenBailleur !== actor.organisme) throw new BusinessError('LOGEMENT_AUTRE_BAILLEUR');
  if (logement.departement !== current.departement) {
    throw new BusinessError('HORS_TERRITOIRE', `The logement lies in département ${logement.departement}.`);
  }
  const bail = cmd.dateSignatureBail;
  const change = radiated(current, {
    motif: 'attribution',
    dateRadiation: bail,
    logement: cmd.logement,
    contingent: cmd.contingent,
    accordCollectif: cmd.accordCollectif,
  });
  change.attribution = {
    numeroUnique: current.numeroUnique,
    logement: cmd.logement,
    dateSignatureBail: bail,
    contingent: cmd.contingent,
    accordCollectif: cmd.accordCollectif,
    ...statutAu(current, view.prioritesRecues(current.numeroUnique), bail),
  };
  return change;
}
