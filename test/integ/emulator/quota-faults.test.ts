import { eq, type Harness, pageAllVideos, startHarness } from './harness';

const QUERY = '/v2/research/video/query/?fields=id';
const FYP = { query: { and: [eq('hashtag_name', 'fyp')] }, start_date: '20260201', end_date: '20260228' };
const usage = async (h: Harness) => (await h.get('/__admin/quota?client_key=lab-key')).json.used;

describe('emulator: daily quotas', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ quota: { dailyRequests: 5, dailyRecords: 250, socialDailyRequests: 2 } });
  });
  afterEach(() => h.stop());

  it('refuses with 429 daily_quota_limit_exceeded after the day\'s requests, and resets at 00:00 UTC', async () => {
    // Act
    const answers = [];
    for (let i = 0; i < 6; i += 1) answers.push(await h.post(QUERY, { ...FYP, max_count: 1 }));
    h.clock.set(new Date('2026-03-01T23:59:59Z'));
    const lastSecond = await h.post(QUERY, { ...FYP, max_count: 1 });
    h.clock.set(new Date('2026-03-02T00:00:00Z'));
    const nextDay = await h.post(QUERY, { ...FYP, max_count: 1 });
    // Assess
    expect(answers.slice(0, 5).map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers[5]!.status).toBe(429);
    expect(answers[5]!.json.error.code).toBe('daily_quota_limit_exceeded');
    expect(answers[5]!.json.error.message).toMatch(/resets at 2026-03-02T00:00:00.000Z/);
    expect(lastSecond.status).toBe(429);
    expect(nextDay.status).toBe(200);
    expect(await usage(h)).toMatchObject({ research: { requests: 1, records: 1 } });
  });

  it('counts records and refuses once the day\'s records are used up', async () => {
    await h.post(QUERY, { ...FYP, max_count: 100 });
    await h.post(QUERY, { ...FYP, max_count: 100 });
    await h.post(QUERY, { ...FYP, max_count: 100 });
    const over = await h.post(QUERY, { ...FYP, max_count: 100 });
    expect(over.status).toBe(429);
    expect(over.json.error.message).toMatch(/250 records per day/);
    expect((await usage(h)).research).toEqual({ requests: 3, records: 300 });
  });

  it('charges a 500 against the request quota, but not a throttled 429', async () => {
    // Act
    h.emulator.setFaults({ internalErrorRate: 1 });
    const failed = await h.post(QUERY, FYP);
    h.emulator.setFaults({ internalErrorRate: 0, throttleRate: 1 });
    const throttled = await h.post(QUERY, FYP);
    h.emulator.setFaults({ throttleRate: 0 });
    // Assess
    expect(failed.status).toBe(500);
    expect(failed.json.error.code).toBe('internal_error');
    expect(throttled.status).toBe(429);
    expect(throttled.json.error.code).toBe('rate_limit_exceeded');
    expect((await usage(h)).research).toEqual({ requests: 1, records: 0 });
  });

  it('charges a 400 like any other answered request', async () => {
    await h.post(QUERY, { ...FYP, max_count: 1000 });
    expect((await usage(h)).research.requests).toBe(1);
  });

  it('keeps followers/following on their own counters', async () => {
    const username = h.emulator.world.listUsers().find((u) => !u.deletedAt)!.username;
    for (let i = 0; i < 2; i += 1) expect((await h.post('/v2/research/user/followers/', { username })).status).toBe(200);
    const third = await h.post('/v2/research/user/following/', { username });
    expect(third.status).toBe(429);
    expect((await h.post(QUERY, FYP)).status).toBe(200);
    expect((await usage(h)).social.requests).toBe(2);
  });
});

describe('emulator: fault knobs', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());
  afterEach(() => h.emulator.setFaults({ internalErrorRate: 0, throttleRate: 0, latencyMs: 0, searchIdEarlyExpiryRate: 0, shortPageRate: 0, missingFieldRate: 0 }));

  it('answers some requests with 500 internal_error at internalErrorRate', async () => {
    h.emulator.setFaults({ internalErrorRate: 0.5 });
    const statuses = [];
    for (let i = 0; i < 40; i += 1) statuses.push((await h.post(QUERY, { ...FYP, max_count: 1 })).status);
    expect(statuses.filter((s) => s === 500).length).toBeGreaterThan(5);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(5);
    expect(statuses.every((s) => s === 200 || s === 500)).toBe(true);
  });

  it('throttles with 429 rate_limit_exceeded at throttleRate', async () => {
    h.emulator.setFaults({ throttleRate: 1 });
    const r = await h.post(QUERY, FYP);
    expect(r.status).toBe(429);
    expect(r.json.error.code).toBe('rate_limit_exceeded');
  });

  it('delays answers by latencyMs', async () => {
    h.emulator.setFaults({ latencyMs: 150 });
    const started = performance.now();
    await h.post(QUERY, { ...FYP, max_count: 1 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('reports a live search_id expired at searchIdEarlyExpiryRate; a retry without the fault works', async () => {
    // Prepare
    const first = await h.post(QUERY, { ...FYP, max_count: 10 });
    const next = { ...FYP, max_count: 10, cursor: 10, search_id: first.json.data.search_id };
    // Act
    h.emulator.setFaults({ searchIdEarlyExpiryRate: 1 });
    const refused = await h.post(QUERY, next);
    h.emulator.setFaults({ searchIdEarlyExpiryRate: 0 });
    const retried = await h.post(QUERY, next);
    // Assess
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toBe(`Search Id ${first.json.data.search_id} is invalid or expired`);
    expect(retried.status).toBe(200);
    expect(retried.json.data.cursor).toBe(20);
  });

  it('cuts pages short at shortPageRate without skipping anything', async () => {
    // Prepare
    const truth = h.emulator.world.matchVideos(FYP, h.clock.now());
    h.emulator.setFaults({ shortPageRate: 1 });
    // Act
    const paged = await pageAllVideos(h, FYP, 100);
    // Assess
    expect(paged.pages).toBeGreaterThan(Math.ceil(truth.length / 100));
    expect(paged.ids).toEqual(truth);
  });

  it('leaves keys out of items at missingFieldRate, never the id', async () => {
    h.emulator.setFaults({ missingFieldRate: 1 });
    const r = await h.post('/v2/research/video/query/?fields=id,username,view_count', { ...FYP, max_count: 5 });
    expect(r.json.data.videos).toHaveLength(5);
    for (const video of r.json.data.videos) expect(Object.keys(video)).toEqual(['id']);
  });

  it('changes faults through the admin endpoint too, and refuses bad values', async () => {
    const set = await fetch(`${h.url}/__admin/faults`, { method: 'POST', body: JSON.stringify({ throttleRate: 1 }) });
    expect(set.status).toBe(200);
    expect((await h.post(QUERY, FYP)).status).toBe(429);
    const bad = await fetch(`${h.url}/__admin/faults`, { method: 'POST', body: JSON.stringify({ throttleRate: 3 }) });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/throttleRate/);
  });
});
