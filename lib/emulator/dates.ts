/** The APIs speak in `YYYYMMDD` UTC dates and Unix seconds; these convert without locale surprises. */

export const DAY_SECONDS = 86_400;

/** Unix seconds of 00:00 UTC on a `YYYYMMDD` date, or undefined when the text is not a real calendar date. */
export function parseYmd(text: unknown): number | undefined {
  if (typeof text !== 'string' || !/^\d{8}$/.test(text)) return undefined;
  const iso = `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}T00:00:00Z`;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms) || !new Date(ms).toISOString().startsWith(iso.slice(0, 10))) return undefined;
  return ms / 1000;
}

/** `YYYYMMDD` of the UTC day containing a Unix-seconds instant. */
export function formatYmd(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10).replace(/-/g, '');
}

/** Unix seconds (whole) of a Date. */
export function toUnixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
