import { MS_PER_DAY } from '../../lib/domain/clock';
import { planQuota, requestsFor, type QuotaPlanInput } from '../../lib/domain/quota-plan';

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
