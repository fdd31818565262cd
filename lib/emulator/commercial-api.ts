/**
 * The Commercial Content API's ad library: ad query (opaque search_id paging), ad detail, advertiser query.
 * Fields are dotted (`ad.id`, `advertiser.business_name`) and items come grouped by object.
 */
import { parseJson, stringifyJson } from '../domain/json';
import { type AdFilter, type AdRow, parseReach } from './ad-library';
import { parseYmd } from './dates';
import type { EmulatorServices, Endpoint, EndpointResult, RequestContext } from './endpoint';
import { jsonBody } from './endpoint';
import { idParam, intParam, invalidParams, parseFields, stringParam } from './http';
import { toBigId } from './ids';
import { AD_COUNTRIES } from './vocabulary';

export const AD_QUERY_FIELDS = [
  'ad.id',
  'ad.first_shown_date',
  'ad.last_shown_date',
  'ad.status',
  'ad.status_statement',
  'ad.videos',
  'ad.image_urls',
  'ad.reach',
  'advertiser.business_id',
  'advertiser.business_name',
  'advertiser.paid_for_by',
] as const;

export const AD_DETAIL_FIELDS = [
  ...AD_QUERY_FIELDS,
  'advertiser.follower_count',
  'advertiser.avatar_url',
  'advertiser.profile_url',
  'ad_group.targeting_info',
  'ad.rejection_info',
] as const;

export const ADVERTISER_FIELDS = ['business_id', 'business_name', 'country_code'] as const;

/** Ads published before this day are not in the library; `min` must be after it. */
const EARLIEST_DATE = '20221001';
const FILTER_KEYS = ['ad_published_date_range', 'country_code', 'advertiser_business_ids', 'unique_users_seen_size_range'];
const MAX_SEARCH_TERM = 50;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The Commercial Content API endpoints (scope research.adlib.basic, own quota bucket). */
export function commercialEndpoints(services: EmulatorServices): Endpoint[] {
  const { world, faults } = services;
  const endpoint = (path: string, handle: (ctx: RequestContext) => EndpointResult): Endpoint => ({
    path,
    scope: 'research.adlib.basic',
    bucket: 'commercial',
    style: 'v2',
    handle,
  });

  return [
    endpoint('/v2/research/adlib/ad/query/', (ctx) => {
      const fields = parseFields(ctx.query.get('fields'), AD_QUERY_FIELDS);
      const body = jsonBody(ctx);
      const filter = parseAdFilter(body);
      const maxCount = intParam(body, 'max_count', 10, 1, 50);
      const library = world.adLibrary;
      const ads = library.query(filter, ctx.t);
      const after = body.search_id === undefined || body.search_id === null || body.search_id === '' ? undefined : decodeSearchId(body.search_id);
      const start = after === undefined ? 0 : ads.findIndex((ad) => isAfter(ad, after));
      const from = start < 0 ? ads.length : start;
      const page = ads.slice(from, from + faults.pageSize(maxCount));
      const last = page[page.length - 1];
      return {
        kind: 'json',
        data: {
          ads: page.map((ad) => pickDotted(library.render(ad, ctx.t, false), fields)),
          has_more: from + page.length < ads.length,
          // Opaque and new on every page, like the real one: it encodes where the page ended.
          search_id: last ? encodeSearchId(last) : String(body.search_id ?? ''),
        },
        records: page.length,
      };
    }),

    endpoint('/v2/research/adlib/ad/detail/', (ctx) => {
      const fields = parseFields(ctx.query.get('fields'), AD_DETAIL_FIELDS);
      const id = idParam(jsonBody(ctx), 'ad_id');
      const library = world.adLibrary;
      const ad = library.find(id.toString());
      if (!ad || !library.isVisible(ad, ctx.t) || faults.roll('emptyLookupRate')) throw invalidParams(`ad_id ${id} is invalid: cannot find the ad`);
      return { kind: 'json', data: pickDotted(library.render(ad, ctx.t, true), fields), records: 1 };
    }),

    endpoint('/v2/research/adlib/advertiser/query/', (ctx) => {
      const fields = parseFields(ctx.query.get('fields'), ADVERTISER_FIELDS);
      const body = jsonBody(ctx);
      const term = stringParam(body, 'search_term', MAX_SEARCH_TERM).toLowerCase();
      const maxCount = intParam(body, 'max_count', 10, 1, 50);
      const found = world.adLibrary.advertisers.filter((a) => a.name.toLowerCase().includes(term)).slice(0, maxCount);
      const advertisers = found.map((a) => {
        const record: Record<string, unknown> = { business_id: a.businessId, business_name: a.name, country_code: a.country };
        return Object.fromEntries(fields.map((f) => [f, record[f]]));
      });
      return { kind: 'json', data: { advertisers }, records: advertisers.length };
    }),
  ];
}

