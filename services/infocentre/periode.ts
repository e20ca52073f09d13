import { addMonths } from '../core/dates.ts';
import { InfocentreError } from './errors.ts';

/** A calendar date `YYYY-MM-DD` that exists (no 30 February). */
export function isCalendarDate(value: string): boolean {
  if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(value)) return false;
  const [y, m, d] = value.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** Checks a date parameter; throws PERIODE_INVALIDE. */
export function requireDate(value: string, name: string): string {
  if (!isCalendarDate(value)) throw new InfocentreError('PERIODE_INVALIDE', `${name} is "${value}".`);
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
