/**
 * The clients, written to TikTok's docs, against the emulator, written to the same docs, over real HTTP: the
 * collection returns exactly the emulator's truth, through faults and across a quota stop.
 */
import { ManualClock } from '../../../lib/domain/clock';
import { startEmulator, type FaultOptions, type RunningEmulator } from '../../../lib/emulator';
import {
  CommercialContentClient,
  DailyQuotaExceededError,
  ResearchApiClient,
  type TikTokRequestEvent,
  type VideoQueryState,
} from '../../../lib/platforms/tiktok';

const CLIENT = { clientKey: 'lab-key', clientSecret: 'lab-secret' };
const START = '2026-03-01T12:00:00Z';
const WORLD = { users: 400, videosPerDay: 50, historyDays: 90, futureDays: 5, adsPerYear: 800, advertisers: 40 };
const QUERY = { and: [{ operation: 'EQ' as const, field_name: 'hashtag_name' as const, field_values: ['climate'] }] };
const RANGE = { startDate: '20251231', endDate: '20260228' }; // 60 days: two query windows

interface Setup {
  emulator: RunningEmulator;
  clock: ManualClock;
  client: ResearchApiClient;
  truth: string[];
  /** Every attempt the client made, as its onEvent hook reported it. */
  events: TikTokRequestEvent[];
}

async function setup(options: { faults?: Partial<FaultOptions>; dailyRequests?: number } = {}): Promise<Setup> {
  const clock = new ManualClock(START);
  const emulator = await startEmulator({
    clock,
    seed: 7,
    credentials: [CLIENT],
    world: WORLD,
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.dailyRequests ? { quota: { dailyRequests: options.dailyRequests } } : {}),
  });
  const events: TikTokRequestEvent[] = [];
  const client = new ResearchApiClient({
    ...CLIENT,
    baseUrl: emulator.url,
    clock,
    sleep: async () => {}, // backoff waits are policy, tested with fake timers; here they would only slow the test
    retry: { maxAttempts: 12 },
    onEvent: (event) => events.push(event),
  });
  const truth = [...new Set([
    ...emulator.world.matchVideos({ query: QUERY, start_date: '20251231', end_date: '20260129' }, clock.now()),
    ...emulator.world.matchVideos({ query: QUERY, start_date: '20260130', end_date: '20260228' }, clock.now()),
  ])].sort();
  return { emulator, clock, client, truth, events };
}

async function collectAll(client: ResearchApiClient, options: { resume?: VideoQueryState; maxCount?: number } = {}) {
  const ids: string[] = [];
  let state = options.resume;
  let pages = 0;
  for await (const page of client.queryVideos({ query: QUERY, ...RANGE, maxCount: options.maxCount ?? 100 }, options.resume)) {
    ids.push(...page.videos.map((v) => v.id));
    state = page.state;
    pages += 1;
  }
  return { ids, state, pages };
}

