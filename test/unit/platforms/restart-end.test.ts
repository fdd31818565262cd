import { restartEnd } from '../../../lib/platforms/tiktok/research-client';

describe('restartEnd: a restarted window re-reads only from the day of the last yielded id', () => {
  const window = { startDate: '20260101', endDate: '20260130' };
  // 2026-01-17T10:00:00Z = 1768644000 s; TikTok ids carry it in the high 32 bits.
  const idOn17th = ((1_768_644_000n << 32n) | 12_345n).toString();

  it('ends the window on the creation day of the smallest yielded id', () => {
    expect(restartEnd(window, idOn17th)).toBe('20260117');
  });

  it('keeps the window when nothing was yielded or the id lies outside it', () => {
    expect(restartEnd(window, undefined)).toBeUndefined();
    expect(restartEnd({ startDate: '20260201', endDate: '20260228' }, idOn17th)).toBeUndefined();
    expect(restartEnd(window, '12345')).toBeUndefined(); // not a time-based id
  });
});
