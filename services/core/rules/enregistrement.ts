import type { EnregistrementCommand } from '../commands.ts';
import { addYears } from '../dates.ts';
import type { Demande } from '../demande.ts';
import { BusinessError } from '../errors.ts';
import { identiteHash } from '../identite.ts';
import { formatNumeroUnique, sequenceKeyOf } from '../numero-unique.ts';
import { isDepartement } from '../territoire.ts';
import type { Change, RegistryView, RuleContext } from './context.ts';
import { event } from './event.ts';
import { checkCommunes, requireNotFuture, requireScope } from './guards.ts';

/**
 * Enregistrement (domain.md): a new demande gets its numéro unique and `dateEcheance = dateDepot
 * + 1 year`. Refused when the dépôt lies in the future or the demandeur's birth after it
 * (DATE_INVALIDE), when the same person
 * already holds an active demande in the département (DOUBLON, naming it), or when the sender's
 * organisme already used the referenceGuichet.
 */
export function enregistrer(view: RegistryView, cmd: EnregistrementCommand, ctx: RuleContext): Change {
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
  if (cmd.demandeur.dateNaissance > cmd.dateDepot) {
    // Not the date itself: an error is kept with the message and shown to operators, and a date
    // of birth is personal data the retention purge erases from the payload, not from the error.
    throw new BusinessError(
      'DATE_INVALIDE',
      `demandeur.dateNaissance is after the dépôt (${cmd.dateDepot}).`,
    );
  }
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
