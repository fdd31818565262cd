/**
 * TikTok connectors adapted to collection specs: each spec kind becomes a SpecSource whose pages carry records
 * exactly as the API returned them, and whose state resumes the walk after a crash or a quota stop.
 */
import { utcDayKey, MS_PER_DAY } from '../domain/clock';
import type { KeyedHasher } from '../domain/hashing';
import { canonicalJson } from '../domain/audit';
import { sha256Hex } from '../domain/hashing';
import { parseJson, stringifyJson } from '../domain/json';
import { objectKeyOf, parseRecordKey, recordKeyOf, type RecordKey, type RecordRef } from '../domain/records';
import type { Clock } from '../domain/clock';
import type { AdSpecSchema, CommentSpecSchema, Spec, UserSpecSchema, VideoSpec } from '../config/schema';
import type { z } from 'zod';
import {
  AD_FIELDS,
  COMMENT_FIELDS,
  COMMERCIAL_ENDPOINTS,
  DailyQuotaExceededError,
  RESEARCH_ENDPOINTS,
  TikTokApiError,
  USER_INFO_FIELDS,
  VIDEO_FIELDS,
  isUserInfoUnavailable,
  isUserNotFound,
  validateVideoQuery,
  type AdQueryState,
  type CommercialContentClient,
  type ResearchApiClient,
  type VideoField,
  type VideoQueryState,
} from '../platforms/tiktok';
import type { Ledger, ObjectStore } from '../store/ports';
import type { SpecSourceBinding } from './collect';
import { QuotaExhaustedError, type CollectedItem, type SourcePage, type SpecSource } from './sources';
import { nothingToList } from './comment-collection';

/** Every documented video field once (the docs list `favourites_count` as a second spelling of the same field). */
export const STORED_VIDEO_FIELDS: readonly VideoField[] = VIDEO_FIELDS.filter((f) => f !== 'favourites_count');

/** Parents are walked in batches of this many videos. */
const PARENT_BATCH = 25;

export interface TikTokSourceDeps {
  readonly clock: Clock;
  readonly ledger: Ledger;
  readonly objects: ObjectStore;
  readonly hasher: KeyedHasher;
  /** Clients by source name (config `sources`). */
  readonly research: (sourceName: string) => ResearchApiClient;
  readonly commercial: (sourceName: string) => CommercialContentClient;
}

/** The ledger key of a TikTok account: usernames are content, so the id is their keyed hash. */
export function userRef(hasher: KeyedHasher, username: string): RecordRef {
  return { platform: 'tiktok', kind: 'user', id: hasher.hash(`tiktok:username:${username.toLowerCase()}`) };
}

/**
 * The stored object of an account: the API's user info, plus the username it was collected under (the API does not
 * echo it), so exports can join videos and comments to their authors.
 */
export function storedUserBody(username: string, raw: Readonly<Record<string, unknown>>): string {
  return stringifyJson({ username, ...raw });
}

/** `{start, end}` as YYYY-MM-DD for a spec window, fixed or rolling (ending today, UTC). */
export function resolveWindow(window: VideoSpec['window'], now: Date): { start: string; end: string } {
  if ('start' in window) return { start: window.start, end: window.end };
  const end = utcDayKey(now);
  const start = utcDayKey(new Date(now.getTime() - (window.rollingDays - 1) * MS_PER_DAY));
  return { start, end };
}

const ymd = (isoDate: string) => isoDate.replaceAll('-', '');

/** Connect each spec of the config to its TikTok source. */
export function tiktokSources(deps: TikTokSourceDeps): (spec: Spec) => SpecSourceBinding {
  return (spec) => {
    switch (spec.kind) {
      case 'video': {
        const client = deps.research(spec.source);
        return { source: videoSource(deps, spec, client), usage: researchUsage(client) };
      }
      case 'comment': {
        const client = deps.research(spec.source);
        return { source: commentSource(deps, spec, client), usage: researchUsage(client) };
      }
      case 'user': {
        const client = deps.research(spec.source);
        return { source: userSource(deps, spec, client), usage: researchUsage(client) };
      }
      case 'ad': {
        const client = deps.commercial(spec.source);
        return { source: adSource(deps, spec, client), usage: { requests: () => client.quota().requests, records: () => client.quota().records } };
      }
    }
  };
}

function researchUsage(client: ResearchApiClient) {
  return { requests: () => client.quota().requests, records: () => client.quota().records };
}

/** The platform's daily quota is not an error of the run: stop cleanly with the reset time. */
async function* quotaAware<T>(pages: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* pages;
  } catch (error) {
    if (error instanceof DailyQuotaExceededError) throw new QuotaExhaustedError(error.resetsAt, { cause: error });
    throw error;
  }
}

