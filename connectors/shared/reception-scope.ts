import type { Command } from '../../services/core/commands.ts';
import { departementOfNumero } from '../../services/core/numero-departement.ts';

/**
 * The départements a command acts on that are known before the registry is read: the one of its
 * numéro unique (the numéro begins with it and a demande never changes département), the one it
 * registers a demande in, and a DALO commission's. A demande named by a `referenceGuichet`, or a
 * logement, is placed only when the message is applied (`HORS_TERRITOIRE` then).
 */
export function departementsAtReception(command: Command): string[] {
  const departements: string[] = [];
  if ('demande' in command && 'numeroUnique' in command.demande) {
    departements.push(departementOfNumero(command.demande.numeroUnique));
  }
  if (command.type === 'enregistrement') departements.push(command.departement);
  if (command.type === 'dalo-decision') departements.push(command.departementCommission);
  return departements;
}
