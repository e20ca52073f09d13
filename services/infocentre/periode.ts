import { addMonths } from '../core/dates.ts';
import { isBusinessDate, OUT_OF_RANGE_MESSAGE } from '../shared/business-date.ts';
import { InfocentreError } from './errors.ts';

/**
 * Checks a date parameter: a day that exists, within the business dates (a year of 9999 let the
 * day after `au` become year 10000, which PostgreSQL refused: a 500); throws PERIODE_INVALIDE.
 */
export function requireDate(value: string, name: string): string {
  if (!isBusinessDate(value)) {
    throw new InfocentreError(
      'PERIODE_INVALIDE',
      `${name} is "${value}": a date YYYY-MM-DD that ${OUT_OF_RANGE_MESSAGE}.`,
    );
  }
  return value;
}

/** Checks `[du, au]` (inclusive days); throws PERIODE_INVALIDE. */
export function requirePeriode(du: string, au: string): { du: string; au: string } {
  requireDate(du, 'du');
  requireDate(au, 'au');
  if (du > au) throw new InfocentreError('PERIODE_INVALIDE', `du ${du} is after au ${au}.`);
  return { du, au };
}

/** The day after a date: counts "up to and including au" are counts "before au + 1 day". */
export function nextDay(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

/** The months `YYYY-MM` a period touches, in order. */
export function moisDe(du: string, au: string): string[] {
  const mois: string[] = [];
  for (let d = `${du.slice(0, 7)}-01`; d.slice(0, 7) <= au.slice(0, 7); d = addMonths(d, 1))
    mois.push(d.slice(0, 7));
  return mois;
}

/** Whole calendar months from `from` to `to` (the day of the month decides, as in domain.md's arithmetic). */
export function moisEcoules(from: string, to: string): number {
  let months =
    (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 +
    Number(to.slice(5, 7)) -
    Number(from.slice(5, 7));
  if (addMonths(from, months) > to) months -= 1;
  return months;
}
