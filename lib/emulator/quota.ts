/**
 * Daily quotas per client key and per UTC day of the emulator clock, as the Research API FAQ describes them:
 * requests and records for the general endpoints, separate (larger) counters for followers/following. The
 * Commercial Content API's limits are undocumented; it gets its own counters so it never eats research quota.
 */
import { type Clock, MS_PER_DAY, startOfUtcDay, utcDayKey } from '../domain/clock';
import { ApiError } from './http';

export interface QuotaLimits {
  dailyRequests: number;
  dailyRecords: number;
  socialDailyRequests: number;
  socialDailyRecords: number;
  commercialDailyRequests: number;
  commercialDailyRecords: number;
}

export const DEFAULT_QUOTA_LIMITS: Readonly<QuotaLimits> = Object.freeze({
  dailyRequests: 1_000,
  dailyRecords: 100_000,
  socialDailyRequests: 20_000,
  socialDailyRecords: 2_000_000,
  commercialDailyRequests: 1_000,
  commercialDailyRecords: 100_000,
});

/** Which counters an endpoint draws on. */
export type QuotaBucket = 'research' | 'social' | 'commercial';

export interface QuotaUsage {
  requests: number;
  records: number;
}

/** A client's usage on the current UTC day. */
export interface QuotaReport {
  clientKey: string;
  day: string;
  resetsAt: string;
  limits: QuotaLimits;
  used: Record<QuotaBucket, QuotaUsage>;
}

const emptyUsage = (): Record<QuotaBucket, QuotaUsage> => ({
  research: { requests: 0, records: 0 },
  social: { requests: 0, records: 0 },
  commercial: { requests: 0, records: 0 },
});

/** Per-client, per-UTC-day counters of requests and records, one set per bucket. */
export class QuotaLedger {
  private readonly limits: QuotaLimits;
  private readonly usage = new Map<string, { day: string; used: Record<QuotaBucket, QuotaUsage> }>();

  constructor(
    limits: Partial<QuotaLimits>,
    private readonly clock: Clock,
  ) {
    this.limits = { ...DEFAULT_QUOTA_LIMITS, ...limits };
  }

  /**
   * Admit one request: throws 429 `daily_quota_limit_exceeded` when the day's requests or records are used up,
   * otherwise counts the request. A request admitted here stays counted whatever happens next (a 500 included).
   */
  admit(clientKey: string, bucket: QuotaBucket): void {
    const used = this.today(clientKey)[bucket];
    const [maxRequests, maxRecords] = this.limitsOf(bucket);
    if (used.requests >= maxRequests || used.records >= maxRecords) {
      const what = used.requests >= maxRequests ? `${maxRequests} requests` : `${maxRecords} records`;
      const resetsAt = new Date(startOfUtcDay(this.clock.now()).getTime() + MS_PER_DAY).toISOString();
      throw new ApiError('daily_quota_limit_exceeded', `Daily quota limit exceeded: ${what} per day for this client. The quota resets at ${resetsAt} (00:00 UTC).`);
    }
    used.requests += 1;
  }

  /** Count the records a successful response carried. */
  addRecords(clientKey: string, bucket: QuotaBucket, records: number): void {
    this.today(clientKey)[bucket].records += records;
  }

  report(clientKey: string): QuotaReport {
    const now = this.clock.now();
    return {
      clientKey,
      day: utcDayKey(now),
      resetsAt: new Date(startOfUtcDay(now).getTime() + MS_PER_DAY).toISOString(),
      limits: { ...this.limits },
      used: structuredClone(this.today(clientKey)),
    };
  }

  private limitsOf(bucket: QuotaBucket): [number, number] {
    if (bucket === 'social') return [this.limits.socialDailyRequests, this.limits.socialDailyRecords];
    if (bucket === 'commercial') return [this.limits.commercialDailyRequests, this.limits.commercialDailyRecords];
    return [this.limits.dailyRequests, this.limits.dailyRecords];
  }

  /** Today's counters for a client; a new UTC day starts from zero. */
  private today(clientKey: string): Record<QuotaBucket, QuotaUsage> {
    const day = utcDayKey(this.clock.now());
    let entry = this.usage.get(clientKey);
    if (!entry || entry.day !== day) {
      entry = { day, used: emptyUsage() };
      this.usage.set(clientKey, entry);
    }
    return entry.used;
  }
}
