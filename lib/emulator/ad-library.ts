/**
 * The synthetic ad library behind the Commercial Content API: advertisers and the ads they showed in the EU/EEA,
 * GB and CH. Deterministic from the seed like the rest of the world.
 */
import { DAY_SECONDS, formatYmd } from './dates';
import { hash32, Rng, WeightedPicker, zipfWeights } from './random';
import { AD_COUNTRIES, AD_MARKETS, AD_PRODUCTS, COMPANY_STEMS, COMPANY_SUFFIXES, INTERESTS } from './vocabulary';

export interface AdvertiserRow {
  readonly businessId: bigint;
  readonly name: string;
  readonly country: string;
  readonly paidForBy: string;
  readonly followers: number;
}

export interface RejectionInfo {
  readonly reasons: readonly string[];
  readonly affected_countries: readonly string[];
  readonly reporting_source: string;
  readonly automated_notice: string | null;
}

export interface AdRow {
  readonly id: bigint;
  readonly advertiser: number;
  /** 00:00 UTC (Unix seconds) of the first and last day shown. */
  readonly firstShown: number;
  readonly lastShown: number;
  readonly countries: readonly string[];
  /** What the ad is about: search terms match it and the advertiser's name. */
  readonly product: string;
  readonly reachTotal: number;
  readonly isVideo: boolean;
  readonly removedAt: number | undefined;
  readonly rejection: RejectionInfo | undefined;
  readonly targeting: Readonly<Record<string, unknown>>;
}

/** A validated ad query; see commercial-api.ts for the wire form. */
export interface AdFilter {
  readonly minDate: string;
  readonly maxDate: string;
  readonly country: string | undefined;
  readonly advertiserIds: ReadonlySet<string> | undefined;
  readonly reachMin: number | undefined;
  readonly reachMax: number | undefined;
  readonly searchTerm: string | undefined;
  readonly fuzzy: boolean;
}

export interface AdLibraryOptions {
  readonly seed: number;
  /** Ads are first shown in [from, to) (Unix seconds, whole UTC days). */
  readonly from: number;
  readonly to: number;
  /** Ads first shown per 365 days. */
  readonly adsPerYear: number;
  readonly advertisers: number;
  readonly removalShare: number;
}

const TAG_ADVERTISERS = 101;
const TAG_ADS = 102;
const MEDIA_HOST = 'https://library.tiktok.emulator.invalid';
const AGE_GROUPS = ['13-17', '18-24', '25-34', '35-44', '45-54', '55+'] as const;
const REJECTION_REASONS = ['Misleading claims', 'Prohibited product', 'Unsubstantiated health claim', 'Intellectual property'];

/** Reach as the library writes it: `0K`..`999K`, `1M`..`999M`, `1B`... */
export function formatReach(users: number): string {
  if (users < 1_000_000) return `${Math.floor(users / 1_000)}K`;
  if (users < 1_000_000_000) return `${Math.floor(users / 1_000_000)}M`;
  return `${Math.floor(users / 1_000_000_000)}B`;
}

/** Inverse of {@link formatReach} for filter bounds: `10K` -> 10,000; undefined when malformed. */
export function parseReach(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const match = /^(\d{1,3})([KMB]?)$/.exec(text);
  if (!match) return undefined;
  const scale = { '': 1, K: 1_000, M: 1_000_000, B: 1_000_000_000 }[match[2] as '' | 'K' | 'M' | 'B'];
  return Number(match[1]) * scale;
}

/** Advertisers and their ads, generated from the seed at construction. */
export class AdLibrary {
  readonly advertisers: readonly AdvertiserRow[];
  /** Ordered by first day shown, then id. */
  readonly ads: readonly AdRow[];
  private readonly byId: ReadonlyMap<string, AdRow>;

  constructor(options: AdLibraryOptions) {
    this.advertisers = buildAdvertisers(new Rng(hash32(options.seed, TAG_ADVERTISERS)), options.advertisers);
    this.ads = buildAds(new Rng(hash32(options.seed, TAG_ADS)), options, this.advertisers.length);
    this.byId = new Map(this.ads.map((ad) => [ad.id.toString(), ad]));
  }

