import { type Actor, actsOn } from './actor.ts';
import type {
  AttributionCommand,
  Command,
  DaloDecisionCommand,
  DemandeRef,
  DesignationCommand,
  EnregistrementCommand,
  IsoDate,
  LabellisationCommand,
  ModificationCommand,
  RadiationCommand,
  RenouvellementCommand,
} from './commands.ts';
import { addMonths, addYears } from './dates.ts';
import {
  type Attribution,
  type Demande,
  type Designation,
  type DomainEvent,
  demandeSummary,
  type HistoryEntry,
  type Logement,
  type Radiation,
} from './demande.ts';
import { BusinessError } from './errors.ts';
import { identiteHash } from './identite.ts';
import { formatNumeroUnique, type NumeroSequenceKey, sequenceKeyOf } from './numero-unique.ts';
import { departementOfCommune, isDepartement } from './territoire.ts';

/** What the rules may read of the registry. */
export interface RegistryView {
  byNumero(numeroUnique: string): Demande | undefined;
  byReference(organisme: string, referenceGuichet: string): Demande | undefined;
  /** The active demande of this person in this département, if any. */
  activeOf(departement: string, identiteHash: string): Demande | undefined;
  logement(identifiantRpls: string): Logement | undefined;
  /** The next sequence number of a (territory, month, year) counter. */
  allocateNumero(key: NumeroSequenceKey): number;
}

export interface RuleContext {
  actor: Actor;
  /** Today's date: no business date may lie after it. */
  today: IsoDate;
}

/** What one command did: the demande's new state, its history lines and its events. */
export interface Change {
  demande: Demande;
  history: Omit<HistoryEntry, 'clientId' | 'messageId'>[];
  events: DomainEvent[];
  attribution?: Attribution;
  designation?: Designation;
}

/** Applies one command to the registry as the view shows it. Throws a BusinessError when a rule refuses it. */
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

function enregistrer(view: RegistryView, cmd: EnregistrementCommand, ctx: RuleContext): Change {
  const { actor } = ctx;
  if (!isDepartement(cmd.departement)) {
    throw new BusinessError('HORS_TERRITOIRE', `Unknown département ${cmd.departement}.`);
  }
  requireScope(actor, cmd.departement);
  if (!actor.codeGuichet) {
    throw new BusinessError(
      'ACTION_INTERDITE',
      'Only a guichet, a bailleur or the portail registers demandes.',
    );
  }
  requireNotFuture(cmd.dateDepot, ctx.today, 'dateDepot');
  checkCommunes(cmd.communesSouhaitees, cmd.departement);
  const hash = identiteHash(cmd.demandeur);
  const existing = view.activeOf(cmd.departement, hash);
  if (existing) {
    throw new BusinessError('DOUBLON', `Existing demande: ${existing.numeroUnique}.`, {
      numeroUnique: existing.numeroUnique,
    });
  }
  if (cmd.referenceGuichet && view.byReference(actor.organisme, cmd.referenceGuichet)) {
    throw new BusinessError('REFERENCE_GUICHET_EXISTANTE', `referenceGuichet ${cmd.referenceGuichet}.`);
  }
  const key = sequenceKeyOf(cmd.departement, cmd.dateDepot);
  const numeroUnique = formatNumeroUnique(key, view.allocateNumero(key), actor.codeGuichet);
  const demande: Demande = {
    numeroUnique,
    departement: cmd.departement,
    dateDepot: cmd.dateDepot,
    codeGuichet: actor.codeGuichet,
    organisme: actor.organisme,
    ...(cmd.referenceGuichet ? { referenceGuichet: cmd.referenceGuichet } : {}),
    identiteHash: hash,
    demandeur: cmd.demandeur,
    menage: cmd.menage,
    ressourcesMensuelles: cmd.ressourcesMensuelles,
    typologie: cmd.typologie,
    communesSouhaitees: cmd.communesSouhaitees,
    motif: cmd.motif,
    statut: 'active',
    dateEcheance: addYears(cmd.dateDepot, 1),
  };
  return {
    demande,
    history: [{ numeroUnique, kind: 'enregistrement', dateEffet: cmd.dateDepot, details: {} }],
    events: [event('demande.enregistree', demande, {})],
  };
}

