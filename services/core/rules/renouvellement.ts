import type { IsoDate, RenouvellementCommand } from '../commands.ts';
import { addMonths, addYears } from '../dates.ts';
import type { Demande } from '../demande.ts';
import { BusinessError } from '../errors.ts';
import type { Change, RegistryView, RuleContext } from './context.ts';
import { event } from './event.ts';
import { requireBusinessDate, resolve } from './guards.ts';

/**
 * Renouvellement (domain.md): an active demande is renewed at any date after its dépôt (and, as
 * any renewal, not before its last one), `dateEcheance = dateRenouvellement + 1 year`. A demande radiée for
 * non-renouvellement is reactivated by a renewal dated until its `dateEcheance + 6 months`
 * (REACTIVATION_EXPIREE after, or once the retention purge has erased its demandeur), keeping its
 * numéro and ancienneté; any other radiation is final (DEMANDE_RADIEE).
 */
export function renouveler(view: RegistryView, cmd: RenouvellementCommand, ctx: RuleContext): Change {
  const current = resolve(view, cmd.demande, ctx.actor);
  const date = cmd.dateRenouvellement;
  requireBusinessDate(date, current, ctx.today, 'dateRenouvellement');
  // Active or radiée: dates never go backwards (a reactivation dated before the last renewal would
  // give an échéance the demande had already passed).
  if (current.dateRenouvellement && date < current.dateRenouvellement) {
    throw new BusinessError(
      'DATE_INVALIDE',
      `dateRenouvellement is before the last one (${current.dateRenouvellement}).`,
    );
  }
  const renewed = { dateRenouvellement: date, dateEcheance: addYears(date, 1) };
  const details = { dateRenouvellement: date, dateEcheance: renewed.dateEcheance };

  if (current.statut === 'active') {
    const demande: Demande = { ...current, ...renewed };
    return {
      demande,
      history: [{ numeroUnique: demande.numeroUnique, kind: 'renouvellement', dateEffet: date, details }],
      events: [event('demande.renouvelee', demande, details)],
    };
  }
  return reactiver(view, current, date, renewed, details);
}

/** The renewal of a radiée demande: a reactivation, only after a non-renouvellement radiation, within six months. */
function reactiver(
  view: RegistryView,
  current: Demande,
  date: IsoDate,
  renewed: Pick<Demande, 'dateRenouvellement' | 'dateEcheance'>,
  details: Record<string, unknown>,
): Change {
  if (current.radiation?.motif !== 'non-renouvellement') {
    throw new BusinessError('DEMANDE_RADIEE', `Radiée for ${current.radiation?.motif}.`);
  }
  const limite = addMonths(current.dateEcheance, 6);
  if (date > limite) {
    throw new BusinessError('REACTIVATION_EXPIREE', `The limit was ${limite}.`);
  }
  // The retention purge (a year after the radiation) erased the demandeur and its identity hash. A
  // renewal dated within the limit may still arrive after it (a guichet months late): reactivated,
  // the demande would be active with no name, and the doublon rule below could not see the person's
  // other demande. Its data are gone: the person files a new demande.
  if (current.identiteHash === null) {
    throw new BusinessError(
      'REACTIVATION_EXPIREE',
      'Its personal data were erased (retention purge, a year after its radiation): file a new demande.',
    );
  }
  // While it was radiée the person may have filed a new demande: two active ones would be a doublon.
  const other = view.activeOf(current.departement, current.identiteHash);
  if (other) {
    throw new BusinessError('DOUBLON', `Existing demande: ${other.numeroUnique}.`, {
      numeroUnique: other.numeroUnique,
    });
  }
  const { radiation: _cancelled, ...rest } = current;
  const demande: Demande = { ...rest, statut: 'active', ...renewed };
  const reactivation = { ...details, radiationAnnulee: current.radiation.dateRadiation };
  return {
    demande,
    history: [
      { numeroUnique: demande.numeroUnique, kind: 'reactivation', dateEffet: date, details: reactivation },
    ],
    events: [
      event('demande.reactivee', demande, reactivation),
      event('demande.renouvelee', demande, details),
    ],
  };
}
