import { isIsoTime, ManualClock, ShiftedClock, startOfUtcDay, utcDayKey } from '../../lib/domain/clock';

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

describe('isIsoTime', () => {
  it.each([
    ['2026-03-01', true],
    ['2026-03-01T09:00Z', true],
    ['2026-03-01T09:00:00.123+01:00', true],
    ['2028-02-29', true],
    ['2026-02-29', false],
    ['2026-02-30T00:00:00Z', false],
    ['2026-13-01', false],
    ['2026-03-01T25:00:00Z', false],
    ['2026-03-01T09:00:00', false],
    ['March 1, 2026', false],
  ])('%s -> %s', (text, ok) => expect(isIsoTime(text)).toBe(ok));

  it('takes a time without its zone only when asked to', () => {
    expect(isIsoTime('2026-03-01T09:00:00', { zone: 'optional' })).toBe(true);
    expect(isIsoTime('2026-02-30T09:00:00', { zone: 'optional' })).toBe(false);
  });
});