function modifier(view: RegistryView, cmd: ModificationCommand, ctx: RuleContext): Change {
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

function renouveler(view: RegistryView, cmd: RenouvellementCommand, ctx: RuleContext): Change {
  const current = resolve(view, cmd.demande, ctx.actor);
  const date = cmd.dateRenouvellement;
  requireBusinessDate(date, current, ctx.today, 'dateRenouvellement');
  const renewed = { dateRenouvellement: date, dateEcheance: addYears(date, 1) };
  const details = { dateRenouvellement: date, dateEcheance: renewed.dateEcheance };

  if (current.statut === 'active') {
    if (current.dateRenouvellement && date < current.dateRenouvellement) {
      throw new BusinessError(
        'DATE_INVALIDE',
        `dateRenouvellement is before the last one (${current.dateRenouvellement}).`,
      );
    }
    const demande: Demande = { ...current, ...renewed };
    return {
      demande,
      history: [{ numeroUnique: demande.numeroUnique, kind: 'renouvellement', dateEffet: date, details }],
      events: [event('demande.renouvelee', demande, details)],
    };
  }

  if (current.radiation?.motif !== 'non-renouvellement') {
    throw new BusinessError('DEMANDE_RADIEE', `Radiée for ${current.radiation?.motif}.`);
  }
  const limite = addMonths(current.dateEcheance, 6);
  if (date > limite) {
    throw new BusinessError('REACTIVATION_EXPIREE', `The limit was ${limite}.`);
  }
  if (current.identiteHash) {
    const other = view.activeOf(current.departement, current.identiteHash);
    if (other) {
      throw new BusinessError('DOUBLON', `Existing demande: ${other.numeroUnique}.`, {
        numeroUnique: other.numeroUnique,
      });
    }
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

function radier(view: RegistryView, cmd: RadiationCommand, ctx: RuleContext): Change {
  const { actor } = ctx;
  if (cmd.motif === 'non-renouvellement' || cmd.motif === 'attribution') {
    throw new BusinessError(
      'MOTIF_INTERDIT',
      cmd.motif === 'attribution'
        ? 'A radiation for attribution comes with an attribution message.'
        : 'Only the hub radiates for non-renouvellement.',
    );
  }
  if (cmd.motif === 'irrecevabilite') {
    if (actor.role !== 'bailleur') {
      throw new BusinessError('MOTIF_INTERDIT', 'Only a bailleur declares a demande irrecevable.');
    }
    if (!cmd.sousMotif) throw new BusinessError('SOUS_MOTIF_REQUIS');
  }
  const current = resolveForRadiation(view, cmd.demande, actor, cmd.dateRadiation, ctx.today);
  const radiation: Radiation = {
    motif: cmd.motif,
    ...(cmd.motif === 'irrecevabilite' && cmd.sousMotif ? { sousMotif: cmd.sousMotif } : {}),
    dateRadiation: cmd.dateRadiation,
  };
  return radiated(current, radiation);
}

/**
 * The logement a new attribution or désignation names: it must be in the parc. One that left it
 * (`sorti`, a snapshot import of its bailleur no longer listed it) counts as not in the parc.
 */
function logementEnParc(view: RegistryView, identifiantRpls: string): Logement {
  const logement = view.logement(identifiantRpls);
  if (!logement) throw new BusinessError('LOGEMENT_INCONNU', `Logement ${identifiantRpls}.`);
  if (logement.statut !== 'en-parc') {
    throw new BusinessError(
      'LOGEMENT_INCONNU',
      `Logement ${identifiantRpls} left the parc (statut ${logement.statut}).`,
    );
  }
  return logement;
}

function attribuer(view: RegistryView, cmd: AttributionCommand, ctx: RuleContext): Change {
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
  // The demande's DALO and prioritaire status as they stood on the day the bail was signed.
  change.attribution = {
    numeroUnique: current.numeroUnique,
    logement: cmd.logement,
    dateSignatureBail: bail,
    contingent: cmd.contingent,
    accordCollectif: cmd.accordCollectif,
    dalo: current.dalo?.decision === 'prioritaire-urgent' && current.dalo.dateDecision <= bail,
    prioritaire: current.prioritaire !== undefined && current.prioritaire.dateLabellisation <= bail,
  };
  return change;
}

function deciderDalo(view: RegistryView, cmd: DaloDecisionCommand, ctx: RuleContext): Change {
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

function labelliser(view: RegistryView, cmd: LabellisationCommand, ctx: RuleContext): Change {
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

function designer(view: RegistryView, cmd: DesignationCommand, ctx: RuleContext): Change {
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

/** The sweep's preavis: due from dateEcheance − 1 month on, for an active demande. */
export function preavisDue(demande: Demande, asOf: IsoDate): boolean {
  return demande.statut === 'active' && addMonths(demande.dateEcheance, -1) <= asOf;
}

export function preavis(demande: Demande): Change {
  const details = { dateEcheance: demande.dateEcheance };
  return {
    demande,
    history: [
      {
        numeroUnique: demande.numeroUnique,
        kind: 'preavis',
        dateEffet: addMonths(demande.dateEcheance, -1),
        details,
      },
    ],
    events: [event('renouvellement.preavis', demande, details)],
  };
}

/** The sweep's radiation: an active demande with dateEcheance + 1 month ≤ asOf, radiée at that date (not asOf). */
export function radiationNonRenouvellement(demande: Demande, asOf: IsoDate): Change | undefined {
  const dateRadiation = addMonths(demande.dateEcheance, 1);
  if (demande.statut !== 'active' || dateRadiation > asOf) return undefined;
  return radiated(demande, { motif: 'non-renouvellement', dateRadiation });
}

function radiated(current: Demande, radiation: Radiation): Change {
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

/**
 * The demande an explicit radiation or attribution closes. An active one; or, for the catch-up
 * (rattrapage), one the sweep radiated for non-renouvellement on or after the explicit date.
 */
function resolveForRadiation(
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

function resolveActive(view: RegistryView, ref: DemandeRef, actor: Actor): Demande {
  const demande = resolve(view, ref, actor);
  if (demande.statut !== 'active') {
    throw new BusinessError('DEMANDE_RADIEE', `Radiée on ${demande.radiation?.dateRadiation}.`);
  }
  return demande;
}

function resolve(view: RegistryView, ref: DemandeRef, actor: Actor): Demande {
  const demande =
    'numeroUnique' in ref
      ? view.byNumero(ref.numeroUnique)
      : view.byReference(actor.organisme, ref.referenceGuichet);
  if (!demande) {
    throw new BusinessError(
      'DEMANDE_INCONNUE',
      'numeroUnique' in ref
        ? `numéro unique ${ref.numeroUnique}.`
        : `referenceGuichet ${ref.referenceGuichet}.`,
    );
  }
  requireScope(actor, demande.departement);
  return demande;
}

function requireRole(actor: Actor, role: Actor['role'], detail: string): void {
  if (actor.role !== role) throw new BusinessError('ACTION_INTERDITE', detail);
}

function requireScope(actor: Actor, departement: string): void {
  if (!actsOn(actor, departement)) {
    throw new BusinessError('HORS_TERRITOIRE', `The sender may not act on département ${departement}.`);
  }
}

function requireNotFuture(date: IsoDate, today: IsoDate, field: string): void {
  if (date > today) throw new BusinessError('DATE_INVALIDE', `${field} ${date} lies in the future.`);
}

function requireBusinessDate(date: IsoDate, demande: Demande, today: IsoDate, field: string): void {
  requireNotFuture(date, today, field);
  if (date < demande.dateDepot) {
    throw new BusinessError('DATE_INVALIDE', `${field} ${date} is before the dépôt (${demande.dateDepot}).`);
  }
}

function checkCommunes(communes: string[], departement: string): void {
  for (const insee of communes) {
    const dep = departementOfCommune(insee);
    if (!dep) throw new BusinessError('COMMUNE_INCONNUE', `Commune ${insee}.`);
    if (dep !== departement) {
      throw new BusinessError(
        'HORS_TERRITOIRE',
        `Commune ${insee} lies in département ${dep}, not ${departement}.`,
      );
    }
  }
}

function event(name: DomainEvent['name'], demande: Demande, change: Record<string, unknown>): DomainEvent {
  return {
    name,
    subject: demande.numeroUnique,
    departement: demande.departement,
    data: { ...demandeSummary(demande), ...change },
    audience: {
      ...(demande.dalo ? { daloDecision: demande.dalo.decision } : {}),
      prioritaire: demande.prioritaire !== undefined,
    },
  };
}
