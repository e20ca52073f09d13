/**
 * Calendar dates as domain.md defines them ("Dates and statistics"), written here from the spec
 * rather than imported from the hub so that the scenario's plan is an independent oracle: adding
 * months keeps the day of the month, clamped to the month's last day.
 */

/** A date `YYYY-MM-DD`. */
export type IsoDate = string;

function parts(date: IsoDate): [number, number, number] {
  const [y, m, d] = date.split('-').map(Number);
  if (y === undefined || m === undefined || d === undefined) throw new Error(`not a date: ${date}`);
  return [y, m, d];
}

function format(year: number, month: number, day: number): IsoDate {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function lastDay(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** `date` + `months` calendar months, the day clamped to the month's last day. */
export function addMonths(date: IsoDate, months: number): IsoDate {
  const [y, m, d] = parts(date);
  const index = y * 12 + (m - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return format(year, month, Math.min(d, lastDay(year, month)));
}

export function addYears(date: IsoDate, years: number): IsoDate {
  return addMonths(date, 12 * years);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  const [y, m, d] = parts(date);
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return format(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  const [y1, m1, d1] = parts(from);
  const [y2, m2, d2] = parts(to);
  return Math.round((Date.UTC(y2, m2 - 1, d2) - Date.UTC(y1, m1 - 1, d1)) / 86_400_000);
}

/** Months from the month of `from` to the month of `to` (0 when both lie in the same month). */
export function monthsBetween(from: IsoDate, to: IsoDate): number {
  const [y1, m1] = parts(from);
  const [y2, m2] = parts(to);
  return y2 * 12 + m2 - (y1 * 12 + m1);
}

/** The last day of the month of `date`. */
export function endOfMonth(date: IsoDate): IsoDate {
  const [y, m] = parts(date);
  return format(y, m, lastDay(y, m));
}

/** `DD/MM/YYYY`, the SPT v1 form. */
export function frenchDate(date: IsoDate): string {
  const [y, m, d] = parts(date);
  return `${String(d).padStart(2, '0')}/${String(m).padStart(2, '0')}/${y}`;
}
