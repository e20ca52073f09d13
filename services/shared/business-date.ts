/**
 * The dates the registry accepts at reception: real calendar dates (no 30 February) in a range
 * that every system along the way can store and compute with. PostgreSQL refuses year 0, and a
 * demande, a decision or a birth outside 1900-2099 is a typing error, not a fact: refusing it at
 * reception gives the sender its path at once instead of a failure after the 202.
 */

/** The earliest business date accepted (births included). */
export const MIN_BUSINESS_DATE = '1900-01-01';
/** The latest business date accepted; the rules refuse dates after today anyway. */
export const MAX_BUSINESS_DATE = '2099-12-31';

const ISO_DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;

/** True when `value` is `YYYY-MM-DD`, a day that exists, between the two bounds above. */
export function isBusinessDate(value: string): boolean {
  return isCalendarDate(value) && value >= MIN_BUSINESS_DATE && value <= MAX_BUSINESS_DATE;
}

/** True when `value` is `YYYY-MM-DD` and that day exists (whatever its year). */
export function isCalendarDate(value: string): boolean {
  const match = ISO_DATE.exec(value);
  if (!match) return false;
  const [, year = '', month = '', day = ''] = match;
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999. Either rolls 2014-02-30
  // over to 2014-03-02: a real date comes back as it went in.
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  return (
    date.getUTCFullYear() === Number(year) &&
    date.getUTCMonth() === Number(month) - 1 &&
    date.getUTCDate() === Number(day)
  );
}

/** The message of a contract error on a real date outside the range (ISO form). */
export const OUT_OF_RANGE_MESSAGE = `must lie between ${MIN_BUSINESS_DATE} and ${MAX_BUSINESS_DATE}`;

/** A UTC offset at the end of a date-time: `+hh:mm`, `-hhmm` or `+hh`. */
const UTC_OFFSET = /([+-])([0-9]{2}):?([0-9]{2})?$/;

/**
 * True when the offset of a date-time (RFC 3339, checked as such by ajv-formats) is one PostgreSQL
 * stores: at most 15:59 either way. RFC 3339 allows up to 23:59, PostgreSQL refuses more than 15:59
 * ("time zone displacement out of range"), and no place on Earth is further than 14:00 from UTC.
 * `Z` has no offset to check.
 */
export function hasStorableOffset(dateTime: string): boolean {
  const match = UTC_OFFSET.exec(dateTime.slice(10));
  if (!match) return true;
  const [, , hours = '0', minutes = '0'] = match;
  return Number(hours) * 60 + Number(minutes) <= 15 * 60 + 59;
}
