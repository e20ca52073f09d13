import type { Actor, Role } from '../actor.ts';
import type { DemandeRef, IsoDate, MotifRadiation, RadiationCommand } from '../commands.ts';
import type { Demande, Radiation } from '../demande.ts';
import { BusinessError } from '../errors.ts';
import type { Change, RegistryView, RuleContext } from './context.ts';
import { event } from './event.ts';
import { requireBusinessDate, resolve } from './guards.ts';

/**
 * Who may radiate for which motif (domain.md's table): `abandon` any guichet (a bailleur is one
 * too) and the portail for its demandeur, `non-reponse` any guichet, `irrecevabilite` a bailleur.
 * `attribution` and `non-renouvellement` are refused above with their own explanation.
 */
const MOTIFS_PAR_ROLE: Record<MotifRadiation, readonly Role[]> = {
  abandon: ['guichet', 'bailleur', 'pgp'],
  'non-reponse': ['guichet', 'bailleur'],
  irrecevabilite: ['bailleur'],
  attribution: [],
  'non-renouvellement': [],
};

/**
 * Radiation (domain.md): `abandon` and `non-reponse` by any guichet of the département,
 * `irrecevabilite` by a bailleur only and with a sousMotif (SOUS_MOTIF_REQUIS); `attribution`
 * comes with an attribution message and `non-renouvellement` from the hub's sweep only
 * (MOTIF_INTERDIT). The date is a business date; a radiée demande is closed (DEMANDE_RADIEE)
 * except for the rattrapage of `resolveForRadiation`.
 */
export function radier(view: RegistryView, cmd: RadiationCommand, ctx: RuleContext): Change {
  const { actor } = ctx;
  if (cmd.motif === 'non-renouvellement' || cmd.motif === 'attribution') {
    throw new BusinessError(
      'MOTIF_INTERDIT',
      cmd.motif === 'attribution'
        ? 'A radiation for attribution comes with an attribution message.'
        : 'Only the hub radiates for non-renouvellement.',
    );
  }
  if (!MOTIFS_PAR_ROLE[cmd.motif].includes(actor.role)) {
    throw new BusinessError(
      'MOTIF_INTERDIT',
      cmd.motif === 'irrecevabilite'
        ? 'Only a bailleur declares a demande irrecevable.'
        : `A ${actor.role} may not radiate for ${cmd.motif}.`,
    );
  }
  if (cmd.motif === 'irrecevabilite' && !cmd.sousMotif) throw new BusinessError('SOUS_MOTIF_REQUIS');
  const current = resolveForRadiation(view, cmd.demande, actor, cmd.dateRadiation, ctx.today);
  const radiation: Radiation = {
    motif: cmd.motif,
    ...(cmd.motif === 'irrecevabilite' && cmd.sousMotif ? { sousMotif: cmd.sousMotif } : {}),
    dateRadiation: cmd.dateRadiation,
  };
  return radiated(current, radiation);
}

/**
 * The demande an explicit radiation or attribution closes. An active one; or, for the catch-up
 * (rattrapage), one the sweep radiated for non-renouvellement on or after the explicit date:
 * the explicit radiation then replaces the automatic one.
 */
export function resolveForRadiation(
  view: RegistryView,
  ref: DemandeRef,
  actor: Actor,
  date: IsoDate,
  today: IsoDate,
): Demande {
  const current = resolve(view, ref, actor);
  requireBusinessDate(date, current, today, 'date');
  if (current.statut === 'active') return current;
  const auto = current.radiation;
  if (auto?.motif === 'non-renouvellement' && date <= auto.dateRadiation) return current;
  throw new BusinessError('DEMANDE_RADIEE', `Radiée for ${auto?.motif} on ${auto?.dateRadiation}.`);
}

/** The demande radiée as given; the radiation it replaces, if any, is kept in the history line. */
export function radiated(current: Demande, radiation: Radiation): Change {
  const demande: Demande = { ...current, statut: 'radiee', radiation };
  const details: Record<string, unknown> = { ...radiation };
  if (current.radiation) details.remplace = current.radiation;
  return {
    demande,
    history: [
      {
        numeroUnique: demande.numeroUnique,
        kind: radiation.motif === 'attribution' ? 'attribution' : 'radiation',
        dateEffet: radiation.dateRadiation,
        details,
      },
    ],
    events: [event('demande.radiee', demande, { ...radiation })],
  };
}
