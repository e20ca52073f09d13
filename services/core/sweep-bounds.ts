import type { IsoDate } from './commands.ts';
import { addMonths } from './dates.ts';

/**
 * The latest échéance E for which `addMonths(E, offsetMonths) <= asOf` — the bound that lets the
 * sweep select with `date_echeance <= bound` on an index, exactly as the rule reads.
 *
 * `addMonths(asOf, -offsetMonths)` alone is not it around month ends: adding months clamps to the
 * month's last day, so several échéances share one préavis date (31, 30 and 29 March all have their
 * préavis on 28 February in a common year). The bound starts there and moves on while the next day
 * still satisfies the rule: at most three days.
 */
export function latestEcheance(asOf: IsoDate, offsetMonths: number): IsoDate {
  let bound = addMonths(asOf, -offsetMonths);
  for (;;) {
    const next = nextDay(bound);
    if (addMonths(next, offsetMonths) > asOf) return bound;
    bound = next;
  }
}

/** Échéances whose préavis is due as of `asOf` (dateEcheance − 1 month ≤ asOf) are on or before this. */
export function preavisBound(asOf: IsoDate): IsoDate {
  return latestEcheance(asOf, -1);
}

/** Radiations on or before this date are a year old or more as of `asOf` (retention). */
export function retentionBound(asOf: IsoDate): IsoDate {
  return latestEcheance(asOf, 12);
}

/** Échéances whose radiation is due as of `asOf` (dateEcheance + 1 month ≤ asOf) are on or before this. */
export function radiationBound(asOf: IsoDate): IsoDate {
  return latestEcheance(asOf, 1);
}

function nextDay(date: IsoDate): IsoDate {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}
