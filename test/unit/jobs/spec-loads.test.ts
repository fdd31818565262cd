import { specLoads, unsustainable } from '../../../lib/jobs/quota-plan';

describe('quota plan: which spec makes it unsustainable', () => {
  const counts = new Map([
    ['climate-videos', { video: 140_000 }],
    ['climate-comments', { comment: 300_000 }],
  ]);
  // measured: a video 0.01 requests, a comment 0.05 (few comments per video)
  const loads = specLoads(counts, { video: 0.01, comment: 0.05 }, 14);

  it('prices each spec at the measured cost per record of its kinds, most first', () => {
    expect(loads).toEqual([
      { spec: 'climate-comments', records: 300_000, requestsPerDay: 1071.43 },
      { spec: 'climate-videos', records: 140_000, requestsPerDay: 100 },
    ]);
  });

  it('names the costliest spec, the excess and what of it fits', () => {
    expect(unsustainable(loads, 1171.43, 1000)).toEqual({ spec: 'climate-comments', specRequestsPerDay: 1071.43, overBy: 171.43, specRecordsThatFit: 251_999 });
    expect(unsustainable(loads, 999, 1000)).toBeNull();
  });
});
