/**
 * Injected faults, modelled on what researchers report from the real API: 500s that still cost quota, 429
 * throttling, slow answers, a fresh search_id reported expired, pages shorter than max_count, and items missing
 * keys. Rolls come from their own seeded stream, separate from the world's, so turning faults on never changes
 * the world.
 */
import { hash32, Rng } from './random';

export interface FaultOptions {
  /** Share of data requests answered 500 `internal_error` (they still count against the daily quota). */
  internalErrorRate: number;
  /** Share of data requests answered 429 `rate_limit_exceeded` (not counted). */
  throttleRate: number;
  /** Delay before every answer, in real milliseconds. */
  latencyMs: number;
  /** Share of requests with a valid search_id answered "Search Id ... is invalid or expired" (a retry may work). */
  searchIdEarlyExpiryRate: number;
  /** Share of pages cut short: fewer items than max_count, the cursor advancing only past what was returned. */
  shortPageRate: number;
  /** Chance that each field other than `id` is left out of an item (real responses omit keys at times). */
  missingFieldRate: number;
  /**
   * Share of id lookups (video queries by `video_id`, user info, compliance tasks), ad detail calls and comment
   * listings answered with none of the asked records while saying success: an outage that answers empty, or a
   * wrong world or key. Lookups come back empty, listings end at once, a task completes with no valid id, and the
   * single-record endpoints answer as for a record they do not have ("cannot find"), their only way to say none.
   */
  emptyLookupRate: number;
}

export const NO_FAULTS: Readonly<FaultOptions> = Object.freeze({
  internalErrorRate: 0,
  throttleRate: 0,
  latencyMs: 0,
  searchIdEarlyExpiryRate: 0,
  shortPageRate: 0,
  missingFieldRate: 0,
  emptyLookupRate: 0,
});

const RATES = ['internalErrorRate', 'throttleRate', 'searchIdEarlyExpiryRate', 'shortPageRate', 'missingFieldRate', 'emptyLookupRate'] as const;
const FAULT_STREAM = 0xfa017;

/** Check a partial fault setting; throws RangeError naming the bad knob. */
export function validateFaults(faults: Partial<FaultOptions>): void {
  for (const [name, value] of Object.entries(faults)) {
    if (name === 'latencyMs') {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new RangeError(`latencyMs must be a number of milliseconds >= 0 (got ${String(value)})`);
    } else if ((RATES as readonly string[]).includes(name)) {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new RangeError(`${name} must be a rate in [0, 1] (got ${String(value)})`);
    } else {
      throw new RangeError(`unknown fault "${name}"; known: latencyMs, ${RATES.join(', ')}`);
    }
  }
}

/** The current fault settings and the seeded stream their rolls come from. */
export class FaultInjector {
  private settings: FaultOptions;
  private readonly rng: Rng;

  constructor(seed: number, faults: Partial<FaultOptions> = {}) {
    validateFaults(faults);
    this.settings = { ...NO_FAULTS, ...faults };
    this.rng = new Rng(hash32(seed, FAULT_STREAM));
  }

  get current(): Readonly<FaultOptions> {
    return { ...this.settings };
  }

  set(faults: Partial<FaultOptions>): void {
    validateFaults(faults);
    this.settings = { ...this.settings, ...faults };
  }

  /** True with the probability the named rate is set to. */
  roll(rate: (typeof RATES)[number]): boolean {
    const p = this.settings[rate];
    return p > 0 && this.rng.next() < p;
  }

  /** The page size to serve for `maxCount`: sometimes fewer (at least one), when short pages are on. */
  pageSize(maxCount: number): number {
    return maxCount > 1 && this.roll('shortPageRate') ? 1 + this.rng.int(maxCount - 1) : maxCount;
  }

  /** Drop keys other than `id` at the missing-field rate. */
  thin(item: Record<string, unknown>): Record<string, unknown> {
    if (this.settings.missingFieldRate <= 0) return item;
    return Object.fromEntries(Object.entries(item).filter(([key]) => key === 'id' || !this.roll('missingFieldRate')));
  }

  /** A random integer in [0, n) from the fault stream (for is_random sampling). */
  int(n: number): number {
    return this.rng.int(n);
  }

  async delay(): Promise<void> {
    if (this.settings.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.settings.latencyMs));
  }
}
