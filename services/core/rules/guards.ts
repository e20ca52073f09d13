// The checks every lifecycle shares: finding the demande a command names, the sender's role and
// territory, business dates, communes and logements. Each throws the BusinessError the spec names.
import { type Actor, actsOn } from '../actor.ts';
import type { DemandeRef, IsoDate } from '../commands.ts';
import type { Demande, Logement } from '../demande.ts';
import { BusinessError } from '../errors.ts';
import { departementOfNumero } from '../numero-departement.ts';
import { departementOfCommune } from '../territoire.ts';
import type { RegistryView } from './context.ts';

/** The demande named by numéro unique or by the sender's own referenceGuichet, in the sender's territory. */
export function resolve(view: RegistryView, ref: DemandeRef, actor: Actor): Demande {
  // A numéro tells its département: out of scope is HORS_TERRITOIRE before any lookup, whether the
  // demande exists or not (a guichet must not learn another département's demandes by probing).
  if ('numeroUnique' in ref) requireScope(actor, departementOfNumero(ref.numeroUnique));
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

/** As `resolve`, and the demande must be active. */
export function resolveActive(view: RegistryView, ref: DemandeRef, actor: Actor): Demande {
  const demande = resolve(view, ref, actor);
  if (demande.statut !== 'active') {
    throw new BusinessError('DEMANDE_RADIEE', `Radiée on ${demande.radiation?.dateRadiation}.`);
  }
  return demande;
}

export function requireRole(actor: Actor, role: Actor['role'], detail: string): void {
  if (actor.role !== role) throw new BusinessError('ACTION_INTERDITE', detail);
}

export function requireScope(actor: Actor, departement: string): void {
  if (!actsOn(actor, departement)) {
    throw new BusinessError('HORS_TERRITOIRE', `The sender may not act on département ${departement}.`);
  }
}

export function requireNotFuture(date: IsoDate, today: IsoDate, field: string): void {
  if (date > today) throw new BusinessError('DATE_INVALIDE', `${field} ${date} lies in the future.`);
}

/** A business date: not in the future, not before the demande's dépôt. */
export function requireBusinessDate(date: IsoDate, demande: Demande, today: IsoDate, field: string): void {
  requireNotFuture(date, today, field);
  if (date < demande.dateDepot) {
    throw new BusinessError('DATE_INVALIDE', `${field} ${date} is before the dépôt (${demande.dateDepot}).`);
  }
}

/** Communes souhaitées: current INSEE codes, all in the demande's département. */
export function checkCommunes(communes: string[], departement: string): void {
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

/**
 * The logement a new attribution or désignation names: it must be in the parc. One that left it
 * (`sorti`, a snapshot import of its bailleur no longer listed it) counts as not in the parc.
 */
export function logementEnParc(view: RegistryView, identifiantRpls: string): Logement {
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
