/**
 * The one source of time for Steward. Everything that reads time takes a Clock, so a test or the demo can
 * move 16 days forward without waiting, and the emulator and the jobs agree on what "now" is.
 */
import * as z from 'zod';

export interface Clock {
  /** The current instant. */
  now(): Date;
}

/** Wall-clock time. The default outside tests. */
export const systemClock: Clock = { now: () => new Date() };

/**
 * Real time shifted by an offset that can be changed at runtime: time keeps flowing (token expiry, backoff
 * and latency behave as usual) but can jump to any instant. Used by the CLI's `--now` and by the demo.
 */
export class ShiftedClock implements Clock {
  private offsetMs: number;

  constructor(start?: Date, private readonly base: Clock = systemClock) {
    this.offsetMs = start ? start.getTime() - base.now().getTime() : 0;
  }

  now(): Date {
    return new Date(this.base.now().getTime() + this.offsetMs);
  }

  /** Jump to an instant; time flows on from there. */
  set(instant: Date): void {
    this.offsetMs = instant.getTime() - this.base.now().getTime();
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

/** A clock that only moves when told to. For tests that need exact instants. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date | string) {
    this.current = new Date(start).getTime();
    if (Number.isNaN(this.current)) throw new RangeError(`ManualClock: invalid start time ${String(start)}`);
  }

  now(): Date {
    return new Date(this.current);
  }

  set(instant: Date): void {
    this.current = instant.getTime();
  }

  advance(ms: number): void {
    this.current += ms;
  }
}

/** A clock whose time can be set: what an admin endpoint or the demo needs. */
export type SettableClock = Clock & { set(instant: Date): void; advance(ms: number): void };

export function isSettable(clock: Clock): clock is SettableClock {
  return typeof (clock as Partial<SettableClock>).set === 'function' && typeof (clock as Partial<SettableClock>).advance === 'function';
}

export const MS_PER_SECOND = 1_000;
export const MS_PER_DAY = 86_400_000;

/** Start of the UTC day that contains `instant` (platform quotas reset at 00:00 UTC). */
export function startOfUtcDay(instant: Date): Date {
  return new Date(Math.floor(instant.getTime() / MS_PER_DAY) * MS_PER_DAY);
}

/** `YYYY-MM-DD` of the UTC day that contains `instant`. */
export function utcDayKey(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Whether `text` is an ISO 8601 day (YYYY-MM-DD) or time on a real calendar day: `Date.parse` alone takes
 * 2026-02-30 as March 2. A time needs its zone unless `zone` is `optional` (then it is local time).
 */
export function isIsoTime(text: string, { zone = 'required' }: { zone?: 'required' | 'optional' } = {}): boolean {
  const m = ISO_TIME.exec(text);
  if (!m || (m[4] && !m[7] && zone === 'required')) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day && !Number.isNaN(Date.parse(text));
}

/** A day or a time with its zone, as typed in a command or an event (kept as typed). */
export const IsoTimeSchema = z.string().refine((s) => isIsoTime(s), {
  message: 'must be an ISO 8601 time such as 2026-03-01T00:00:00Z, or a day such as 2026-03-01',
});

/** An instant for the clock or a bound of a local run; a time without a zone is local time. */
export const IsoInstantSchema = z
  .string()
  .refine((s) => isIsoTime(s, { zone: 'optional' }), { message: 'must be an ISO 8601 time such as 2026-03-01T00:00:00Z' })
  .transform((s) => new Date(s));
