import { CommercialContentClient, TikTokRequestValidationError, type AdPage, type AdQueryFilters } from '../../../lib/platforms/tiktok';
import { stringifyJson } from '../../../lib/domain/json';
import { apiError, fakeApi, ok, testOptions } from './fake-api';

const AD_QUERY = '/v2/research/adlib/ad/query/';
const FILTERS: AdQueryFilters = {
  ad_published_date_range: { min: '20240101', max: '20240131' },
  country_code: 'DE',
  unique_users_seen_size_range: { min: '10K', max: '1M' },
};

function adItem(id: bigint, name = 'Bean Co.') {
  return { ad: { id, first_shown_date: '20240103', reach: { unique_users_seen: '11K' } }, advertiser: { business_id: 1755645247067185n, business_name: name } };
}

/** Three pages; every page hands out a new opaque search_id, as documented. */
function adServer() {
  const pages = [
    { ads: [adItem(1923845247192304n), adItem(1923845247192305n)], has_more: true, search_id: 'eyJhIjoxfQ' },
    { ads: [adItem(1923845247192306n)], has_more: 'true', search_id: 'eyJhIjoyfQ' },
    { ads: [adItem(1923845247192307n)], has_more: false, search_id: 'eyJhIjozfQ' },
  ];
  const order = new Map<string | undefined, number>([[undefined, 0], ['eyJhIjoxfQ', 1], ['eyJhIjoyfQ', 2]]);
  return (request: { json: Record<string, unknown> | undefined }) => {
    const index = order.get(request.json!.search_id as string | undefined);
    if (index === undefined) return apiError(400, 'invalid_params', 'search_id is invalid');
    return new Response(stringifyJson({ data: pages[index], error: { code: 'ok', http_status_code: 200, message: '', log_id: `ad-log-${index}` } }), { status: 200 });
  };
}

async function drain(generator: AsyncGenerator<AdPage>, limit = Infinity): Promise<AdPage[]> {
  const out: AdPage[] = [];
  for await (const page of generator) {
    out.push(page);
    if (out.length >= limit) break;
  }
  return out;
}

describe('CommercialContentClient.queryAds', () => {
  it('pages with the opaque search_id of each page until has_more is false', async () => {
    // Prepare
    const server = adServer();
    const api2 = fakeApi({ [AD_QUERY]: (request) => server(request) });
    const client = new CommercialContentClient(testOptions(api2));
    // Act
    const pages = await drain(client.queryAds(FILTERS, { searchTerm: 'coffee', searchType: 'fuzzy_phrase', maxCount: 50, fields: ['ad.first_shown_date', 'ad.reach'] }));
    // Assess
    const calls = api2.calls(AD_QUERY);
    expect(calls.map((c) => c.json!.search_id)).toEqual([undefined, 'eyJhIjoxfQ', 'eyJhIjoyfQ']);
    expect(calls[0]!.json).toEqual({ filters: FILTERS, max_count: 50, search_term: 'coffee', search_type: 'fuzzy_phrase' });
    expect(calls[0]!.fields).toBe('ad.id,ad.first_shown_date,ad.reach');
    expect(pages.flatMap((p) => p.ads.map((a) => a.id))).toEqual(['1923845247192304', '1923845247192305', '1923845247192306', '1923845247192307']);
    expect(pages[0]!.ads[0]).toMatchObject({ firstShownDate: '20240103', uniqueUsersSeen: '11K', advertiser: { businessId: '1755645247067185', businessName: 'Bean Co.' } });
    expect(pages.map((p) => [p.hasMore, p.logId, p.state.done])).toEqual([
      [true, 'ad-log-0', false],
      [true, 'ad-log-1', false],
      [false, 'ad-log-2', true],
    ]);
    expect(client.quota().records).toBe(4);
  });

  it('resumes from a persisted state', async () => {
    // Prepare
    const server = adServer();
    const api = fakeApi({ [AD_QUERY]: (request) => server(request) });
    const [first] = await drain(new CommercialContentClient(testOptions(api)).queryAds(FILTERS, {}), 1);
    const persisted = JSON.parse(JSON.stringify(first!.state));
    // Act
    const rest = await drain(new CommercialContentClient(testOptions(api)).queryAds(FILTERS, {}, persisted));
    // Assess
    expect(persisted).toMatchObject({ version: 1, searchId: 'eyJhIjoxfQ', done: false });
    expect(rest.flatMap((p) => p.ads.map((a) => a.id))).toEqual(['1923845247192306', '1923845247192307']);
    await expect(drain(new CommercialContentClient(testOptions(api)).queryAds({ ...FILTERS, country_code: 'FR' }, {}, persisted))).rejects.toThrow(/different ad query/);
  });

  it('sends advertiser_business_ids as bare integers', async () => {
    const api = fakeApi({ [AD_QUERY]: () => ok({ ads: [], has_more: false }) });
    await drain(
      new CommercialContentClient(testOptions(api)).queryAds({ ad_published_date_range: { min: '20240101', max: '20240102' }, advertiser_business_ids: ['1755645247067185123'] }),
    );
    expect(api.calls(AD_QUERY)[0]!.bodyText).toContain('"advertiser_business_ids":[1755645247067185123]');
  });

  it('validates filters and options before sending anything', async () => {
    // Prepare
    const api = fakeApi({});
    const client = new CommercialContentClient(testOptions(api));
    const problemsOf = async (filters: unknown, options = {}) => {
      const error = await drain(client.queryAds(filters as AdQueryFilters, options)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TikTokRequestValidationError);
      return (error as Error).message;
    };
    // Act / Assess
    expect(await problemsOf({ ad_published_date_range: { min: '20220901', max: '20221231' } })).toContain('filters.ad_published_date_range.min: min must be after 20221001');
    expect(await problemsOf({ ad_published_date_range: { min: '20240201', max: '20240101' } })).toContain('filters.ad_published_date_range.max: max must not be before min');
    expect(await problemsOf({ ad_published_date_range: { min: '20240101', max: '20240131' }, unique_users_seen_size_range: { min: '0K', max: '1000K' } })).toContain(
      'filters.unique_users_seen_size_range.max: expected a size like',
    );
    expect(await problemsOf({ ad_published_date_range: { min: '20240101', max: '20240131' }, country: 'DE' })).toMatch(/country/);
    expect(await problemsOf(FILTERS, { searchTerm: 'x'.repeat(51) })).toMatch(/1 to 50 characters/);
    expect(await problemsOf(FILTERS, { maxCount: 51 })).toMatch(/1 to 50/);
    expect(await problemsOf({ ...FILTERS, advertiser_business_ids: ['1'] }, { searchTerm: 'bean' })).toMatch(/ignored by the API when searchTerm is given/);
    expect(api.dataCalls()).toHaveLength(0);
  });
});

