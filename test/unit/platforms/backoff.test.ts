import { backoffDelay, DEFAULT_RETRY_POLICY } from '../../../lib/platforms/tiktok';
import { retryAfterMs } from '../../../lib/platforms/tiktok/backoff';

describe('backoffDelay (full jitter)', () => {
  const policy = { baseDelayMs: 500, maxDelayMs: 30_000 };

  it('doubles the ceiling per attempt and scales it by the random draw', () => {
    // Prepare
    const almostOne = () => 0.999_999;
    // Act
    const ceilings = [1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffDelay(attempt, policy, almostOne));
    const halves = [1, 2, 3].map((attempt) => backoffDelay(attempt, policy, () => 0.5));
    // Assess
    expect(ceilings).toEqual([499, 999, 1999, 3999, 7999, 15_999, 29_999]);
    expect(halves).toEqual([250, 500, 1000]);
  });

  it('never exceeds maxDelayMs, even for huge attempts, and is 0 for a zero draw', () => {
    // Act / Assess
    expect(backoffDelay(12, policy, () => 0.999_999)).toBeLessThan(30_000);
    expect(backoffDelay(5_000, policy, () => 0.999_999)).toBeLessThan(30_000);
    expect(backoffDelay(8, policy, () => 0)).toBe(0);
    // A broken random source (returns 1 or more) is clamped below the ceiling.
    expect(backoffDelay(1, policy, () => 1)).toBeLessThan(500);
  });

  it('stays inside [0, ceiling) for real random draws', () => {
    for (let attempt = 1; attempt <= 8; attempt += 1) {
      const ceiling = Math.min(30_000, 500 * 2 ** (attempt - 1));
      for (let i = 0; i < 50; i += 1) {
        const delay = backoffDelay(attempt, policy);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
      }
    }
  });

  it('rejects attempt numbers below 1', () => {
    expect(() => backoffDelay(0, policy, () => 0.5)).toThrow(RangeError);
  });

  it('has the documented defaults', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({ maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 30_000 });
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    const now = new Date('2024-04-05T10:00:00Z');
    expect(retryAfterMs('7', now)).toBe(7000);
    expect(retryAfterMs('Fri, 05 Apr 2024 10:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
  });
});
