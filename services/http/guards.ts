import { type Actor, actsOn } from '../core/actor.ts';
import { departementOfNumero } from '../core/numero-departement.ts';
import { HttpProblem } from './problem.ts';

/** 403 unless the client may act on the département. */
export function requireDepartement(actor: Actor, departement: string): void {
  if (!actsOn(actor, departement)) {
    throw new HttpProblem('FORBIDDEN', `This client may not act on département ${departement}.`);
  }
}

/**
 * 403 unless the client may act on the département of this numéro unique, read from the numéro
 * itself (interfaces.md §1: a département outside its scope → 403). No lookup comes first, so the
 * answer tells nothing of whether that numéro exists.
 */
export function requireNumeroInScope(actor: Actor, numeroUnique: string): void {
  requireDepartement(actor, departementOfNumero(numeroUnique));
}
