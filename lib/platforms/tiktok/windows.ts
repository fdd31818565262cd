/**
 * Creation-date windows. Query Videos takes `start_date`/`end_date` as UTC `YYYYMMDD` with
 * `end_date` at most 30 days after `start_date`; like the official wrapper we cut longer ranges into
 * consecutive windows of 30 inclusive days (`start` .. `start + 29`), which stays inside the limit
 * whichever way the server counts the bounds.
 */
import { MS_PER_DAY } from '../../domain/clock';
import { TikTokRequestValidationError } from './errors';

/** One inclusive range of UTC creation dates, as the API wants them. */
export interface DateWindow {
  /** `YYYYMMDD` */
  readonly startDate: string;
  /** `YYYYMMDD`, inclusive */
  readonly endDate: string;
}

/** Longest window, in inclusive days. */
export const MAX_WINDOW_DAYS = 30;

/** `YYYYMMDD` that names a real calendar date (20240230 does not). */
export function isValidYmd(value: string): boolean {
  if (!/^\d{8}$/.test(value)) return false;
  const date = ymdToDate(value, false);
  return date !== undefined && dateToYmd(date) === value;
}

/** Midnight UTC of a `YYYYMMDD` date. */
export function ymdToDate(value: string): Date;
export function ymdToDate(value: string, strict: false): Date | undefined;
export function ymdToDate(value: string, strict = true): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(value);
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : undefined;
  if (strict && (date === undefined || dateToYmd(date) !== value)) {
    throw new TikTokRequestValidationError(`Invalid date ${JSON.stringify(value)}: expected a real calendar date as YYYYMMDD (UTC)`);
  }
  return date;
}

/** `YYYYMMDD` of the UTC day containing `instant`. */
export function dateToYmd(instant: Date): string {
  return instant.toISOString().slice(0, 10).replace(/-/g, '');
}

/** `YYYYMMDD` (UTC) of a Unix timestamp in seconds, e.g. a video's `create_time`. */
export function unixSecondsToYmd(seconds: number): string {
  return dateToYmd(new Date(seconds * 1000));
}

/** `YYYYMMDD` shifted by whole days. */
export function addDaysYmd(value: string, days: number): string {
  return dateToYmd(new Date(ymdToDate(value).getTime() + days * MS_PER_DAY));
}

function toYmd(value: string | Date, name: string): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TikTokRequestValidationError(`Invalid ${name}: not a valid Date`);
    return dateToYmd(value);
  }
  if (!isValidYmd(value)) throw new TikTokRequestValidationError(`Invalid ${name} ${JSON.stringify(value)}: expected a real calendar date as YYYYMMDD (UTC)`);
  return value;
}

/**
 * Cut the inclusive range `start`..`end` into consecutive windows of at most `maxDays` inclusive days.
 * Dates are `YYYYMMDD` strings or `Date`s (their UTC day is used).
 *
 * @example splitIntoWindows('20240101', '20240301') // [01-01..01-30], [01-31..02-29], [03-01..03-01]
 */
export function splitIntoWindows(start: string | Date, end: string | Date, maxDays: number = MAX_WINDOW_DAYS): DateWindow[] {
  const startYmd = toYmd(start, 'start date');
  const endYmd = toYmd(end, 'end date');
  if (!Number.isInteger(maxDays) || maxDays < 1 || maxDays > MAX_WINDOW_DAYS) {
    throw new TikTokRequestValidationError(`Invalid window size ${maxDays}: expected an integer from 1 to ${MAX_WINDOW_DAYS} days`);
  }
  const startMs = ymdToDate(startYmd).getTime();
  const endMs = ymdToDate(endYmd).getTime();
  if (endMs < startMs) throw new TikTokRequestValidationError(`Invalid date range: end date ${endYmd} is before start date ${startYmd}`);
  const windows: DateWindow[] = [];
  for (let from = startMs; from <= endMs; from += maxDays * MS_PER_DAY) {
    const to = Math.min(from + (maxDays - 1) * MS_PER_DAY, endMs);
    windows.push({ startDate: dateToYmd(new Date(from)), endDate: dateToYmd(new Date(to)) });
  }
  return windows;
}