function fingerprint(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

// ---------------------------------------------------------------------------------------------- videos

interface VideoSourceState {
  readonly range: { start: string; end: string };
  readonly query?: VideoQueryState;
}

function videoSource(deps: TikTokSourceDeps, spec: VideoSpec, client: ResearchApiClient): SpecSource {
  const query = validateVideoQuery(spec.query);
  return {
    queryFingerprint: fingerprint({ endpoint: RESEARCH_ENDPOINTS.videoQuery, query, window: spec.window }),
    pages(state: unknown): AsyncIterable<SourcePage> {
      const saved = state as VideoSourceState | undefined;
      const range = saved?.range ?? resolveWindow(spec.window, deps.clock.now());
      return quotaAware(
        (async function* () {
          const params = { query, startDate: ymd(range.start), endDate: ymd(range.end), fields: STORED_VIDEO_FIELDS, maxCount: spec.maxCount };
          for await (const page of client.queryVideos(params, saved?.query)) {
            const items: CollectedItem[] = page.videos.map((video) => ({
              ref: { platform: 'tiktok', kind: 'video', id: video.id },
              body: stringifyJson(video.raw),
              ...(video.createTime !== undefined ? { platformCreatedAt: video.createTime } : {}),
              ...(video.username ? { parentKey: recordKeyOf(userRef(deps.hasher, video.username)) } : {}),
            }));
            yield { items, endpoint: RESEARCH_ENDPOINTS.videoQuery, logId: page.logId, stateAfter: { range, query: page.state } satisfies VideoSourceState };
          }
        })(),
      );
    },
  };
}

// ------------------------------------------------------------------------- walking a parent spec's videos

interface ParentWalkState {
  /** Ledger cursor of the next batch of parent videos. */
  readonly nextBatch?: string;
  /** The batch being worked on, and how far. */
  readonly batch: readonly RecordKey[];
  readonly index: number;
  readonly finished: boolean;
}

/** Records per collected page when a spec gathers several small responses (one per parent video). */
const GATHERED_PAGE_ITEMS = 100;

/**
 * Visit the parent spec's videos in batches; `visit` yields the responses for one video with their resume state.
 * Small responses are gathered into pages of about GATHERED_PAGE_ITEMS records (each item keeps its own
 * `log_id`), so a spec with one short answer per video does not pay a checkpoint and a ledger batch per answer.
 */
async function* walkParents<S>(
  deps: TikTokSourceDeps,
  parentSpec: string,
  saved: (ParentWalkState & { inner?: S }) | undefined,
  visit: (video: RecordKey, inner: S | undefined) => AsyncIterable<{ page: Omit<SourcePage, 'stateAfter'>; inner?: S }>,
): AsyncGenerator<SourcePage> {
  let walk: ParentWalkState = saved
    ? { batch: saved.batch, index: saved.index, finished: saved.finished, ...(saved.nextBatch ? { nextBatch: saved.nextBatch } : {}) }
    : { batch: [], index: 0, finished: false };
  let inner = saved?.inner;
  let gathered: CollectedItem[] = [];
  let last: { endpoint: string; logId: string } | undefined;
  let position: ParentWalkState & { inner?: S } = saved ?? walk;
  const flush = (): SourcePage | undefined => {
    if (!last) return undefined;
    const page: SourcePage = { items: gathered, endpoint: last.endpoint, logId: last.logId, stateAfter: position };
    gathered = [];
    last = undefined;
    return page;
  };
  for (;;) {
    if (walk.index >= walk.batch.length) {
      const page = flush();
      if (page) yield page;
      if (walk.finished) return;
      const next = await deps.ledger.recordsOfSpec(parentSpec, { limit: PARENT_BATCH, ...(walk.nextBatch ? { cursor: walk.nextBatch } : {}) });
      walk = { batch: next.keys, index: 0, finished: next.cursor === undefined, ...(next.cursor ? { nextBatch: next.cursor } : {}) };
      position = walk;
      inner = undefined;
      if (walk.batch.length === 0) return;
      continue;
    }
    const video = walk.batch[walk.index]!;
    for await (const step of visit(video, inner)) {
      inner = step.inner;
      position = step.inner === undefined ? { ...walk, index: walk.index + 1 } : { ...walk, inner: step.inner };
      gathered.push(...step.page.items.map((item) => ({ ...item, logId: step.page.logId })));
      last = { endpoint: step.page.endpoint, logId: step.page.logId };
      if (gathered.length >= GATHERED_PAGE_ITEMS) yield flush()!;
    }
    walk = { ...walk, index: walk.index + 1 };
    position = walk;
    inner = undefined;
  }
}

// ---------------------------------------------------------------------------------------------- comments

function commentSource(deps: TikTokSourceDeps, spec: z.infer<typeof CommentSpecSchema>, client: ResearchApiClient): SpecSource {
  return {
    queryFingerprint: fingerprint({ endpoint: RESEARCH_ENDPOINTS.videoComments, parentSpec: spec.parentSpec, maxPerVideo: spec.maxPerVideo }),
    pages(state: unknown) {
      return quotaAware(
        walkParents<{ cursor: number; taken: number }>(deps, spec.parentSpec, state as never, (videoKey, inner) =>
          commentsOf(deps, client, videoKey, spec.maxPerVideo, inner),
        ),
      );
    },
  };
}

async function* commentsOf(deps: TikTokSourceDeps, client: ResearchApiClient, videoKey: RecordKey, maxPerVideo: number, from: { cursor: number; taken: number } | undefined) {
  // Nothing new by the video's comment_count and nothing kept near its deadline: no listing (comment-collection.ts).
  if (!from && (await nothingToList(deps, videoKey, maxPerVideo))) return;
  const videoId = parseRecordKey(videoKey).id;
  let taken = from?.taken ?? 0;
  try {
    const pages = client.videoComments({ videoId }, { fields: COMMENT_FIELDS, maxCount: Math.min(100, maxPerVideo - taken), ...(from ? { cursor: from.cursor } : {}) });
    for await (const page of pages) {
      const comments = page.comments.slice(0, maxPerVideo - taken);
      taken += comments.length;
      const items: CollectedItem[] = comments.map((comment) => ({
        ref: { platform: 'tiktok', kind: 'comment', id: comment.id },
        body: stringifyJson(comment.raw),
        ...(comment.createTime !== undefined ? { platformCreatedAt: comment.createTime } : {}),
        parentKey: videoKey,
      }));
      const more = page.hasMore && page.cursor !== undefined && taken < maxPerVideo;
      yield { page: { items, endpoint: RESEARCH_ENDPOINTS.videoComments, logId: page.logId }, ...(more ? { inner: { cursor: page.cursor!, taken } } : {}) };
      if (!more) return;
    }
  } catch (error) {
    // A video that disappeared since it was collected has no comments to fetch; the refresh sweep handles it.
    if (error instanceof TikTokApiError && error.code === 'invalid_params') return;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------- authors

function userSource(deps: TikTokSourceDeps, spec: z.infer<typeof UserSpecSchema>, client: ResearchApiClient): SpecSource {
  return {
    queryFingerprint: fingerprint({ endpoint: RESEARCH_ENDPOINTS.userInfo, parentSpec: spec.parentSpec }),
    pages(state: unknown) {
      return quotaAware(walkParents<never>(deps, spec.parentSpec, state as never, (videoKey) => authorOf(deps, client, videoKey)));
    },
  };
}

async function* authorOf(deps: TikTokSourceDeps, client: ResearchApiClient, videoKey: RecordKey) {
  const stored = await deps.objects.get(objectKeyOf(parseRecordKey(videoKey)));
  if (!stored) return;
  const video = parseJson(stored.body.toString('utf8')) as { username?: unknown };
  if (typeof video.username !== 'string' || video.username === '') return;
  const ref = userRef(deps.hasher, video.username);
  const known = await deps.ledger.getRecords([ref]);
  if (known.has(recordKeyOf(ref))) return; // collected already (refreshes keep it current) or purged
  try {
    const { user, logId } = await client.userInfo(video.username, USER_INFO_FIELDS);
    yield { page: { items: [{ ref, body: storedUserBody(video.username, user.raw) }], endpoint: RESEARCH_ENDPOINTS.userInfo, logId } };
  } catch (error) {
    if (isUserNotFound(error) || isUserInfoUnavailable(error)) return;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------- ads

interface AdSourceState {
  readonly range: { start: string; end: string };
  readonly countryIndex: number;
  readonly query?: AdQueryState;
}

function adSource(deps: TikTokSourceDeps, spec: z.infer<typeof AdSpecSchema>, client: CommercialContentClient): SpecSource {
  return {
    queryFingerprint: fingerprint({ endpoint: COMMERCIAL_ENDPOINTS.adQuery, countries: spec.countries, searchTerm: spec.searchTerm, window: spec.window }),
    pages(state: unknown) {
      const saved = state as AdSourceState | undefined;
      const range = saved?.range ?? resolveWindow(spec.window, deps.clock.now());
      return quotaAware(
        (async function* () {
          for (let countryIndex = saved?.countryIndex ?? 0; countryIndex < spec.countries.length; countryIndex++) {
            const resume = countryIndex === saved?.countryIndex ? saved.query : undefined;
            const filters = { ad_published_date_range: { min: ymd(range.start), max: ymd(range.end) }, country_code: spec.countries[countryIndex]! };
            const options = { maxCount: 50, fields: AD_FIELDS, ...(spec.searchTerm ? { searchTerm: spec.searchTerm } : {}) };
            for await (const page of client.queryAds(filters, options, resume)) {
              const items: CollectedItem[] = page.ads.map((ad) => ({ ref: { platform: 'tiktok', kind: 'ad', id: ad.id }, body: stringifyJson(ad.raw) }));
              const stateAfter: AdSourceState = page.hasMore ? { range, countryIndex, query: page.state } : { range, countryIndex: countryIndex + 1 };
              yield { items, endpoint: COMMERCIAL_ENDPOINTS.adQuery, logId: page.logId, stateAfter };
            }
          }
        })(),
      );
    },
  };
}
