import { isCalendarDate } from '../../../services/shared/business-date.ts';

/** SPT v1 dates are written `DD/MM/YYYY`; the canonical model writes `YYYY-MM-DD`. */

const V1_DATE = /^([0-9]{2})\/([0-9]{2})\/([0-9]{4})$/;

/** `DD/MM/YYYY` → `YYYY-MM-DD`; `undefined` when it is not a real calendar date (31/02/2014). */
export function isoDate(value: string): string | undefined {
  const match = V1_DATE.exec(value);
  if (!match) return undefined;
  const [, day = '', month = '', year = ''] = match;
  const iso = `${year}-${month}-${day}`;
  return isCalendarDate(iso) ? iso : undefined;
}
