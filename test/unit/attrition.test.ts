/** The attrition estimator on hand-computed cases: shares, Kaplan-Meier steps, ties, censoring, Greenwood. */
import { attritionShares, kaplanMeier, outcomeOfReason, purgeAgeEvidence, survivalAt, type AttritionSubject } from '../../lib/domain/attrition';

const D = 24;
const video = (outcome: AttritionSubject['outcome'], ageDays?: number): AttritionSubject => ({ spec: 's', kind: 'video', outcome, ...(ageDays !== undefined ? { ageHours: ageDays * D } : {}) });

describe('kaplanMeier', () => {
  // Events at 2, 5, 5, 10 days; censored at 3 (erased) and 8 (still active).
  const sample = [video('unavailable', 2), video('erasure', 3), video('unavailable', 5), video('unavailable', 5), video('active', 8), video('unavailable', 10)];

  it('multiplies (1 - d/n) at each event age and drops censored records from the risk set', () => {
    const c = kaplanMeier('video', sample);
    expect(c.steps.map((s) => [s.ageDays, s.atRisk, s.events, s.censored, s.survival])).toEqual([
      [2, 6, 1, 0, 0.833333],
      [3, 5, 0, 1, 0.833333],
      [5, 4, 2, 0, 0.416667],
      [8, 2, 0, 1, 0.416667],
      [10, 1, 1, 0, 0],
    ]);
    expect(c).toMatchObject({ subjects: 6, events: 4, censored: 2, withoutAge: 0, medianDays: 5 });
    // Greenwood at 5 days: S * sqrt(1/(6*5) + 2/(4*2)).
    expect(c.steps[2]!.standardError).toBeCloseTo((5 / 12) * Math.sqrt(1 / 30 + 2 / 8), 5);
    expect(survivalAt(c.steps, 7)).toBe(0.416667);
    expect(c.at.find((a) => a.ageDays === 7)!.survival).toBe(0.416667);
    expect(c.at.find((a) => a.ageDays === 15)!.survival).toBeNull();
  });

  it('counts a record censored at an event age as at risk at that age', () => {
    const c = kaplanMeier('video', [...sample, video('held', 2)]);
    expect(c.steps[0]).toMatchObject({ ageDays: 2, atRisk: 7, events: 1, censored: 1, survival: 0.857143 });
    expect(c.steps.find((s) => s.ageDays === 5)!.survival).toBe(0.428571);
  });

  it('treats every outcome but unavailable as censoring, and leaves records without an age out of the curve', () => {
    const c = kaplanMeier('all', [video('expired', 1), video('cascade', 2), video('held', 3), video('erasure', 4), video('unavailable')]);
    expect(c).toMatchObject({ subjects: 4, events: 0, censored: 4, withoutAge: 1, medianDays: null });
    expect(c.steps.every((s) => s.survival === 1)).toBe(true);
  });

  it('is an empty curve without subjects', () => {
    expect(kaplanMeier('all', [])).toMatchObject({ subjects: 0, steps: [], medianDays: null });
  });
});

describe('attritionShares', () => {
  it('divides each outcome by the records collected, per spec and kind', () => {
    const rows = attritionShares([
      video('active'),
      video('unavailable'),
      video('unavailable'),
      video('held'),
      { spec: 'a', kind: 'comment', outcome: 'cascade' },
    ]);
    expect(rows.map((r) => [r.spec, r.kind, r.collected])).toEqual([
      ['a', 'comment', 1],
      ['s', 'video', 4],
    ]);
    expect(rows[1]!.shares).toMatchObject({ active: 0.25, held: 0.25, unavailable: 0.5, erasure: 0 });
    expect(rows[1]!.removedShare).toBe(0.5);
    expect(rows[0]!.removedShare).toBe(1);
  });
});

describe('purge evidence', () => {
  it('keeps whole-hour ages, never the posting time', () => {
    const evidence = purgeAgeEvidence({ platformCreatedAt: Date.parse('2026-03-01T00:00:00Z') / 1000, lastSeenAt: '2026-03-02T06:20:00Z' }, '2026-03-04T00:00:00Z');
    expect(evidence).toEqual({ ageHours: 72, lastSeenAgeHours: 30 });
    expect(purgeAgeEvidence({ lastSeenAt: '2026-03-02T06:00:00Z' }, '2026-03-04T00:00:00Z')).toEqual({});
  });

  it('maps purge reasons to outcomes', () => {
    expect(['unavailable', 'erasure', 'expired', 'cascade', 'other'].map(outcomeOfReason)).toEqual(['unavailable', 'erasure', 'expired', 'cascade', undefined]);
  });
});
