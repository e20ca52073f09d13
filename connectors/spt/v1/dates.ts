/** SPT v1 dates are written `DD/MM/YYYY`; the canonical model writes `YYYY-MM-DD`. */

const V1_DATE = /^([0-9]{2})\/([0-9]{2})\/([0-9]{4})$/;

/** `DD/MM/YYYY` → `YYYY-MM-DD`; `undefined` when it is not a real calendar date (31/02/2014). */
export function isoDate(value: string): string | undefined {
  const match = V1_DATE.exec(value);
  if (!match) return undefined;
  const [, day = '', month = '', year = ''] = match;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  // Date.UTC rolls 31/02 over to 03/03: a real date comes back as it went in.
  const real =
    date.getUTCFullYear() === Number(year) &&
    date.getUTCMonth() === Number(month) - 1 &&
    date.getUTCDate() === Number(day);
  return real ? `${year}-${month}-${day}` : undefined;
}
