import type { DaloDecisionCommand, DesignationCommand, IsoDate, LabellisationCommand } from '../commands.ts';
import type { Demande, Designation } from '../demande.ts';
import { BusinessError } from '../errors.ts';
import { isDepartement } from '../territoire.ts';
import type { Change, PrioritesRecues, RegistryView, RuleContext } from './context.ts';
import { event } from './event.ts';
import {
  logementEnParc,
  requireBusinessDate,
  requireRole,
  requireScope,
  resolve,
  resolveActive,
} from './guards.ts';

/**
 * DALO decision (domain.md): recorded by the DALO commission for a département it covers, at a
 * business date, on a demande of any statut. `prioritaire-urgent` makes the demande DALO.
 */
export function deciderDalo(view: RegistryView, cmd: DaloDecisionCommand, ctx: RuleContext): Change {
  requireRole(ctx.actor, 'dalo', 'Only the DALO commission records DALO decisions.');
  if (!isDepartement(cmd.departementCommission)) {
    throw new BusinessError('HORS_TERRITOIRE', `Unknown département ${cmd.departementCommission}.`);
  }
  requireScope(ctx.actor, cmd.departementCommission);
  // Any statut: a commission may decide "sans-objet" precisely because the household was housed.
  const current = resolve(view, cmd.demande, ctx.actor);
  requireBusinessDate(cmd.dateDecision, current, ctx.today, 'dateDecision');
  const decision = {
    decision: cmd.decision,
    dateDecision: cmd.dateDecision,
    departementCommission: cmd.departementCommission,
  };
  // Decisions may arrive out of order: the latest by date stands, every one is in the history.
  const latest = !current.dalo || current.dalo.dateDecision <= cmd.dateDecision;
  const demande: Demande = latest ? { ...current, dalo: decision } : current;
  return {
    ...attributionRevue(view, demande, decision),
    demande,
    history: [
      {
        numeroUnique: demande.numeroUnique,
        kind: 'dalo-decision',
        dateEffet: cmd.dateDecision,
        details: decision,
      },
    ],
    events: [event('demande.dalo-decision', demande, decision)],
  };
}

/** Labellisation (domain.md): by the contingent, of an active demande, which becomes `prioritaire`. */
export function labelliser(view: RegistryView, cmd: LabellisationCommand, ctx: RuleContext): Change {
  requireRole(ctx.actor, 'contingent', 'Only the contingent préfectoral labels demandes.');
  const current = resolveActive(view, cmd.demande, ctx.actor);
  requireBusinessDate(cmd.dateLabellisation, current, ctx.today, 'dateLabellisation');
  const prioritaire = { categorie: cmd.categorie, dateLabellisation: cmd.dateLabellisation };
  // As for DALO decisions: the latest by date stands, every one is in the history.
  const latest = !current.prioritaire || current.prioritaire.dateLabellisation <= cmd.dateLabellisation;
  const demande: Demande = latest ? { ...current, prioritaire } : current;
  return {
    demande,
    history: [
      {
        numeroUnique: demande.numeroUnique,
        kind: 'labellisation',
        dateEffet: cmd.dateLabellisation,
        details: prioritaire,
      },
    ],
    events: [event('demande.labellisee', demande, prioritaire)],
  };
}

/**
 * Désignation (domain.md): the contingent proposes an active demande for a logement in the parc,
 * in the demande's département; the event is addressed to the bailleur owning the logement.
 */
export function designer(view: RegistryView, cmd: DesignationCommand, ctx: RuleContext): Change {
  requireRole(ctx.actor, 'contingent', 'Only the contingent préfectoral designates demandes.');
  const demande = resolveActive(view, cmd.demande, ctx.actor);
  requireBusinessDate(cmd.dateDesignation, demande, ctx.today, 'dateDesignation');
  const logement = logementEnParc(view, cmd.logement);
  if (logement.departement !== demande.departement) {
    throw new BusinessError('HORS_TERRITOIRE', `The logement lies in département ${logement.departement}.`);
  }
  const designation: Designation = {
    numeroUnique: demande.numeroUnique,
    logement: logement.identifiantRpls,
    sirenBailleur: logement.sirenBailleur,
    dateDesignation: cmd.dateDesignation,
  };
  const details = { ...designation, codeCommune: logement.codeCommune };
  const designee = event('designation.creee', demande, details);
  designee.audience.bailleur = logement.sirenBailleur;
  return {
    demande,
    history: [
      { numeroUnique: demande.numeroUnique, kind: 'designation', dateEffet: cmd.dateDesignation, details },
    ],
    events: [designee],
    designation,
  };
}

/**
 * A DALO decision dated on or before the bail of the demande's attribution, recorded after it:
 * the attribution's status on its bail day is computed again with it (business dates, not arrival
 * order, decide what the infocentre counts as an attribution to a DALO household).
 */
function attributionRevue(
  view: RegistryView,
  demande: Demande,
  decision: PrioritesRecues['dalo'][number],
): Pick<Change, 'attributionStatut'> {
  const bail = demande.radiation?.motif === 'attribution' ? demande.radiation.dateRadiation : undefined;
  if (!bail || decision.dateDecision > bail) return {};
  const recues = view.prioritesRecues(demande.numeroUnique);
  // The new decision is recorded last: of the decisions of its date, it is the one that stands. (If
  // the demande keeps an earlier-recorded decision as its latest, that one is of a later date.)
  const statut = statutAu(demande, { ...recues, dalo: [...recues.dalo, decision] }, bail);
  return { attributionStatut: { numeroUnique: demande.numeroUnique, ...statut } };
}

/**
 * The demande's DALO and prioritaire status as it stood on a date: the latest DALO decision dated
 * on or before it (among decisions of the same date, the last one recorded, as `deciderDalo`
 * keeps it) is `prioritaire-urgent`; a labellisation is dated on or before it. Decisions dated
 * after the date do not count, so a later `rejet` cannot rewrite the past.
 */
export function statutAu(
  demande: Pick<Demande, 'dalo' | 'prioritaire'>,
  recues: PrioritesRecues,
  date: IsoDate,
): { dalo: boolean; prioritaire: boolean } {
  // The demande's own latest decision is added last: it is one of those received, recorded last
  // of its date, and it stands in for a history that was not loaded.
  const decisions = demande.dalo ? [...recues.dalo, demande.dalo] : recues.dalo;
  let enVigueur: { decision: string; dateDecision: IsoDate } | undefined;
  for (const d of decisions) {
    if (d.dateDecision <= date && (!enVigueur || enVigueur.dateDecision <= d.dateDecision)) enVigueur = d;
  }
  const labels = demande.prioritaire
    ? [...recues.labellisations, demande.prioritaire]
    : recues.labellisations;
  return {
    dalo: enVigueur?.decision === 'prioritaire-urgent',
    prioritaire: labels.some((l) => l.dateLabellisation <= date),
  };
}
