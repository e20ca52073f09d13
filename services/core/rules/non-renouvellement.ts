import type { IsoDate } from '../commands.ts';
import { addMonths } from '../dates.ts';
import type { Demande } from '../demande.ts';
import type { Change } from './context.ts';
import { event } from './event.ts';
import { radiated } from './radiation.ts';

/** The sweep's preavis: due from dateEcheance − 1 month on, for an active demande. */
export function preavisDue(demande: Demande, asOf: IsoDate): boolean {
  return demande.statut === 'active' && addMonths(demande.dateEcheance, -1) <= asOf;
}

/** The `renouvellement.preavis` of a demande's current échéance (the sweep sends it once per échéance). */
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
