import { TikTokRequestValidationError, isValidYmd, splitIntoWindows, unixSecondsToYmd } from '../../../lib/platforms/tiktok';

describe('splitIntoWindows', () => {
  it('returns a single window for a single day', () => {
    expect(splitIntoWindows('20240301', '20240301')).toEqual([{ startDate: '20240301', endDate: '20240301' }]);
  });

  it('keeps exactly 30 inclusive days in one window and starts a second on day 31', () => {
    // Prepare: 20240101..20240130 is 30 days; ..20240131 is 31
    // Act
    const thirty = splitIntoWindows('20240101', '20240130');
    const thirtyOne = splitIntoWindows('20240101', '20240131');
    // Assess
    expect(thirty).toEqual([{ startDate: '20240101', endDate: '20240130' }]);
    expect(thirtyOne).toEqual([
      { startDate: '20240101', endDate: '20240130' },
      { startDate: '20240131', endDate: '20240131' },
    ]);
  });

  it('splits 60, 61 and 90 days into 2, 3 and 3 consecutive windows', () => {
    // Prepare: 2023 is not a leap year, so the ranges are plain day counts
    const sixty = splitIntoWindows('20230101', '20230301'); // Jan 31 + Feb 28 + 1 = 60 days
    const sixtyOne = splitIntoWindows('20230101', '20230302');
    const ninety = splitIntoWindows('20230101', '20230331');
    // Assess
    expect(sixty).toEqual([
      { startDate: '20230101', endDate: '20230130' },
      { startDate: '20230131', endDate: '20230301' },
    ]);
    expect(sixtyOne).toHaveLength(3);
    expect(sixtyOne[2]).toEqual({ startDate: '20230302', endDate: '20230302' });
    expect(ninety).toEqual([
      { startDate: '20230101', endDate: '20230130' },
      { startDate: '20230131', endDate: '20230301' },
      { startDate: '20230302', endDate: '20230331' },
    ]);
  });

  it('counts 29 February in leap years', () => {
    // Act
    const windows = splitIntoWindows('20240201', '20240331');
    // Assess: Feb 2024 has 29 days, so the first window ends on 1 March, not 2 March
    expect(windows).toEqual([
      { startDate: '20240201', endDate: '20240301' },
      { startDate: '20240302', endDate: '20240331' },
    ]);
    expect(splitIntoWindows('20230201', '20230331')[0]).toEqual({ startDate: '20230201', endDate: '20230302' });
  });

  it('leaves no gap and no overlap across a year boundary', () => {
    const windows = splitIntoWindows('20231120', '20240215');
    for (let i = 1; i < windows.length; i += 1) {
      const prevEnd = Date.UTC(+windows[i - 1]!.endDate.slice(0, 4), +windows[i - 1]!.endDate.slice(4, 6) - 1, +windows[i - 1]!.endDate.slice(6));
      const start = Date.UTC(+windows[i]!.startDate.slice(0, 4), +windows[i]!.startDate.slice(4, 6) - 1, +windows[i]!.startDate.slice(6));
      expect(start - prevEnd).toBe(86_400_000);
    }
    expect(windows[0]!.startDate).toBe('20231120');
    expect(windows.at(-1)!.endDate).toBe('20240215');
  });

  it('accepts Dates (UTC day) and a smaller window size', () => {
    const windows = splitIntoWindows(new Date('2024-03-01T23:59:59Z'), new Date('2024-03-07T00:00:00Z'), 3);
    expect(windows).toEqual([
      { startDate: '20240301', endDate: '20240303' },
      { startDate: '20240304', endDate: '20240306' },
      { startDate: '20240307', endDate: '20240307' },
    ]);
  });

  it('rejects reversed ranges, impossible dates and windows above 30 days', () => {
    expect(() => splitIntoWindows('20240302', '20240301')).toThrow(/end date 20240301 is before start date 20240302/);
    expect(() => splitIntoWindows('20230229', '20230301')).toThrow(TikTokRequestValidationError);
    expect(() => splitIntoWindows('2024-03-01', '20240301')).toThrow(/YYYYMMDD/);
    expect(() => splitIntoWindows('20240101', '20240301', 31)).toThrow(/1 to 30/);
  });
});

describe('date helpers', () => {
  it('validates calendar dates and converts Unix seconds in UTC', () => {
    expect(isValidYmd('20240229')).toBe(true);
    expect(isValidYmd('20230229')).toBe(false);
    expect(isValidYmd('20241301')).toBe(false);
    // 1704499196 = 2024-01-05T23:59:56Z; a local-time conversion east of UTC would give 20240106
    expect(unixSecondsToYmd(1_704_499_196)).toBe('20240105');
  });
});