function parseAdFilter(body: Record<string, unknown>): AdFilter {
  const filters = body.filters;
  if (!isRecord(filters)) throw invalidParams('filters is required: an object with at least ad_published_date_range {min, max}');
  for (const key of Object.keys(filters)) {
    if (!FILTER_KEYS.includes(key)) {
      const hint = key === 'country' ? '; did you mean country_code?' : '';
      throw invalidParams(`filters.${key} is not a supported filter${hint} (supported: ${FILTER_KEYS.join(', ')})`);
    }
  }
  const range = filters.ad_published_date_range;
  if (!isRecord(range)) throw invalidParams('filters.ad_published_date_range is required: {"min": "YYYYMMDD", "max": "YYYYMMDD"}');
  for (const bound of ['min', 'max'] as const) {
    if (parseYmd(range[bound]) === undefined) throw invalidParams(`filters.ad_published_date_range.${bound} must be a date written YYYYMMDD (got ${String(range[bound])})`);
  }
  const minDate = range.min as string;
  const maxDate = range.max as string;
  if (minDate <= EARLIEST_DATE) throw invalidParams(`filters.ad_published_date_range.min must be after ${EARLIEST_DATE} (got ${minDate})`);
  if (maxDate < minDate) throw invalidParams(`filters.ad_published_date_range.max ${maxDate} must not be before min ${minDate}`);

  const country = filters.country_code ?? 'ALL';
  if (country !== 'ALL' && !AD_COUNTRIES.includes(country as string)) {
    throw invalidParams(`filters.country_code ${JSON.stringify(country)} is not supported; use ALL or one of ${AD_COUNTRIES.join(', ')}`);
  }

  let advertiserIds: Set<string> | undefined;
  if (filters.advertiser_business_ids !== undefined && filters.advertiser_business_ids !== null) {
    const raw = filters.advertiser_business_ids;
    if (!Array.isArray(raw) || raw.length === 0) throw invalidParams('filters.advertiser_business_ids must be a non-empty list of ids');
    advertiserIds = new Set(
      raw.map((id, i) => {
        const big = toBigId(id);
        if (big === undefined) throw invalidParams(`filters.advertiser_business_ids[${i}] is not an id (got ${String(id)})`);
        return big.toString();
      }),
    );
  }

  let reachMin: number | undefined;
  let reachMax: number | undefined;
  const seen = filters.unique_users_seen_size_range;
  if (seen !== undefined && seen !== null) {
    if (!isRecord(seen)) throw invalidParams('filters.unique_users_seen_size_range must be {"min": "10K", "max": "1M"}');
    reachMin = parseReach(seen.min);
    reachMax = parseReach(seen.max);
    if (reachMin === undefined || reachMax === undefined) {
      throw invalidParams('filters.unique_users_seen_size_range min and max must be an integer below 1000 followed by K, M or B, such as 10K or 2M');
    }
    if (reachMax <= 0 || reachMin > reachMax) throw invalidParams('filters.unique_users_seen_size_range needs max > 0 and min <= max');
  }

  let searchTerm: string | undefined;
  if (body.search_term !== undefined && body.search_term !== null && body.search_term !== '') {
    searchTerm = stringParam(body, 'search_term', MAX_SEARCH_TERM);
  }
  const searchType = body.search_type ?? 'exact_phrase';
  if (searchType !== 'exact_phrase' && searchType !== 'fuzzy_phrase') throw invalidParams('search_type must be "exact_phrase" or "fuzzy_phrase"');

  return {
    minDate,
    maxDate,
    country: country === 'ALL' ? undefined : (country as string),
    advertiserIds,
    reachMin,
    reachMax,
    searchTerm,
    fuzzy: searchType === 'fuzzy_phrase',
  };
}

interface SortKey {
  readonly firstShown: number;
  readonly id: bigint;
}

/** Ads come newest first; an ad is after the key when it sorts later in that order. */
function isAfter(ad: AdRow, key: SortKey): boolean {
  return ad.firstShown < key.firstShown || (ad.firstShown === key.firstShown && ad.id < key.id);
}

function encodeSearchId(ad: AdRow): string {
  return Buffer.from(stringifyJson({ last_sort: [ad.firstShown, ad.id.toString()] })).toString('base64');
}

function decodeSearchId(raw: unknown): SortKey {
  const invalid = () => invalidParams(`search_id ${JSON.stringify(String(raw))} is invalid; send the search_id of the previous page`);
  if (typeof raw !== 'string') throw invalid();
  try {
    const parsed = parseJson(Buffer.from(raw, 'base64').toString('utf8'));
    const sort = isRecord(parsed) ? parsed.last_sort : undefined;
    if (!Array.isArray(sort) || !Number.isInteger(sort[0]) || typeof sort[1] !== 'string' || !/^\d+$/.test(sort[1])) throw invalid();
    return { firstShown: sort[0] as number, id: BigInt(sort[1]) };
  } catch {
    throw invalid();
  }
}

/** Keep the dotted fields asked for, grouped by object (`{ad: {...}, advertiser: {...}}`). */
function pickDotted(full: Record<string, Record<string, unknown>>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const field of fields) {
    const [group, name] = field.split('.') as [string, string];
    const value = full[group]?.[name];
    if (value !== undefined) (out[group] ??= {})[name] = value;
  }
  return out;
}
