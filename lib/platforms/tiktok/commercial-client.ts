/**
 * Typed client for the TikTok Commercial Content API (the EU ad library,
 * https://developers.tiktok.com/doc/commercial-content-api-getting-started). Same token, envelope, retries
 * and quota accounting as the Research API (the shared `TikTokTransport`); paging is by an opaque
 * `search_id` that changes on every page.
 */
import * as z from 'zod';
import { idToWire } from '../../domain/json';
import { TikTokPaginationError, TikTokRequestValidationError } from './errors';
import { withRequiredFields, type AdDetailField, type AdField, type AdvertiserField } from './fields';
import { TikTokTransport, formatIssues, type TikTokClientOptions } from './http';
import { checkId, checkMaxCount, countList, fingerprint } from './paging';
import type { QuotaSnapshot } from './quota';
import {
  adDetailDataSchema,
  adItemSchema,
  adQueryDataSchema,
  advertiserItemSchema,
  advertiserQueryDataSchema,
  parseItems,
  parseShape,
  type Ad,
  type AdDetail,
  type Advertiser,
  type RawObject,
} from './schemas';
import { isValidYmd } from './windows';

export const COMMERCIAL_ENDPOINTS = {
  adQuery: '/v2/research/adlib/ad/query/',
  adDetail: '/v2/research/adlib/ad/detail/',
  advertiserQuery: '/v2/research/adlib/advertiser/query/',
} as const;

export const MAX_AD_PAGE_SIZE = 50;
export const MAX_SEARCH_TERM_LENGTH = 50;
/** Ads are searchable from this date on; `ad_published_date_range.min` must be after it. */
export const AD_LIBRARY_FIRST_DATE = '20221001';

const SIZE = /^(\d{1,3})([KMB])$/;
const sizeValue = (v: string): number => {
  const m = SIZE.exec(v);
  if (!m) return Number.NaN;
  return Number(m[1]) * { K: 1e3, M: 1e6, B: 1e9 }[m[2] as 'K' | 'M' | 'B'];
};

const ymd = z.string().refine(isValidYmd, { message: 'expected a real date as YYYYMMDD' });
const sizeBucket = z.string().regex(SIZE, 'expected a size like "0K", "120K", "2M" or "1B" (integer below 1000, then K, M or B)');

/** Ad query filters, exactly as on the wire (documented names). */
export const adQueryFiltersSchema = z
  .strictObject({
    ad_published_date_range: z
      .strictObject({ min: ymd, max: ymd })
      .refine((r) => r.min > AD_LIBRARY_FIRST_DATE, { message: `min must be after ${AD_LIBRARY_FIRST_DATE}`, path: ['min'] })
      .refine((r) => r.max >= r.min, { message: 'max must not be before min', path: ['max'] }),
    /** `ALL` (default) or an EU/EEA, GB or CH country code. */
    country_code: z.string().regex(/^([A-Z]{2}|ALL)$/, 'expected "ALL" or a 2-letter upper-case country code').optional(),
    /** Decimal id strings; ignored by the API when a search term is given. */
    advertiser_business_ids: z.array(z.string().regex(/^\d+$/, 'expected a decimal id as a string')).min(1).optional(),
    unique_users_seen_size_range: z
      .strictObject({ min: sizeBucket, max: sizeBucket })
      .refine((r) => sizeValue(r.max) > 0, { message: 'max must be above 0', path: ['max'] })
      .refine((r) => sizeValue(r.max) >= sizeValue(r.min), { message: 'max must not be below min', path: ['max'] })
      .optional(),
  });

export type AdQueryFilters = z.input<typeof adQueryFiltersSchema>;

export interface AdQueryOptions {
  /** Up to 50 characters. */
  readonly searchTerm?: string;
  /** @default 'exact_phrase' (server default) */
  readonly searchType?: 'exact_phrase' | 'fuzzy_phrase';
  /** Page size, 1-50. @default 50 */
  readonly maxCount?: number;
  /** `ad.id` is always added. */
  readonly fields?: readonly AdField[];
}

/** Where an ad query stands; persist it after storing a page and pass it back to resume. */
export interface AdQueryState {
  readonly version: 1;
  /** Digest of filters, search term and type: a state only resumes the query it came from. */
  readonly fingerprint: string;
  /** The `search_id` that fetches the next page; absent before the first page. */
  readonly searchId?: string;
  readonly done: boolean;
}

const adQueryStateSchema = z.object({ version: z.literal(1), fingerprint: z.string(), searchId: z.string().optional(), done: z.boolean() });

export interface AdPage {
  readonly ads: Ad[];
  readonly logId: string;
  readonly hasMore: boolean;
  readonly state: AdQueryState;
}

/** Commercial Content API client. */
export class CommercialContentClient {
  readonly transport: TikTokTransport;

  constructor(options: TikTokClientOptions) {
    this.transport = new TikTokTransport(options);
  }

  /** Today's usage of this client (the API's quota is undocumented; counted the same way as research). */
  quota(): QuotaSnapshot {
    return this.transport.quota();
  }

