import type { IsoDate } from './commands.ts';

/**
 * Calendar-date arithmetic of domain.md: adding months keeps the day of the month, clamped to the
 * month's last day (31 January + 1 month = 28 or 29 February; 29 February + 1 year = 28 February).
 */
export function addMonths(date: IsoDate, months: number): IsoDate {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const monthIndex = y * 12 + (m - 1) + months;
  const year = Math.floor(monthIndex / 12);
  const month = (monthIndex % 12) + 1;
  const day = Math.min(d, daysInMonth(year, month));
  return `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
}

export function addYears(date: IsoDate, years: number): IsoDate {
  return addMonths(date, 12 * years);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** Today's date in France, where business dates are written. */
export function todayInParis(now: Date = new Date()): IsoDate {
  return PARIS_DATE.format(now);
}

// en-CA formats as YYYY-MM-DD. Built once: a DateTimeFormat costs far more to make than to use.
const PARIS_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' });