  find(id: string): AdRow | undefined {
    return this.byId.get(id);
  }

  /** In the library at `t`: first shown by then and not removed. */
  isVisible(ad: AdRow, t: number): boolean {
    return ad.firstShown <= t && !(ad.removedAt !== undefined && ad.removedAt <= t);
  }

  /** Unique users reached by `t`: grows over the days shown. */
  reachAt(ad: AdRow, t: number): number {
    const span = ad.lastShown + DAY_SECONDS - ad.firstShown;
    return Math.floor(ad.reachTotal * Math.min(1, Math.max(0, (t - ad.firstShown) / span)));
  }

  /** Every ad visible at `t` that passes the filter, newest first (first day shown, then id, descending). */
  query(filter: AdFilter, t: number): AdRow[] {
    const term = filter.searchTerm?.toLowerCase();
    const words = term?.split(/\s+/).filter(Boolean) ?? [];
    const out: AdRow[] = [];
    for (let i = this.ads.length - 1; i >= 0; i -= 1) {
      const ad = this.ads[i]!;
      if (!this.isVisible(ad, t)) continue;
      const day = formatYmd(ad.firstShown);
      if (day < filter.minDate || day > filter.maxDate) continue;
      if (filter.country !== undefined && !ad.countries.includes(filter.country)) continue;
      const advertiser = this.advertisers[ad.advertiser]!;
      // The docs: advertiser_business_ids is ignored when a search_term is given.
      if (term === undefined && filter.advertiserIds && !filter.advertiserIds.has(advertiser.businessId.toString())) continue;
      const reach = this.reachAt(ad, t);
      if (filter.reachMin !== undefined && reach < filter.reachMin) continue;
      if (filter.reachMax !== undefined && reach > filter.reachMax) continue;
      if (term !== undefined) {
        const haystack = `${advertiser.name} ${ad.product}`.toLowerCase();
        if (filter.fuzzy ? !words.every((w) => haystack.includes(w)) : !haystack.includes(term)) continue;
      }
      out.push(ad);
    }
    return out;
  }

  /**
   * Every documented field of an ad at `t`, grouped as the API groups them (`ad`, `advertiser`, `ad_group`).
   * Reach by country is only part of the detail view.
   */
  render(ad: AdRow, t: number, detail: boolean): Record<'ad' | 'advertiser' | 'ad_group', Record<string, unknown>> {
    const advertiser = this.advertisers[ad.advertiser]!;
    const today = Math.floor(t / DAY_SECONDS) * DAY_SECONDS;
    const active = t < ad.lastShown + DAY_SECONDS;
    const reach = this.reachAt(ad, t);
    const media = `${MEDIA_HOST}/ads/${ad.id}`;
    return {
      ad: {
        id: ad.id,
        first_shown_date: formatYmd(ad.firstShown),
        last_shown_date: formatYmd(Math.min(ad.lastShown, today)),
        status: active ? 'active' : 'inactive',
        status_statement: active ? 'This ad is currently being shown' : 'This ad is no longer being shown',
        videos: ad.isVideo ? [{ url: `${media}/video.mp4`, cover_image_url: `${media}/cover.jpeg` }] : [],
        image_urls: ad.isVideo ? [] : [`${media}/image-1.jpeg`],
        reach: detail
          ? {
              unique_users_seen: formatReach(reach),
              unique_users_seen_by_country: Object.fromEntries(ad.countries.map((c, i) => [c, formatReach(Math.floor(reach / (i + 2)))])),
            }
          : { unique_users_seen: formatReach(reach) },
        rejection_info: ad.rejection ?? null,
      },
      advertiser: {
        business_id: advertiser.businessId,
        business_name: advertiser.name,
        paid_for_by: advertiser.paidForBy,
        follower_count: advertiser.followers,
        avatar_url: `${MEDIA_HOST}/advertisers/${advertiser.businessId}/avatar.jpeg`,
        profile_url: `${MEDIA_HOST}/advertisers/${advertiser.businessId}`,
      },
      ad_group: { targeting_info: ad.targeting },
    };
  }
}

