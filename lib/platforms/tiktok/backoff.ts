/**
 * Retry timing. Full-jitter exponential backoff (delay drawn uniformly from [0, min(cap, base * 2^(n-1))))
 * spreads the retries of many Lambdas that failed together, which a fixed or equal-jitter delay does not.
 */

/** How often and how patiently to retry transient failures. */
export interface RetryPolicy {
  /** Attempts in total, the first one included. @default 6 */
  readonly maxAttempts: number;
  /** Upper bound of the first delay. @default 500 */
  readonly baseDelayMs: number;
  /** No delay is longer than this. @default 30_000 */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 30_000 };

/**
 * Delay before the retry that follows failed attempt number `attempt` (1-based).
 *
 * @param random - a source of numbers in [0, 1), injected so tests can pin the jitter.
 * @example backoffDelay(3, { baseDelayMs: 500, maxDelayMs: 30_000 }, () => 0.5) // 1000 (half of 2000)
 */
export function backoffDelay(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
): number {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`backoffDelay: attempt must be an integer >= 1, got ${attempt}`);
  // 2^(attempt-1) overflows to Infinity for absurd attempts; Math.min keeps the cap.
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  // Clamp: a random() that returns exactly 1 (or a buggy stub) must not exceed the ceiling.
  const r = Math.min(Math.max(random(), 0), 1 - Number.EPSILON);
  return Math.floor(r * ceiling);
}

/** A delay the server asked for with `Retry-After` (seconds or HTTP date), in ms; undefined if absent or unreadable. */
export function retryAfterMs(header: string | null, now: Date): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/** `setTimeout` as a promise: the default `sleep`, and the one jest fake timers control. */
export function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
