import { type Actor, actsOn } from '../core/actor.ts';
import { HttpProblem } from './problem.ts';

/** 403 unless the client may act on the département. */
export function requireDepartement(actor: Actor, departement: string): void {
  if (!actsOn(actor, departement)) {
    throw new HttpProblem('FORBIDDEN', `This client may not act on département ${departement}.`);
  }
}
