import { type Harness, startHarness } from './harness';

const ADS = '/v2/research/adlib/ad/query/?fields=ad.id,ad.first_shown_date,ad.reach,advertiser.business_id,advertiser.business_name';
const RANGE = { ad_published_date_range: { min: '20260101', max: '20260228' } };

describe('emulator: Commercial Content API', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ world: { adRemovalShare: 0.2 } });
  });
  afterAll(() => h.stop());

  async function pageAll(body: Record<string, unknown>, maxCount = 50) {
    const ads: { ad: { id: bigint; first_shown_date: string }; advertiser: { business_id: bigint; business_name: string } }[] = [];
    const searchIds: string[] = [];
    let searchId: string | undefined;
    for (;;) {
      const r = await h.post(ADS, { ...body, max_count: maxCount, ...(searchId ? { search_id: searchId } : {}) });
      expect(r.status).toBe(200);
      ads.push(...r.json.data.ads);
      searchIds.push(r.json.data.search_id);
      if (!r.json.data.has_more) return { ads, searchIds };
      searchId = r.json.data.search_id;
    }
  }

  it('pages ads with an opaque search_id that changes every page, newest first, without gaps or repeats', async () => {
    // Act
    const { ads, searchIds } = await pageAll({ filters: RANGE }, 20);
    // Assess
    const truth = h.emulator.world.listAds().filter((a) => a.firstShownDate >= '20260101' && a.firstShownDate <= '20260228' && h.emulator.world.adExists(a.id, h.clock.now()));
    expect(ads.length).toBe(truth.length);
    expect(new Set(ads.map((a) => a.ad.id)).size).toBe(ads.length);
    expect(new Set(searchIds).size).toBe(searchIds.length);
    const dates = ads.map((a) => a.ad.first_shown_date);
    expect(dates).toEqual([...dates].sort().reverse());
    expect(Object.keys(ads[0]!).sort()).toEqual(['ad', 'advertiser']);
    expect(Object.keys(ads[0]!.ad).sort()).toEqual(['first_shown_date', 'id', 'reach']);
  });

  it('filters by country and advertiser, and ignores advertiser ids when a search term is given', async () => {
    const { ads } = await pageAll({ filters: RANGE });
    const advertiser = ads[0]!.advertiser;
    const byAdvertiser = await pageAll({ filters: { ...RANGE, advertiser_business_ids: [advertiser.business_id] } });
    expect(byAdvertiser.ads.length).toBeGreaterThan(0);
    expect(byAdvertiser.ads.every((a) => a.advertiser.business_id === advertiser.business_id)).toBe(true);
    const term = advertiser.business_name.split(' ')[0]!;
    const withTerm = await pageAll({ filters: { ...RANGE, advertiser_business_ids: [1] }, search_term: term });
    expect(withTerm.ads.length).toBeGreaterThan(0);
    const german = await pageAll({ filters: { ...RANGE, country_code: 'DE' } });
    expect(german.ads.length).toBeLessThan(ads.length);
    const detail = await h.post('/v2/research/adlib/ad/detail/?fields=ad_group.targeting_info', { ad_id: german.ads[0]!.ad.id });
    expect(detail.json.data.ad_group.targeting_info.country).toContain('DE');
  });

  it.each([
    ['no filters', {}, /filters is required/],
    ['no date range', { filters: { country_code: 'DE' } }, /ad_published_date_range is required/],
    ['min not after 20221001', { filters: { ad_published_date_range: { min: '20221001', max: '20230101' } } }, /min must be after 20221001/],
    ['max before min', { filters: { ad_published_date_range: { min: '20260201', max: '20260101' } } }, /must not be before min/],
    ['the getting-started spelling "country"', { filters: { ...RANGE, country: 'DE' } }, /did you mean country_code/],
    ['a country outside the EU/EEA/GB/CH', { filters: { ...RANGE, country_code: 'US' } }, /country_code "US" is not supported/],
    ['a 51-character search term', { filters: RANGE, search_term: 'x'.repeat(51) }, /search_term must be at most 50 characters/],
    ['max_count above 50', { filters: RANGE, max_count: 51 }, /max_count must be a whole number from 1 to 50/],
    ['a bad reach bucket', { filters: { ...RANGE, unique_users_seen_size_range: { min: '10k', max: '1M' } } }, /followed by K, M or B/],
    ['a made-up search_id', { filters: RANGE, search_id: 'not-a-search-id' }, /search_id .* is invalid/],
  ])('refuses %s with 400 invalid_params and http_status_code', async (_name, body, message) => {
    const r = await h.post(ADS, body);
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'invalid_params', http_status_code: 400 });
    expect(r.json.error.message).toMatch(message);
  });

  it('accepts a 50-character search term and defaults to 10 ads a page', async () => {
    const long = await h.post(ADS, { filters: RANGE, search_term: 'x'.repeat(50) });
    const page = await h.post(ADS, { filters: RANGE });
    expect(long.status).toBe(200);
    expect(page.json.data.ads).toHaveLength(10);
  });

  it('gives ad details, including reach by country and rejection info only when asked', async () => {
    const world = h.emulator.world;
    const rejected = world.adLibrary.ads.find((a) => a.rejection && world.adExists(a.id.toString(), h.clock.now()))!;
    const r = await h.post('/v2/research/adlib/ad/detail/?fields=ad.id,ad.reach,ad.rejection_info,advertiser.follower_count', { ad_id: rejected.id });
    expect(r.status).toBe(200);
    expect(BigInt(r.json.data.ad.id)).toBe(rejected.id);
    expect(Object.keys(r.json.data.ad.reach).sort()).toEqual(['unique_users_seen', 'unique_users_seen_by_country']);
    expect(r.json.data.ad.rejection_info.reasons.length).toBeGreaterThan(0);
    expect(typeof r.json.data.advertiser.follower_count).toBe('number');
    const removed = world.listAds().find((a) => a.removedAt && a.removedAt < h.clock.now())!;
    const gone = await h.post('/v2/research/adlib/ad/detail/?fields=ad.id', { ad_id: removed.id });
    expect(gone.status).toBe(400);
    const queryOnly = await h.post('/v2/research/adlib/ad/query/?fields=ad.rejection_info', { filters: RANGE });
    expect(queryOnly.json.error.message).toMatch(/"ad.rejection_info"/);
  });

  it('finds advertisers by name', async () => {
    const r = await h.post('/v2/research/adlib/advertiser/query/?fields=business_id,business_name,country_code', { search_term: 'gmbh', max_count: 50 });
    expect(r.status).toBe(200);
    expect(r.json.data.advertisers.length).toBeGreaterThan(0);
    for (const a of r.json.data.advertisers) {
      expect(a.business_name.toLowerCase()).toContain('gmbh');
      expect(Object.keys(a).sort()).toEqual(['business_id', 'business_name', 'country_code']);
    }
    const missing = await h.post('/v2/research/adlib/advertiser/query/?fields=business_id', {});
    expect(missing.json.error.message).toMatch(/search_term is required/);
  });
});