function buildAdvertisers(rng: Rng, count: number): AdvertiserRow[] {
  const names = new Set<string>();
  const ids = new Set<bigint>();
  const out: AdvertiserRow[] = [];
  for (let i = 0; i < count; i += 1) {
    let name = `${rng.pick(COMPANY_STEMS)} ${rng.pick(COMPANY_SUFFIXES)}`;
    for (let n = 2; names.has(name); n += 1) name = `${name.replace(/ \d+$/, '')} ${n}`;
    names.add(name);
    let businessId = uniqueSixteenDigits(rng);
    while (ids.has(businessId)) businessId = uniqueSixteenDigits(rng);
    ids.add(businessId);
    out.push({
      businessId,
      name,
      country: rng.pick(AD_COUNTRIES),
      paidForBy: rng.chance(0.8) ? name : `${rng.pick(COMPANY_STEMS)} Holding`,
      followers: Math.floor(Math.exp(Math.log(5_000) + 1.5 * rng.normal())),
    });
  }
  return out;
}

function buildAds(rng: Rng, options: AdLibraryOptions, advertisers: number): AdRow[] {
  const days = Math.round((options.to - options.from) / DAY_SECONDS);
  const total = Math.round((options.adsPerYear * days) / 365);
  const advertiserPicker = new WeightedPicker(zipfWeights(advertisers, 0.8));
  const countryPicker = new WeightedPicker(AD_MARKETS.map((m) => m.weight));
  const ids = new Set<bigint>();
  const ads: AdRow[] = [];
  for (let i = 0; i < total; i += 1) {
    let id = uniqueSixteenDigits(rng);
    while (ids.has(id)) id = uniqueSixteenDigits(rng);
    ids.add(id);
    const firstShown = options.from + rng.int(days) * DAY_SECONDS;
    const lastShown = firstShown + Math.floor(-Math.log(1 - rng.next()) * 20) * DAY_SECONDS;
    const countries = [...new Set(Array.from({ length: rng.between(1, 5) }, () => AD_COUNTRIES[countryPicker.pick(rng)]!))];
    const removed = rng.chance(options.removalShare);
    const rejected = removed || rng.chance(0.05);
    ads.push({
      id,
      advertiser: advertiserPicker.pick(rng),
      firstShown,
      lastShown,
      countries,
      product: rng.pick(AD_PRODUCTS),
      reachTotal: Math.min(50_000_000, Math.floor(Math.exp(Math.log(20_000) + 1.5 * rng.normal()))),
      isVideo: rng.chance(0.85),
      removedAt: removed ? firstShown + 1 + rng.int(options.to - firstShown) : undefined,
      rejection: rejected
        ? {
            reasons: [rng.pick(REJECTION_REASONS)],
            affected_countries: countries.slice(0, 1),
            reporting_source: rng.pick(['TikTok moderation', 'User report', 'Trusted flagger']),
            automated_notice: rng.chance(0.5) ? 'This decision was made by automated means' : null,
          }
        : undefined,
      targeting: {
        number_of_users_targeted: formatReach(Math.floor(Math.exp(Math.log(200_000) + rng.normal()))),
        country: countries,
        age: Object.fromEntries(AGE_GROUPS.map((group) => [group, group !== '13-17' && rng.chance(0.7)])),
        gender: { female: rng.chance(0.9), male: rng.chance(0.9), other_genders: rng.chance(0.8) },
        audience_targeting: rng.chance(0.3) ? 'Yes' : 'No',
        video_interactions: rng.chance(0.2) ? 'Yes' : 'No',
        creator_interactions: rng.chance(0.1) ? 'Yes' : 'No',
        interest: rng.pick(INTERESTS),
      },
    });
  }
  return ads.sort((a, b) => a.firstShown - b.firstShown || (a.id < b.id ? -1 : 1));
}

function uniqueSixteenDigits(rng: Rng): bigint {
  // Ad-library ids seen in the docs are 16 digits; they still travel as bigint like every other id.
  return 1_000_000_000_000_000n + BigInt(Math.floor(rng.next() * 8_000_000_000)) * 1_000_000n + BigInt(rng.int(1_000_000));
}
