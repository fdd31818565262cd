import { ManualClock, ShiftedClock, startOfUtcDay, utcDayKey } from '../../lib/domain/clock';

describe('clocks', () => {
  it('ManualClock moves only when told', () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    clock.advance(16 * 86_400_000);
    expect(clock.now().toISOString()).toBe('2026-01-17T00:00:00.000Z');
  });

  it('ShiftedClock starts at the given instant and follows its base', () => {
    const base = new ManualClock('2030-05-05T10:00:00Z');
    const clock = new ShiftedClock(new Date('2026-01-01T00:00:00Z'), base);
    base.advance(1_000);
    expect(clock.now().toISOString()).toBe('2026-01-01T00:00:01.000Z');
    clock.set(new Date('2026-02-01T00:00:00Z'));
    expect(clock.now().toISOString()).toBe('2026-02-01T00:00:00.000Z');
  });

  it('finds the UTC day', () => {
    const t = new Date('2026-03-04T23:59:59.999Z');
    expect(startOfUtcDay(t).toISOString()).toBe('2026-03-04T00:00:00.000Z');
    expect(utcDayKey(t)).toBe('2026-03-04');
  });
});
