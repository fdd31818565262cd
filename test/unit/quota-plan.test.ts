import { MS_PER_DAY } from '../../lib/domain/clock';
import { listingRequests, planQuota, requestsFor, SweepCost, videoLookupRequests, type QuotaPlanInput } from '../../lib/domain/quota-plan';

const NOW = new Date('2026-03-01T12:00:00Z');
const day = (offset: number) => new Date(NOW.getTime() + offset * MS_PER_DAY).toISOString().slice(0, 10);

/** `perDay` videos due on each of the next 15 days (a corpus refreshed at an even pace). */
function evenCorpus(perDay: number): Pick<QuotaPlanInput, 'active' | 'dueByDay'> {
  const dueByDay: Record<string, { video: number }> = {};
  for (let d = 0; d < 15; d++) dueByDay[day(d)] = { video: perDay };
  return { active: { video: perDay * 15 }, dueByDay };
}

function input(overrides: Partial<QuotaPlanInput> = {}): QuotaPlanInput {
  return {
    now: NOW,
    dailyRequests: 1_000,
    refreshWithinDays: 15,
    refreshLeadHours: 72,
    refreshBy: 'lookup',
    active: {},
    dueByDay: {},
    dueToday: {},
    growthPerDay: {},
    projectEnd: new Date('2027-06-30T23:59:59.999Z'),
    ...overrides,
  };
}

describe('Function: planQuota', () => {
  it('prices refreshes by kind: 100 videos or comments per request, one request per account or ad, ~3 per 10,000 ids by compliance task', () => {
    expect(requestsFor({ video: 1_000, comment: 500, user: 7, ad: 3 })).toBe(10 + 5 + 7 + 3);
    expect(requestsFor({ video: 10_000 }, 'existence-check')).toBeCloseTo(3);
    expect(requestsFor({ user: 10 }, 'existence-check')).toBe(10);
    // comments are re-listed per video: with 5 kept per video, 500 comments take 100 listings
    expect(requestsFor({ comment: 500 }, 'lookup', 5)).toBe(100);
  });

  it('keeps 1.4 million videos fresh on 1,000 requests a day under a 15-day policy (a day of margin for the daily sweep)', () => {
    // Act
    const plan = planQuota(input());

    // Assess
    expect(plan.maxCompliantRecords).toBe(1_400_000);
    expect(plan.maxCompliantRecords).toBeLessThanOrEqual(1_500_000);
  });

  it('answers requests per day, headroom for collection and the largest corpus at the current mix', () => {
    // Prepare: 280,000 videos and 2,800 accounts
    const plan = planQuota(input({ active: { video: 280_000, user: 2_800 }, dueToday: { video: 20_000, user: 200 } }));

    // Assess: (2,800 + 2,800) requests per 14 days = 400 a day
    expect(plan.activeRecords).toBe(282_800);
    expect(plan.requestsPerDayNeeded).toBe(400);
    expect(plan.requestsNeededToday).toBe(400);
    expect(plan.headroomForCollection).toBe(600);
    // a record of this mix costs 5,600 / 282,800 requests per refresh
    expect(plan.maxCompliantCorpusAtMix).toBe(Math.floor((1_000 * 14 * 282_800) / 5_600));
    expect(plan.firstMissedDeadline).toBeNull();
  });

  it('finds no missed deadline while the corpus fits, and the first missed day when it keeps growing past the quota', () => {
    // Prepare: 60,000 videos due per day cost 600 requests a day; growth adds 2 requests a day every day
    const steady = planQuota(input({ ...evenCorpus(60_000) }));
    const growing = planQuota(input({ ...evenCorpus(60_000), growthPerDay: { video: 20_000 } }));

    // Assess
    expect(steady.firstMissedDeadline).toBeNull();
    expect(steady.requestsPerDayNeeded).toBeCloseTo(642.86, 1);
    expect(growing.growthPerDay).toBe(20_000);
    expect(growing.firstMissedDeadline).not.toBeNull();
    const missed = Date.parse(`${growing.firstMissedDeadline}T00:00:00Z`);
    // 600 + 200/day of new work exceeds 1,000 requests once the first new records come due, 15 days on
    expect(missed).toBeGreaterThan(NOW.getTime() + 15 * MS_PER_DAY);
    expect(missed).toBeLessThan(NOW.getTime() + 60 * MS_PER_DAY);
  });

  it('reports today as missed when records are overdue already, and nothing after the project end', () => {
    const overdue = planQuota(input({ active: { video: 10 }, dueByDay: { [day(-2)]: { video: 10 } } }));
    expect(overdue).toMatchObject({ overdue: 10, firstMissedDeadline: day(0) });
    const ending = planQuota(input({ ...evenCorpus(60_000), growthPerDay: { video: 20_000 }, projectEnd: new Date(NOW.getTime() + 10 * MS_PER_DAY) }));
    expect(ending.firstMissedDeadline).toBeNull();
  });
});

