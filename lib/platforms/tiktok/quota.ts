/**
 * The client's own count of today's API usage. TikTok does not report remaining quota, so Steward counts
 * what it sent: every request that reached the server (the API bills 500s too) and every record returned.
 * Counters belong to the UTC day (the quota resets at 00:00 UTC) and can be seeded from persisted counts,
 * because a Lambda forgets everything between invocations.
 */
import * as z from 'zod';
import { MS_PER_DAY, startOfUtcDay, utcDayKey, type Clock } from '../../domain/clock';

/** Usage of one UTC day. Followers/following have their own, larger budget, hence the `social*` counters. */
export interface QuotaSnapshot {
  /** `YYYY-MM-DD` (UTC). */
  readonly day: string;
  /** Requests to general research endpoints (video, comments, user info, liked, ... and batch compliance). */
  readonly requests: number;
  /** Records returned by general research endpoints. */
  readonly records: number;
  /** Requests to `/user/followers/` and `/user/following/`. */
  readonly socialRequests: number;
  /** Records returned by followers/following. */
  readonly socialRecords: number;
}

/** Which daily budget a request is billed to. */
export type QuotaBucket = 'general' | 'social';

export const quotaSnapshotSchema = z.object({
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD'),
  requests: z.number().int().nonnegative(),
  records: z.number().int().nonnegative(),
  socialRequests: z.number().int().nonnegative(),
  socialRecords: z.number().int().nonnegative(),
});

/** Next 00:00 UTC strictly after `instant`: when a daily quota becomes available again. */
export function nextUtcMidnight(instant: Date): Date {
  return new Date(startOfUtcDay(instant).getTime() + MS_PER_DAY);
}

/** Mutable counters behind `client.quota()`. */
export class QuotaTracker {
  private current: { day: string; requests: number; records: number; socialRequests: number; socialRecords: number };

  /**
   * @param seed - counts persisted by an earlier process; ignored when they belong to another UTC day.
   */
  constructor(
    private readonly clock: Clock,
    seed?: QuotaSnapshot,
  ) {
    const today = utcDayKey(clock.now());
    const parsed = seed === undefined ? undefined : quotaSnapshotSchema.parse(seed);
    this.current = parsed && parsed.day === today ? { ...parsed } : QuotaTracker.empty(today);
  }

  /** Today's usage (a copy; resets when the clock crosses 00:00 UTC). */
  snapshot(): QuotaSnapshot {
    this.rollOver();
    return { ...this.current };
  }

  /** Bill one request that reached the server. */
  countRequest(bucket: QuotaBucket): void {
    this.rollOver();
    if (bucket === 'social') this.current.socialRequests += 1;
    else this.current.requests += 1;
  }

  /** Bill records returned by a successful response. */
  countRecords(bucket: QuotaBucket, records: number): void {
    if (records <= 0) return;
    this.rollOver();
    if (bucket === 'social') this.current.socialRecords += records;
    else this.current.records += records;
  }

  private rollOver(): void {
    const today = utcDayKey(this.clock.now());
    if (today !== this.current.day) this.current = QuotaTracker.empty(today);
  }

  private static empty(day: string) {
    return { day, requests: 0, records: 0, socialRequests: 0, socialRecords: 0 };
  }
}