describe('CommercialContentClient other endpoints', () => {
  it('returns ad detail with targeting info and rejection info', async () => {
    // Prepare
    const api = fakeApi({
      '/v2/research/adlib/ad/detail/': () =>
        ok({
          ad: { id: 1923845247192304n, reach: { unique_users_seen: '30K', unique_users_seen_by_country: { DE: '18K', AT: '12K' } }, rejection_info: { affected_countries: ['AT'] } },
          ad_group: { targeting_info: { number_of_users_targeted: '50K', country: ['DE', 'AT'] } },
          advertiser: { business_id: 1755645247067185n, business_name: 'Bean Co.' },
        }),
    });
    const client = new CommercialContentClient(testOptions(api));
    // Act
    const { ad } = await client.adDetail('1923845247192304', ['ad.reach', 'ad_group.targeting_info', 'ad.rejection_info']);
    // Assess
    expect(api.calls('/v2/research/adlib/ad/detail/')[0]!.bodyText).toBe('{"ad_id":1923845247192304}');
    expect(ad).toMatchObject({
      id: '1923845247192304',
      uniqueUsersSeenByCountry: { DE: '18K', AT: '12K' },
      rejectionInfo: { affected_countries: ['AT'] },
      targetingInfo: { number_of_users_targeted: '50K' },
      advertiser: { businessId: '1755645247067185' },
    });
    // Below 2^53 the lossless parser keeps plain numbers; the typed view is a string either way.
    expect((ad.raw.ad as Record<string, unknown>).id).toBe(1923845247192304);
  });

  it('queries advertisers', async () => {
    const api = fakeApi({ '/v2/research/adlib/advertiser/query/': () => ok({ advertisers: [{ business_id: 17556452470671851234n, business_name: 'Bean Co.', country_code: 'DE' }] }) });
    const { advertisers } = await new CommercialContentClient(testOptions(api)).queryAdvertisers('bean', undefined, { maxCount: 25 });
    expect(advertisers).toEqual([{ businessId: '17556452470671851234', businessName: 'Bean Co.', countryCode: 'DE', raw: expect.objectContaining({ business_id: 17556452470671851234n }) }]);
    expect(api.calls('/v2/research/adlib/advertiser/query/')[0]!.json).toEqual({ search_term: 'bean', max_count: 25 });
  });
});