describe('Class: SweepCost', () => {
  const video = (n: number) => `tiktok:video:${7_000_000_000_000_000_000n + BigInt(n)}`;

  it("prices comments as the sweep lists them: once per parent video per sweep, one page per 100 of the video's due comments", () => {
    // Arrange: 10 videos with 30 due comments each, interleaved (as due-index shards spread them), in steps of 100
    const sweep = new SweepCost(100);
    for (let i = 0; i < 300; i++) sweep.add({ source: 'research', kind: 'comment', method: 'lookup', parentKey: video(i % 10) });
    const big = new SweepCost();
    for (let i = 0; i < 250; i++) big.add({ source: 'research', kind: 'comment', method: 'lookup', parentKey: video(0) });
    const capped = new SweepCost();
    for (let i = 0; i < 3000; i++) capped.add({ source: 'research', kind: 'comment', method: 'lookup', parentKey: video(1) });

    // Assess: each video listed once although its comments span three steps; a listing reads the first ~1,000 at most
    expect(sweep.requests('research')).toBe(10);
    expect(big.requests('research')).toBe(3);
    expect(capped.requests('research')).toBe(10);
    expect(listingRequests(1)).toBe(1);
    // a listing reads for every kept comment of its video, due or not: 3 due of 250 kept cost 3 pages, counted once
    const kept = new SweepCost();
    for (let i = 0; i < 3; i++) kept.add({ source: 'research', kind: 'comment', method: 'lookup', parentKey: video(2), keptWithParent: 250 });
    expect(kept.requests('research')).toBe(3);
    expect(sweep.requests('ads')).toBe(0);
  });

  it('prices videos by 30-day creation window across the whole sweep, not per step', () => {
    // Arrange: 2,000 videos over 6 windows, interleaved in read order (due order is not creation order)
    const day0 = 20_100; // a window boundary (20,100 = 670 x 30)
    const sweep = new SweepCost(1000);
    for (let i = 0; i < 2000; i++) sweep.add({ source: 'research', kind: 'video', method: 'lookup', platformCreatedAt: (day0 + (i % 6) * 30 + (i % 30)) * 86_400 });

    // Assess: per window ceil(334/100) = 4 requests at most, never 6 windows per step of 1,000
    expect(sweep.requests('research')).toBeLessThanOrEqual(6 * 4);
    expect(sweep.requests('research')).toBeGreaterThanOrEqual(20);
  });

  it('prices videos by ≤30-day creation windows, accounts and ads one each, compliance tasks 3 per 10,000 ids', () => {
    const day = 20_000;
    expect(videoLookupRequests([day, day + 29, day + 30])).toBe(2);
    expect(videoLookupRequests(Array.from({ length: 150 }, () => day))).toBe(2);
    const sweep = new SweepCost();
    sweep.add({ source: 'research', kind: 'video', method: 'lookup', platformCreatedAt: day * 86_400 });
    sweep.add({ source: 'research', kind: 'video', method: 'lookup', platformCreatedAt: (day + 45) * 86_400 });
    for (let i = 0; i < 7; i++) sweep.add({ source: 'research', kind: 'user', method: 'lookup' });
    for (let i = 0; i < 3; i++) sweep.add({ source: 'ads', kind: 'ad', method: 'lookup' });
    for (let i = 0; i < 12_000; i++) sweep.add({ source: 'checked', kind: 'video', method: 'existence-check' });
    expect(sweep.requestsByKind('research')).toEqual({ video: 2, user: 7 });
    expect(sweep.requests('ads')).toBe(3);
    expect(sweep.requests('checked')).toBe(6);
  });

  it('prices the plan with measured rates and sweep costs when given', () => {
    const plan = planQuota(input({ active: { comment: 3_000 }, dueToday: { comment: 300 }, perRecordRequests: { comment: 0.1 }, requestsDueToday: 30 }));
    expect(plan.requestsNeededToday).toBe(30);
    expect(plan.requestsPerDayNeeded).toBeCloseTo(300 / 14, 2);
  });
});
