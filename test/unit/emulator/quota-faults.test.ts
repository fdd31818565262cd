import { ManualClock } from '../../../lib/domain/clock';
import { FaultInjector, validateFaults } from '../../../lib/emulator/faults';
import { ApiError } from '../../../lib/emulator/http';
import { QuotaLedger } from '../../../lib/emulator/quota';

describe('quota ledger', () => {
  it('admits the daily number of requests, then refuses with 429 until 00:00 UTC', () => {
    // Prepare
    const clock = new ManualClock('2026-03-01T23:59:00Z');
    const ledger = new QuotaLedger({ dailyRequests: 3 }, clock);
    // Act
    for (let i = 0; i < 3; i += 1) ledger.admit('lab', 'research');
    // Assess
    let refusal: unknown;
    try {
      ledger.admit('lab', 'research');
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(ApiError);
    expect((refusal as ApiError).code).toBe('daily_quota_limit_exceeded');
    expect((refusal as ApiError).status).toBe(429);
    expect((refusal as ApiError).message).toMatch(/resets at 2026-03-02T00:00:00.000Z/);
    expect(() => ledger.admit('other-lab', 'research')).not.toThrow();
    clock.set(new Date('2026-03-02T00:00:00Z'));
    expect(() => ledger.admit('lab', 'research')).not.toThrow();
    expect(ledger.report('lab').used.research).toEqual({ requests: 1, records: 0 });
  });

  it('refuses once the day\'s records are used up, and keeps social and commercial counters apart', () => {
    const clock = new ManualClock('2026-03-01T10:00:00Z');
    const ledger = new QuotaLedger({ dailyRecords: 150, socialDailyRequests: 1 }, clock);
    ledger.admit('lab', 'research');
    ledger.addRecords('lab', 'research', 100);
    ledger.admit('lab', 'research');
    ledger.addRecords('lab', 'research', 100);
    expect(() => ledger.admit('lab', 'research')).toThrow(/150 records per day/);
    ledger.admit('lab', 'social');
    expect(() => ledger.admit('lab', 'social')).toThrow(/1 requests per day/);
    expect(() => ledger.admit('lab', 'commercial')).not.toThrow();
    expect(ledger.report('lab').used).toEqual({
      research: { requests: 2, records: 200 },
      social: { requests: 1, records: 0 },
      commercial: { requests: 1, records: 0 },
    });
  });
});

describe('fault injector', () => {
  it('rolls rates deterministically from its seed', () => {
    const rolls = (seed: number) => {
      const faults = new FaultInjector(seed, { internalErrorRate: 0.5 });
      return Array.from({ length: 64 }, () => faults.roll('internalErrorRate'));
    };
    expect(rolls(1)).toEqual(rolls(1));
    expect(rolls(1)).not.toEqual(rolls(2));
    const share = rolls(1).filter(Boolean).length / 64;
    expect(share).toBeGreaterThan(0.25);
    expect(share).toBeLessThan(0.75);
  });

  it('never fires a rate of 0 and always fires a rate of 1', () => {
    const faults = new FaultInjector(1, { throttleRate: 1 });
    expect(Array.from({ length: 50 }, () => faults.roll('throttleRate')).every(Boolean)).toBe(true);
    expect(Array.from({ length: 50 }, () => faults.roll('internalErrorRate')).some(Boolean)).toBe(false);
  });

  it('cuts pages short to between 1 and max_count - 1 items', () => {
    const faults = new FaultInjector(1, { shortPageRate: 1 });
    const sizes = Array.from({ length: 200 }, () => faults.pageSize(20));
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(19);
    expect(faults.pageSize(1)).toBe(1);
    expect(new FaultInjector(1).pageSize(20)).toBe(20);
  });

  it('thins items but always keeps the id', () => {
    const faults = new FaultInjector(1, { missingFieldRate: 1 });
    expect(faults.thin({ id: 1n, view_count: 3, username: 'a' })).toEqual({ id: 1n });
  });

  it.each([
    [{ internalErrorRate: 2 }, /internalErrorRate must be a rate in \[0, 1\]/],
    [{ latencyMs: -1 }, /latencyMs must be a number of milliseconds/],
    [{ explodeRate: 0.1 } as never, /unknown fault "explodeRate"/],
  ])('refuses %p', (faults, message) => {
    expect(() => validateFaults(faults)).toThrow(message);
    expect(() => new FaultInjector(1).set(faults)).toThrow(message);
  });
});