describe('research client against the emulator', () => {
  const running: RunningEmulator[] = [];
  afterAll(async () => Promise.all(running.map((e) => e.stop())));

  it('a paginated 60-day hashtag collection returns exactly the truth set, with exact 19-digit ids', async () => {
    // Prepare
    const s = await setup();
    running.push(s.emulator);
    // Act
    const { ids, pages } = await collectAll(s.client);
    // Assess
    expect(s.truth.length).toBeGreaterThan(200);
    expect(pages).toBeGreaterThan(2);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(s.truth);
    expect(ids.every((id) => /^\d{19}$/.test(id))).toBe(true);
    expect(s.client.quota().requests).toBe(pages); // one request per page, nothing wasted
  });

  it('with 20% injected 500s, throttling, short pages and early search_id expiry it still returns exactly that set', async () => {
    // Prepare: pages of at most 5, so the 376 videos take over a hundred requests and every fault fires many times
    const s = await setup({ faults: { internalErrorRate: 0.2, throttleRate: 0.1, shortPageRate: 0.3, searchIdEarlyExpiryRate: 0.05 } });
    running.push(s.emulator);
    // Act
    const { ids, pages } = await collectAll(s.client, { maxCount: 5 });
    // Assess: the result is exactly the truth...
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(s.truth);
    // ...though the emulator really served the faults, and the client retried through each of them
    const query = s.events.filter((e) => e.endpoint === '/v2/research/video/query/');
    const served = (status: number, code: string) => query.filter((e) => e.httpStatus === status && e.code === code).length;
    const ok = query.filter((e) => e.outcome === 'ok').length;
    const internalErrors = served(500, 'internal_error');
    const throttled = served(429, 'rate_limit_exceeded');
    const expired = served(400, 'invalid_params');
    expect(pages).toBeGreaterThan(Math.ceil(s.truth.length / 5)); // short pages
    expect(ok).toBe(pages); // one success per page; every other attempt was a fault
    expect(internalErrors).toBeGreaterThanOrEqual(10); // seed 7: 15 of 131 attempts
    expect(throttled).toBeGreaterThanOrEqual(10); // seed 7: 17
    expect(expired).toBeGreaterThanOrEqual(3); // seed 7: 6, each restarting its window
    expect(query).toHaveLength(ok + internalErrors + throttled + expired); // no other kind of failure
    expect(query.filter((e) => e.outcome === 'error' && e.httpStatus !== 400)).toEqual([]); // 500s and 429s were retried, never given up on
    // The emulator's own books: every answered request but the throttled ones counts against the quota, 500s included
    const usage = (await (await fetch(`${s.emulator.url}/__admin/quota?client_key=${CLIENT.clientKey}`)).json()) as { used: { research: { requests: number } } };
    expect(usage.used.research.requests).toBe(ok + internalErrors + expired);
  });

  it('stops at the daily quota with a resumable state and resumes the next emulator day with no gap and no duplicate', async () => {
    // Prepare: a quota far below what the collection needs
    const s = await setup({ dailyRequests: 3 });
    running.push(s.emulator);
    const collected: string[] = [];
    let state: VideoQueryState | undefined;
    let stops = 0;

    // Act: collect until done, waiting for the reset whenever the quota stops us
    for (;;) {
      try {
        for await (const page of s.client.queryVideos({ query: QUERY, ...RANGE, maxCount: 100 }, state)) {
          collected.push(...page.videos.map((v) => v.id));
          state = page.state;
        }
        break;
      } catch (error) {
        expect(error).toBeInstanceOf(DailyQuotaExceededError);
        const resetsAt = (error as DailyQuotaExceededError).resetsAt;
        expect(resetsAt.toISOString()).toMatch(/T00:00:00\.000Z$/);
        expect(resetsAt.getTime()).toBeGreaterThan(s.clock.now().getTime());
        stops += 1;
        s.clock.set(resetsAt); // the next emulator day
        state = JSON.parse(JSON.stringify(state)); // as persisted by a caller
      }
    }

    // Assess
    expect(stops).toBeGreaterThan(0);
    expect(new Set(collected).size).toBe(collected.length);
    // Videos created after the first stop can appear in the later days; everything in the truth at the start is there.
    expect(collected).toEqual(expect.arrayContaining(s.truth));
  });

  it('looks stored videos up by id, 100 per request, and reports exactly the ones the platform deleted', async () => {
    // Prepare: collect, then move the clock 30 days so some videos are deleted or made private
    const s = await setup();
    running.push(s.emulator);
    const stored: { id: string; createTime: number }[] = [];
    for await (const page of s.client.queryVideos({ query: QUERY, ...RANGE, maxCount: 100 })) {
      stored.push(...page.videos.map((v) => ({ id: v.id, createTime: v.createTime! })));
    }
    s.clock.advance(30 * 86_400_000);
    const before = s.client.quota().requests;

    // Act
    const found = new Set<string>();
    const missing = new Set<string>();
    for await (const batch of s.client.lookupVideosByIds(stored)) {
      batch.found.forEach((v) => found.add(v.id));
      batch.missingIds.forEach((id) => missing.add(id));
    }

    // Assess
    const gone = stored.filter((v) => !s.emulator.world.videoExists(v.id, s.clock.now())).map((v) => v.id);
    expect(gone.length).toBeGreaterThan(0);
    expect([...missing].sort()).toEqual(gone.sort());
    expect(found.size + missing.size).toBe(stored.length);
    expect(s.client.quota().requests - before).toBeLessThanOrEqual(Math.ceil(stored.length / 100) + 3);
  });

  it('checks existence through a batch compliance task', async () => {
    const s = await setup();
    running.push(s.emulator);
    const ids: string[] = [];
    for await (const page of s.client.queryVideos({ query: QUERY, ...RANGE, maxCount: 100 })) ids.push(...page.videos.map((v) => v.id));
    s.clock.advance(30 * 86_400_000);

    const result = await s.client.checkExistence(ids, 'video', { pollIntervalMs: 0 });

    const gone = ids.filter((id) => !s.emulator.world.videoExists(id, s.clock.now()));
    expect([...result.missingIds].sort()).toEqual(gone.sort());
    expect(result.validIds.size).toBe(ids.length - gone.length);
  });
});

describe('commercial content client against the emulator', () => {
  it('pages through an ad query with opaque search ids and returns every ad once', async () => {
    const clock = new ManualClock(START);
    const emulator = await startEmulator({ clock, credentials: [CLIENT], world: WORLD });
    try {
      const client = new CommercialContentClient({ ...CLIENT, baseUrl: emulator.url, clock, sleep: async () => {} });
      const ids: string[] = [];
      let pages = 0;
      for await (const page of client.queryAds({ ad_published_date_range: { min: '20260101', max: '20260228' }, country_code: 'DE' }, { maxCount: 10 })) {
        ids.push(...page.ads.map((a) => a.id));
        pages += 1;
      }
      const day = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10).replaceAll('-', '');
      const truth = emulator.world.adLibrary.ads
        .filter((ad) => emulator.world.adExists(ad.id, clock.now()))
        .filter((ad) => ad.countries.includes('DE') && day(ad.firstShown) >= '20260101' && day(ad.firstShown) <= '20260228')
        .map((ad) => ad.id.toString());
      expect(pages).toBeGreaterThan(1);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual([...truth].sort());
    } finally {
      await emulator.stop();
    }
  });
});