  /**
   * Search the ad library page by page. `state` from a yielded page resumes after it. An expired
   * `search_id` cannot be recovered without repeats (the order is not documented), so it is thrown.
   */
  async *queryAds(filters: AdQueryFilters, options: AdQueryOptions = {}, resume?: AdQueryState): AsyncGenerator<AdPage, void, undefined> {
    const endpoint = COMMERCIAL_ENDPOINTS.adQuery;
    const parsed = adQueryFiltersSchema.safeParse(filters);
    if (!parsed.success) throw new TikTokRequestValidationError('Invalid ad query filters', formatIssues(parsed.error.issues, 'filters'));
    const valid = parsed.data;
    const { searchTerm, searchType } = options;
    if (searchTerm !== undefined && (searchTerm.trim() === '' || searchTerm.length > MAX_SEARCH_TERM_LENGTH)) {
      throw new TikTokRequestValidationError(`Invalid searchTerm: must be 1 to ${MAX_SEARCH_TERM_LENGTH} characters, got ${searchTerm.length}`);
    }
    if (searchType !== undefined && searchType !== 'exact_phrase' && searchType !== 'fuzzy_phrase') {
      throw new TikTokRequestValidationError(`Invalid searchType ${JSON.stringify(searchType)}: use "exact_phrase" or "fuzzy_phrase"`);
    }
    if (searchTerm !== undefined && valid.advertiser_business_ids !== undefined) {
      // The API silently ignores the ids then; a caller who sent both almost certainly meant something else.
      throw new TikTokRequestValidationError('filters.advertiser_business_ids is ignored by the API when searchTerm is given; drop one of them');
    }
    const maxCount = checkMaxCount(options.maxCount ?? MAX_AD_PAGE_SIZE, MAX_AD_PAGE_SIZE, endpoint);
    const fields = withRequiredFields<AdField>(options.fields ?? ['ad.id', 'ad.first_shown_date', 'ad.last_shown_date', 'ad.status', 'ad.reach', 'advertiser.business_id', 'advertiser.business_name'], ['ad.id']);
    const print = fingerprint({ filters: valid, searchTerm, searchType });

    let state: AdQueryState = resume ? checkAdResume(resume, print) : { version: 1, fingerprint: print, done: false };
    const wireFilters: Record<string, unknown> = { ...valid };
    if (valid.advertiser_business_ids) wireFilters.advertiser_business_ids = valid.advertiser_business_ids.map((id) => idToWire(id));

    while (!state.done) {
      const body: Record<string, unknown> = { filters: wireFilters, max_count: maxCount };
      if (searchTerm !== undefined) body.search_term = searchTerm;
      if (searchType !== undefined) body.search_type = searchType;
      if (state.searchId !== undefined) body.search_id = state.searchId;

      const result = await this.transport.postJson({ endpoint, fields, body, countRecords: countList('ads') });
      const data = parseShape(endpoint, adQueryDataSchema, result.data, result.logId);
      const ads = parseItems(endpoint, adItemSchema, data.ads, result.logId, 'data.ads');
      if (data.has_more && data.search_id === undefined) {
        throw new TikTokPaginationError(`${endpoint}: has_more is true but no search_id was returned`);
      }
      if (data.has_more && ads.length === 0 && data.search_id === state.searchId) {
        throw new TikTokPaginationError(`${endpoint}: has_more is true but the page is empty and search_id did not change`);
      }
      const next: AdQueryState = data.has_more
        ? { version: 1, fingerprint: print, searchId: data.search_id as string, done: false }
        : { version: 1, fingerprint: print, done: true };
      yield { ads, logId: result.logId, hasMore: data.has_more, state: next };
      state = next;
    }
  }

  /** Full detail of one ad (targeting, reach by country, and `ad.rejection_info` if asked for). */
  async adDetail(adId: string, fields: readonly AdDetailField[]): Promise<{ ad: AdDetail; logId: string }> {
    const endpoint = COMMERCIAL_ENDPOINTS.adDetail;
    const result = await this.transport.postJson({
      endpoint,
      fields: withRequiredFields<AdDetailField>(fields, ['ad.id']),
      body: { ad_id: idToWire(checkId(adId, 'adId')) },
      countRecords: () => 1,
    });
    const ad = parseShape(endpoint, adDetailDataSchema, result.data, result.logId);
    return { ad: { ...ad, raw: result.data as RawObject }, logId: result.logId };
  }

  /** Advertisers whose name matches `searchTerm` (no paging documented). */
  async queryAdvertisers(
    searchTerm: string,
    fields: readonly AdvertiserField[] = ['business_id', 'business_name', 'country_code'],
    options: { readonly maxCount?: number } = {},
  ): Promise<{ advertisers: Advertiser[]; logId: string }> {
    const endpoint = COMMERCIAL_ENDPOINTS.advertiserQuery;
    if (searchTerm.trim() === '' || searchTerm.length > MAX_SEARCH_TERM_LENGTH) {
      throw new TikTokRequestValidationError(`Invalid searchTerm: must be 1 to ${MAX_SEARCH_TERM_LENGTH} characters, got ${searchTerm.length}`);
    }
    const maxCount = checkMaxCount(options.maxCount ?? MAX_AD_PAGE_SIZE, MAX_AD_PAGE_SIZE, endpoint);
    const result = await this.transport.postJson({
      endpoint,
      fields: withRequiredFields<AdvertiserField>(fields, ['business_id']),
      body: { search_term: searchTerm, max_count: maxCount },
      countRecords: countList('advertisers'),
    });
    const data = parseShape(endpoint, advertiserQueryDataSchema, result.data, result.logId);
    return { advertisers: parseItems(endpoint, advertiserItemSchema, data.advertisers, result.logId, 'data.advertisers'), logId: result.logId };
  }
}

function checkAdResume(resume: AdQueryState, print: string): AdQueryState {
  const parsed = adQueryStateSchema.safeParse(resume);
  if (!parsed.success) {
    throw new TikTokRequestValidationError('Invalid ad query resume state', parsed.error.issues.map((i) => `state.${i.path.join('.')}: ${i.message}`));
  }
  if (parsed.data.fingerprint !== print) {
    throw new TikTokRequestValidationError('The resume state belongs to a different ad query (filters or search term changed); start without a state');
  }
  return parsed.data as AdQueryState;
}
