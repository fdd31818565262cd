/**
 * Typed client for the TikTok Research API (https://developers.tiktok.com/doc/research-api-get-started).
 * Every endpoint is a POST with a JSON body (multipart for batch-compliance uploads), `fields` in the query
 * string, and a `{data, error}` envelope; the shared transport does tokens, retries and quota accounting.
 */
import * as z from 'zod';
import { idToWire } from '../../domain/json';
import { backoffDelay } from './backoff';
import { TikTokRequestValidationError, TikTokResponseShapeError, TikTokValidationTaskError, isSearchIdExpired } from './errors';
import {
  DEFAULT_VIDEO_FIELDS,
  withRequiredFields,
  type CommentField,
  type PlaylistField,
  type UserInfoField,
  type VideoField,
} from './fields';
import { TikTokTransport, type TikTokClientOptions } from './http';
import { checkId, checkMaxCount, checkUsername, countList, fingerprint, nextCursor } from './paging';
import { validateVideoQuery, type VideoQuery } from './query';
import type { QuotaSnapshot } from './quota';
import {
  commentItemSchema,
  pageMetaSchema,
  parseItems,
  parseShape,
  playlistDataSchema,
  socialUserSchema,
  userInfoSchema,
  validationTaskCreateSchema,
  validationTaskStatusSchema,
  videoItemSchema,
  videoQueryDataSchema,
  type Comment,
  type RawObject,
  type SocialUser,
  type UserInfo,
  type Video,
} from './schemas';
import { MAX_WINDOW_DAYS, addDaysYmd, splitIntoWindows, unixSecondsToYmd, type DateWindow } from './windows';

export const RESEARCH_ENDPOINTS = {
  videoQuery: '/v2/research/video/query/',
  userInfo: '/v2/research/user/info/',
  videoComments: '/v2/research/video/comment/list/',
  followers: '/v2/research/user/followers/',
  following: '/v2/research/user/following/',
  likedVideos: '/v2/research/user/liked_videos/',
  pinnedVideos: '/v2/research/user/pinned_videos/',
  repostedVideos: '/v2/research/user/reposted_videos/',
  playlistInfo: '/v2/research/playlist/info/',
  validationTaskCreate: '/v2/research/validation_task/create/',
  validationTaskStatus: '/v2/research/validation_task_status/get/',
  validationTaskDownload: '/v2/research/validation_task/download/',
} as const;

/** Documented maxima. */
export const MAX_PAGE_SIZE = 100;
export const MAX_IDS_PER_LOOKUP = 100;
export const MAX_IDS_PER_VALIDATION_TASK = 10_000;

export type ResearchApiClientOptions = TikTokClientOptions & {
  /**
   * How often in a row one window may be restarted after "Search Id ... is invalid or expired" before the
   * error is thrown. @default 5
   */
  readonly maxSearchRestarts?: number;
};

/** Parameters of a (possibly multi-window) video query. */
export interface VideoQueryParams {
  readonly query: VideoQuery;
  /** First creation date, `YYYYMMDD` (UTC) or a Date. */
  readonly startDate: string | Date;
  /** Last creation date, inclusive. Ranges over 30 days are split into windows. */
  readonly endDate: string | Date;
  /** `id` is always added. @default DEFAULT_VIDEO_FIELDS */
  readonly fields?: readonly VideoField[];
  /** Page size, 1-100. @default 100 */
  readonly maxCount?: number;
  /** One request per window returning up to `maxCount` random matches; nothing to resume within a window. */
  readonly isRandom?: boolean;
  /** Window length in days (1-30); smaller windows help when the API struggles with large result sets. @default 30 */
  readonly windowDays?: number;
}

/**
 * Where a video query stands: small, JSON-serialisable, persisted by the caller after it has stored a
 * page, and passed back to `queryVideos` to continue.
 */
export interface VideoQueryState {
  readonly version: 1;
  /** Digest of query, dates, window size and `isRandom`: a state only resumes the query it came from. */
  readonly fingerprint: string;
  /** Index into `splitIntoWindows(startDate, endDate, windowDays)`. */
  readonly windowIndex: number;
  /** Index of the next item in the current window's result set. */
  readonly cursor: number;
  /** The server-side result set of the current window, if one is open. */
  readonly searchId?: string;
  /**
   * Smallest video id yielded so far in the current window (results come in descending id order), so a
   * restart after an expired `search_id` can skip what was already yielded.
   */
  readonly minYieldedId?: string;
  /**
   * `YYYYMMDD` end of the current window after a restart: TikTok ids carry their creation time in the high
   * 32 bits, so a restart only re-reads from the day of `minYieldedId` instead of the whole window.
   */
  readonly windowEnd?: string;
  /** True once every window is exhausted. */
  readonly done: boolean;
}

const videoQueryStateSchema = z.object({
  version: z.literal(1),
  fingerprint: z.string(),
  windowIndex: z.number().int().nonnegative(),
  cursor: z.number().int().nonnegative(),
  searchId: z.string().optional(),
  minYieldedId: z.string().regex(/^\d+$/).optional(),
  windowEnd: z.string().regex(/^\d{8}$/).optional(),
  done: z.boolean(),
});

/** One response of a video query. */
export interface VideoPage {
  /** New videos of this page, in the order returned (already-yielded ones removed). */
  readonly videos: Video[];
  readonly logId: string;
  /** Persist this after storing `videos`; resuming from it continues right after this page. */
  readonly state: VideoQueryState;
  readonly window: DateWindow;
  readonly windowIndex: number;
  readonly windowCount: number;
  /** Items the API returned that were dropped because they had been yielded before a restart. */
  readonly skipped: number;
  /** The window was restarted from cursor 0 (expired `search_id`) before this page. */
  readonly restarted: boolean;
}

/** A stored video to refresh: its id and its `create_time` (Unix seconds), which picks the date window. */
export interface VideoLookupItem {
  readonly id: string;
  readonly createTime: number;
}

/** The outcome of one id batch of `lookupVideosByIds`. */
export interface VideoLookupBatch {
  readonly requestedIds: readonly string[];
  /** What the API returned for the batch (deduplicated by id), typed and raw. */
  readonly found: Video[];
  /**
   * Requested ids the API did not return in this successful batch. Only evidence of unavailability if
   * `found` is not empty (the caller decides; see DESIGN.md "Unavailable").
   */
  readonly missingIds: readonly string[];
  readonly window: DateWindow;
  /** `log_id` of the last response of the batch (a batch is normally one request). */
  readonly logId: string;
  readonly logIds: readonly string[];
}

export interface PageOptions<F extends string> {
  readonly fields?: readonly F[];
  /** Page size, 1-100. @default 100 */
  readonly maxCount?: number;
  /** Start from this cursor (an index, or Unix seconds for time-cursor endpoints). */
  readonly cursor?: number;
}

export interface CommentPage {
  readonly comments: Comment[];
  /** Pass as `cursor` to continue after this page. */
  readonly cursor: number | undefined;
  readonly hasMore: boolean;
  readonly logId: string;
}

export interface SocialPage {
  readonly users: SocialUser[];
  /** Unix seconds: "followed on or before"; pass as `cursor` to continue. */
  readonly cursor: number | undefined;
  readonly hasMore: boolean;
  readonly logId: string;
}

export interface VideoListPage {
  readonly videos: Video[];
  readonly cursor: number | undefined;
  readonly hasMore: boolean;
  readonly logId: string;
}

export interface Playlist {
  readonly playlistId: string | undefined;
  readonly playlistName: string | undefined;
  readonly playlistItemTotal: number | undefined;
  readonly playlistLastUpdated: number | undefined;
  readonly raw: RawObject;
}

export interface PlaylistPage {
  readonly playlist: Playlist;
  /** Video ids of this page of the playlist. */
  readonly videoIds: readonly string[];
  readonly cursor: number | undefined;
  readonly hasMore: boolean;
  readonly logId: string;
}

/** `task_status` values documented; others are passed through. */
export type ValidationTaskStatus = 'Completed' | 'Processing' | 'Failed' | (string & {});
export type ValidationCategory = 'video' | 'comment';

export interface ExistenceCheckOptions {
  /** Wait between status polls. @default 15_000 */
  readonly pollIntervalMs?: number;
  /** Give up (TikTokValidationTaskError) after this many polls per task. @default 40 */
  readonly maxPolls?: number;
}

export interface ExistenceCheckResult {
  /** Requested ids TikTok still serves. */
  readonly validIds: ReadonlySet<string>;
  /** Requested ids absent from the completed task's list (batch-compliance evidence of unavailability). */
  readonly missingIds: readonly string[];
  readonly tasks: ReadonlyArray<{ readonly taskId: string; readonly idCount: number; readonly logIds: readonly string[] }>;
}

/**
 * Research API client.
 *
 * @example
 * const client = new ResearchApiClient({ clientKey, clientSecret, quotaUsed: saved });
 * for await (const page of client.queryVideos({ query, startDate: '20240101', endDate: '20240331' }, savedState)) {
 *   await store(page.videos); await saveState(page.state, client.quota());
 * }
 */
export class ResearchApiClient {
  /** The shared machinery; pass `{ auth: client.transport.auth }` to another client to share the token. */
  readonly transport: TikTokTransport;
  private readonly maxSearchRestarts: number;

  constructor(options: ResearchApiClientOptions) {
    this.transport = new TikTokTransport(options);
    this.maxSearchRestarts = options.maxSearchRestarts ?? 5;
  }

  /** Today's usage (UTC day, per the injected clock), including failed requests that reached the server. */
  quota(): QuotaSnapshot {
    return this.transport.quota();
  }

  // ---------------------------------------------------------------- videos

  /**
   * Run a video query over any date range, page by page, resumably. Yields one page per response (also
   * empty ones, so the state always advances). Pages may be shorter than `maxCount`; paging goes on while
   * `has_more` is true. An expired `search_id` restarts the window without yielding a video twice.
   */
  async *queryVideos(params: VideoQueryParams, resume?: VideoQueryState): AsyncGenerator<VideoPage, void, undefined> {
    const endpoint = RESEARCH_ENDPOINTS.videoQuery;
    const query = validateVideoQuery(params.query);
    const windowDays = params.windowDays ?? MAX_WINDOW_DAYS;
    const windows = splitIntoWindows(params.startDate, params.endDate, windowDays);
    const maxCount = checkMaxCount(params.maxCount ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE, endpoint);
    const fields = withRequiredFields(params.fields ?? DEFAULT_VIDEO_FIELDS, ['id']);
    const isRandom = params.isRandom === true;
    const print = fingerprint({ query, start: windows[0]?.startDate, end: windows.at(-1)?.endDate, windowDays, isRandom });

    let state: VideoQueryState = resume
      ? this.checkResume(resume, print, windows.length)
      : { version: 1, fingerprint: print, windowIndex: 0, cursor: 0, done: false };
    let restarts = 0;
    let restarted = false;

    while (!state.done && state.windowIndex < windows.length) {
      const window = windows[state.windowIndex] as DateWindow;
      const body: Record<string, unknown> = {
        query,
        start_date: window.startDate,
        end_date: state.windowEnd ?? window.endDate,
        max_count: maxCount,
      };
      if (isRandom) body.is_random = true;
      else {
        body.cursor = state.cursor;
        if (state.searchId !== undefined) body.search_id = state.searchId;
      }

      let result;
      try {
        result = await this.transport.postJson({ endpoint, fields, body, countRecords: countList('videos') });
      } catch (error) {
        if (!isRandom && isSearchIdExpired(error) && restarts < this.maxSearchRestarts) {
          // The cached result set is gone (or never settled). Start the window again; minYieldedId stays,
          // so what was yielded is skipped. A pause first: reports say an immediate retry often fails too.
          restarts += 1;
          restarted = true;
          await this.transport.sleep(backoffDelay(restarts, this.transport.retry, this.transport.random));
          const windowEnd = restartEnd(window, state.minYieldedId);
          state = { ...state, cursor: 0, searchId: undefined, ...(windowEnd ? { windowEnd } : {}) };
          continue;
        }
        throw error;
      }
      restarts = 0;

      const data = parseShape(endpoint, videoQueryDataSchema, result.data, result.logId);
      const returned = parseItems(endpoint, videoItemSchema, data.videos, result.logId, 'data.videos');
      const { fresh, minId } = isRandom ? { fresh: returned, minId: undefined } : dropYielded(returned, state.minYieldedId);
      const hasMore = !isRandom && data.has_more;
      const cursor = isRandom ? 0 : nextCursor(endpoint, 'index', state.cursor, data.cursor, returned.length, hasMore);

      let next: VideoQueryState;
      if (hasMore) {
        next = { version: 1, fingerprint: print, windowIndex: state.windowIndex, cursor: cursor ?? 0, done: false };
        const searchId = data.search_id ?? state.searchId;
        if (searchId !== undefined) next = { ...next, searchId };
        if (minId !== undefined) next = { ...next, minYieldedId: minId };
        if (state.windowEnd !== undefined) next = { ...next, windowEnd: state.windowEnd };
      } else {
        const windowIndex = state.windowIndex + 1;
        next = { version: 1, fingerprint: print, windowIndex, cursor: 0, done: windowIndex >= windows.length };
      }

      yield {
        videos: fresh,
        logId: result.logId,
        state: next,
        window,
        windowIndex: state.windowIndex,
        windowCount: windows.length,
        skipped: returned.length - fresh.length,
        restarted,
      };
      restarted = false;
      state = next;
    }
  }

  private checkResume(resume: VideoQueryState, print: string, windowCount: number): VideoQueryState {
    const parsed = videoQueryStateSchema.safeParse(resume);
    if (!parsed.success) {
      throw new TikTokRequestValidationError(
        'Invalid video query resume state',
        parsed.error.issues.map((i) => `state.${i.path.join('.')}: ${i.message}`),
      );
    }
    if (parsed.data.fingerprint !== print) {
      throw new TikTokRequestValidationError(
        'The resume state belongs to a different video query (query, dates, windowDays or isRandom changed); start without a state',
      );
    }
    if (parsed.data.windowIndex > windowCount) {
      throw new TikTokRequestValidationError(`Invalid resume state: windowIndex ${parsed.data.windowIndex} exceeds ${windowCount} windows`);
    }
    return parsed.data as VideoQueryState;
  }

  /**
   * Re-fetch stored videos by id, for refresh. Ids are grouped into batches of up to 100 whose creation
   * dates fit one ≤30-day window (greedily, sorted by `createTime`), and each batch is one `IN` query on
   * `video_id` (normally one request; more only if the API pages). Yields one result per batch.
   */
  async *lookupVideosByIds(
    items: readonly VideoLookupItem[],
    fields: readonly VideoField[] = DEFAULT_VIDEO_FIELDS,
  ): AsyncGenerator<VideoLookupBatch, void, undefined> {
    const endpoint = RESEARCH_ENDPOINTS.videoQuery;
    const requestFields = withRequiredFields(fields, ['id']);
    for (const batch of planLookupBatches(items)) {
      const ids = batch.ids;
      const found = new Map<string, Video>();
      const logIds: string[] = [];
      let cursor = 0;
      let searchId: string | undefined;
      let restarts = 0;
      for (;;) {
        const body: Record<string, unknown> = {
          query: { and: [{ operation: 'IN', field_name: 'video_id', field_values: ids }] },
          start_date: batch.window.startDate,
          end_date: batch.window.endDate,
          max_count: MAX_PAGE_SIZE,
          cursor,
        };
        if (searchId !== undefined) body.search_id = searchId;
        let result;
        try {
          result = await this.transport.postJson({ endpoint, fields: requestFields, body, countRecords: countList('videos') });
        } catch (error) {
          if (isSearchIdExpired(error) && restarts < this.maxSearchRestarts) {
            // Found videos are kept by id, so starting over cannot duplicate anything.
            restarts += 1;
            await this.transport.sleep(backoffDelay(restarts, this.transport.retry, this.transport.random));
            cursor = 0;
            searchId = undefined;
            continue;
          }
          throw error;
        }
        logIds.push(result.logId);
        const data = parseShape(endpoint, videoQueryDataSchema, result.data, result.logId);
        for (const video of parseItems(endpoint, videoItemSchema, data.videos, result.logId, 'data.videos')) {
          if (!found.has(video.id)) found.set(video.id, video);
        }
        const next = nextCursor(endpoint, 'index', cursor, data.cursor, data.videos.length, data.has_more);
        if (!data.has_more) break;
        cursor = next ?? 0;
        searchId = data.search_id ?? searchId;
      }
      yield {
        requestedIds: ids,
        found: [...found.values()],
        missingIds: ids.filter((id) => !found.has(id)),
        window: batch.window,
        logId: logIds.at(-1) ?? '',
        logIds,
      };
    }
  }

  // ---------------------------------------------------------------- users

  /** Profile of one user (live data). Unknown or unavailable users throw `TikTokApiError` (see `isUserNotFound`). */
  async userInfo(username: string, fields: readonly UserInfoField[]): Promise<{ user: UserInfo; logId: string }> {
    const endpoint = RESEARCH_ENDPOINTS.userInfo;
    const result = await this.transport.postJson({ endpoint, fields, body: { username: checkUsername(username) }, countRecords: () => 1 });
    const user = parseShape(endpoint, userInfoSchema, result.data, result.logId);
    return { user: { ...user, username, raw: result.data as RawObject }, logId: result.logId };
  }

  /** Followers of a user, newest first. Billed to the separate followers/following quota. */
  followers(username: string, options: Omit<PageOptions<never>, 'fields'> = {}): AsyncGenerator<SocialPage, void, undefined> {
    return this.socialPages(RESEARCH_ENDPOINTS.followers, 'user_followers', username, options);
  }

  /** Accounts a user follows (only if their list is public). Billed to the followers/following quota. */
  following(username: string, options: Omit<PageOptions<never>, 'fields'> = {}): AsyncGenerator<SocialPage, void, undefined> {
    return this.socialPages(RESEARCH_ENDPOINTS.following, 'user_following', username, options);
  }

  private async *socialPages(
    endpoint: string,
    key: string,
    username: string,
    options: Omit<PageOptions<never>, 'fields'>,
  ): AsyncGenerator<SocialPage, void, undefined> {
    const maxCount = checkMaxCount(options.maxCount ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE, endpoint);
    const base = { username: checkUsername(username), max_count: maxCount };
    for await (const page of this.pages(endpoint, undefined, base, [key], 'time', options.cursor, 'social')) {
      yield { users: parseItems(endpoint, socialUserSchema, page.items, page.logId, `data.${page.key}`), cursor: page.cursor, hasMore: page.hasMore, logId: page.logId };
    }
  }

  /** Videos a user liked (if public). `cursor` is a time: "created on or before". */
  async *likedVideos(username: string, options: PageOptions<VideoField> = {}): AsyncGenerator<VideoListPage, void, undefined> {
    const endpoint = RESEARCH_ENDPOINTS.likedVideos;
    yield* this.videoListPages(endpoint, ['user_liked_videos'], username, 'time', options);
  }

  /**
   * Videos a user reposted. The spec table names the key `user_reposted_videos`, the doc example and the
   * official wrapper `reposted_videos`: both are read.
   */
  async *repostedVideos(username: string, options: PageOptions<VideoField> = {}): AsyncGenerator<VideoListPage, void, undefined> {
    const endpoint = RESEARCH_ENDPOINTS.repostedVideos;
    yield* this.videoListPages(endpoint, ['reposted_videos', 'user_reposted_videos'], username, 'index', options);
  }

  private async *videoListPages(
    endpoint: string,
    keys: readonly string[],
    username: string,
    cursorKind: 'index' | 'time',
    options: PageOptions<VideoField>,
  ): AsyncGenerator<VideoListPage, void, undefined> {
    const maxCount = checkMaxCount(options.maxCount ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE, endpoint);
    const fields = withRequiredFields(options.fields ?? DEFAULT_VIDEO_FIELDS, ['id']);
    const base = { username: checkUsername(username), max_count: maxCount };
    for await (const page of this.pages(endpoint, fields, base, keys, cursorKind, options.cursor, 'general')) {
      yield { videos: parseItems(endpoint, videoItemSchema, page.items, page.logId, `data.${page.key}`), cursor: page.cursor, hasMore: page.hasMore, logId: page.logId };
    }
  }

  /** A user's pinned videos (one response, no paging). */
  async pinnedVideos(username: string, fields: readonly VideoField[] = DEFAULT_VIDEO_FIELDS): Promise<{ videos: Video[]; logId: string }> {
    const endpoint = RESEARCH_ENDPOINTS.pinnedVideos;
    const result = await this.transport.postJson({
      endpoint,
      fields: withRequiredFields(fields, ['id']),
      body: { username: checkUsername(username) },
      countRecords: countList('pinned_videos_list'),
    });
    const data = parseShape(endpoint, z.looseObject({ pinned_videos_list: z.array(z.unknown()).nullish() }), result.data, result.logId);
    return { videos: parseItems(endpoint, videoItemSchema, data.pinned_videos_list ?? [], result.logId, 'data.pinned_videos_list'), logId: result.logId };
  }

  // ---------------------------------------------------------------- comments, playlists

  /**
   * Comments of a video (`{ videoId }`) or replies to a comment (`{ commentId }`), page by page. Only
   * about the first 1,000 comments of a video are reportedly retrievable.
   */
  async *videoComments(
    target: { readonly videoId: string; readonly commentId?: undefined } | { readonly commentId: string; readonly videoId?: undefined },
    options: PageOptions<CommentField> = {},
  ): AsyncGenerator<CommentPage, void, undefined> {
    const endpoint = RESEARCH_ENDPOINTS.videoComments;
    const maxCount = checkMaxCount(options.maxCount ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE, endpoint);
    const fields = withRequiredFields<CommentField>(options.fields ?? ['id', 'video_id', 'text', 'like_count', 'reply_count', 'parent_comment_id', 'create_time'], ['id']);
    // Ids go as bare JSON integers, like every public client sends them.
    const base =
      target.videoId !== undefined
        ? { video_id: idToWire(checkId(target.videoId, 'videoId')), max_count: maxCount }
        : { comment_id: idToWire(checkId(target.commentId, 'commentId')), max_count: maxCount };
    for await (const page of this.pages(endpoint, fields, base, ['comments'], 'index', options.cursor ?? 0, 'general')) {
      yield { comments: parseItems(endpoint, commentItemSchema, page.items, page.logId, 'data.comments'), cursor: page.cursor, hasMore: page.hasMore, logId: page.logId };
    }
  }

  /** A playlist and its video ids, page by page. */
  async *playlistInfo(playlistId: string, options: PageOptions<PlaylistField> = {}): AsyncGenerator<PlaylistPage, void, undefined> {
    const endpoint = RESEARCH_ENDPOINTS.playlistInfo;
    const maxCount = checkMaxCount(options.maxCount ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE, endpoint);
    const fields = options.fields ?? ['playlist_id', 'playlist_name', 'playlist_item_total', 'playlist_last_updated', 'playlist_video_ids'];
    let cursor = options.cursor ?? 0;
    for (;;) {
      const result = await this.transport.postJson({
        endpoint,
        fields,
        body: { playlist_id: idToWire(checkId(playlistId, 'playlistId')), max_count: maxCount, cursor },
        countRecords: countList('playlist_video_ids'),
      });
      const data = parseShape(endpoint, playlistDataSchema, result.data, result.logId);
      const next = nextCursor(endpoint, 'index', cursor, data.cursor, data.playlistVideoIds.length, data.hasMore);
      const playlist: Playlist = {
        playlistId: data.playlistId,
        playlistName: data.playlistName,
        playlistItemTotal: data.playlistItemTotal,
        playlistLastUpdated: data.playlistLastUpdated,
        raw: result.data as RawObject,
      };
      yield { playlist, videoIds: data.playlistVideoIds, cursor: next, hasMore: data.hasMore, logId: result.logId };
      if (!data.hasMore) return;
      cursor = next ?? 0;
    }
  }

  /** Generic cursor paging over `{<key>: [...], cursor, has_more}` responses. */
  private async *pages(
    endpoint: string,
    fields: readonly string[] | undefined,
    base: Record<string, unknown>,
    keys: readonly string[],
    cursorKind: 'index' | 'time',
    startCursor: number | undefined,
    bucket: 'general' | 'social',
  ): AsyncGenerator<{ items: unknown[]; key: string; cursor: number | undefined; hasMore: boolean; logId: string }, void, undefined> {
    let cursor = startCursor;
    const schema = z.looseObject(Object.fromEntries(keys.map((k) => [k, z.array(z.unknown()).nullish()])));
    for (;;) {
      // Time cursors default to "now" on the server: leave them out on the first page rather than guess.
      const body = cursor === undefined ? base : { ...base, cursor };
      const result = await this.transport.postJson({ endpoint, fields, body, bucket, countRecords: countList(...keys) });
      const meta = parseShape(endpoint, pageMetaSchema, result.data, result.logId);
      const lists = parseShape(endpoint, schema, result.data, result.logId) as Record<string, unknown[] | null | undefined>;
      const key = keys.find((k) => Array.isArray(lists[k])) ?? (keys[0] as string);
      const items = lists[key] ?? [];
      const next = nextCursor(endpoint, cursorKind, cursor, meta.cursor, items.length, meta.has_more);
      yield { items, key, cursor: next, hasMore: meta.has_more, logId: result.logId };
      if (!meta.has_more) return;
      cursor = next;
    }
  }

  // ---------------------------------------------------------------- batch compliance

  /** Upload up to 10,000 ids (one per line, multipart `file_data`) for a validity check. */
  async createValidationTask(ids: readonly string[], category: ValidationCategory): Promise<{ taskId: string; logId: string }> {
    const endpoint = RESEARCH_ENDPOINTS.validationTaskCreate;
    if (ids.length === 0) throw new TikTokRequestValidationError('createValidationTask: no ids given');
    if (ids.length > MAX_IDS_PER_VALIDATION_TASK) {
      throw new TikTokRequestValidationError(`createValidationTask: ${ids.length} ids exceed ${MAX_IDS_PER_VALIDATION_TASK} per task; use checkExistence, which splits them`);
    }
    if (category !== 'video' && category !== 'comment') {
      throw new TikTokRequestValidationError(`createValidationTask: category must be "video" or "comment", got ${JSON.stringify(category)}`);
    }
    ids.forEach((id, i) => checkId(id, `ids[${i}]`));
    const form = new FormData();
    form.append('file_data', new Blob([`${ids.join('\n')}\n`], { type: 'text/plain' }), 'ids.txt');
    form.append('category', category);
    const result = await this.transport.postJson({ endpoint, body: form });
    const data = parseShape(endpoint, validationTaskCreateSchema, result.data, result.logId);
    return { taskId: data.task_id, logId: result.logId };
  }

  /** `Completed`, `Processing` or `Failed`. */
  async getValidationTaskStatus(taskId: string): Promise<{ status: ValidationTaskStatus; logId: string }> {
    const endpoint = RESEARCH_ENDPOINTS.validationTaskStatus;
    const result = await this.transport.postJson({ endpoint, body: { task_id: idToWire(checkId(taskId, 'taskId')) } });
    const data = parseShape(endpoint, validationTaskStatusSchema, result.data, result.logId);
    return { status: data.task_status, logId: result.logId };
  }

  /** The ids of a completed task that are still valid. The body is plain text; ids are read as digit strings. */
  async downloadValidationTask(taskId: string): Promise<Set<string>> {
    const endpoint = RESEARCH_ENDPOINTS.validationTaskDownload;
    const result = await this.transport.postText({ endpoint, body: { task_id: idToWire(checkId(taskId, 'taskId')) } });
    return parseIdList(endpoint, result.text, result.logId);
  }

  /**
   * Which of `ids` TikTok still serves, via batch-compliance tasks of up to 10,000 ids each: create all
   * tasks, poll each until it completes, download the valid ids. Costs about 3 requests per 10,000 ids
   * plus polls.
   */
  async checkExistence(ids: readonly string[], category: ValidationCategory, options: ExistenceCheckOptions = {}): Promise<ExistenceCheckResult> {
    const pollIntervalMs = options.pollIntervalMs ?? 15_000;
    const maxPolls = options.maxPolls ?? 40;
    const unique = [...new Set(ids)];
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += MAX_IDS_PER_VALIDATION_TASK) chunks.push(unique.slice(i, i + MAX_IDS_PER_VALIDATION_TASK));

    const tasks: Array<{ taskId: string; ids: string[]; logIds: string[] }> = [];
    for (const chunk of chunks) {
      const created = await this.createValidationTask(chunk, category);
      tasks.push({ taskId: created.taskId, ids: chunk, logIds: [created.logId] });
    }

    const validIds = new Set<string>();
    const missingIds: string[] = [];
    for (const task of tasks) {
      let status: ValidationTaskStatus = 'Processing';
      for (let poll = 1; ; poll += 1) {
        // Processing takes time: wait before each poll rather than spend a request on a sure "Processing".
        await this.transport.sleep(pollIntervalMs);
        const answer = await this.getValidationTaskStatus(task.taskId);
        task.logIds.push(answer.logId);
        status = answer.status;
        if (/^completed$/i.test(status)) break;
        if (/^failed$/i.test(status)) {
          throw new TikTokValidationTaskError(`Validation task ${task.taskId} failed on TikTok's side`, task.taskId, status);
        }
        if (poll >= maxPolls) {
          throw new TikTokValidationTaskError(`Validation task ${task.taskId} still ${status} after ${maxPolls} polls`, task.taskId, status);
        }
      }
      const valid = await this.downloadValidationTask(task.taskId);
      for (const id of task.ids) {
        if (valid.has(id)) validIds.add(id);
        else missingIds.push(id);
      }
    }
    return { validIds, missingIds, tasks: tasks.map((t) => ({ taskId: t.taskId, idCount: t.ids.length, logIds: t.logIds })) };
  }
}

/**
 * Split lookup items into batches of ≤100 ids whose creation dates fit one window of ≤30 inclusive days.
 * Greedy over items sorted by creation time, which gives the fewest batches for this one-dimensional packing.
 */
export function planLookupBatches(items: readonly VideoLookupItem[], maxIds: number = MAX_IDS_PER_LOOKUP): Array<{ ids: string[]; window: DateWindow }> {
  const unique = new Map<string, VideoLookupItem>();
  items.forEach((item, i) => {
    checkId(item.id, `items[${i}].id`);
    // Milliseconds by mistake would put the window in the year 50,000 and every id would look missing.
    if (!Number.isFinite(item.createTime) || item.createTime < 0 || item.createTime >= 1e11) {
      throw new TikTokRequestValidationError(`Invalid items[${i}].createTime ${item.createTime}: expected Unix seconds (create_time), not milliseconds`);
    }
    if (!unique.has(item.id)) unique.set(item.id, item);
  });
  const sorted = [...unique.values()]
    .map((item) => ({ id: item.id, day: unixSecondsToYmd(item.createTime) }))
    .sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  const batches: Array<{ ids: string[]; window: DateWindow }> = [];
  let current: { ids: string[]; startDate: string; lastAllowed: string; endDate: string } | undefined;
  for (const { id, day } of sorted) {
    if (current && current.ids.length < maxIds && day <= current.lastAllowed) {
      current.ids.push(id);
      current.endDate = day;
      continue;
    }
    if (current) batches.push({ ids: current.ids, window: { startDate: current.startDate, endDate: current.endDate } });
    current = { ids: [id], startDate: day, lastAllowed: addDaysYmd(day, MAX_WINDOW_DAYS - 1), endDate: day };
  }
  if (current) batches.push({ ids: current.ids, window: { startDate: current.startDate, endDate: current.endDate } });
  return batches;
}

/** Remove videos at or above the smallest id already yielded; return the new smallest id. */
function dropYielded(videos: Video[], minYieldedId: string | undefined): { fresh: Video[]; minId: string | undefined } {
  let min = minYieldedId === undefined ? undefined : BigInt(minYieldedId);
  const ceiling = min;
  const seen = new Set<string>();
  const fresh: Video[] = [];
  for (const video of videos) {
    const id = BigInt(video.id);
    if ((ceiling !== undefined && id >= ceiling) || seen.has(video.id)) continue;
    seen.add(video.id);
    fresh.push(video);
    if (min === undefined || id < min) min = id;
  }
  return { fresh, minId: min?.toString() };
}

/** Ids from a plain-text download: digit tokens separated by newlines (commas and spaces tolerated). */
export function parseIdList(endpoint: string, text: string, logId = ''): Set<string> {
  const ids = new Set<string>();
  const junk: string[] = [];
  for (const token of text.split(/[\s,;]+/)) {
    if (token === '') continue;
    if (/^\d+$/.test(token)) ids.add(token);
    else junk.push(token);
  }
  // A header line ("video_id") is fine; a body that is mostly not ids is not a list of ids.
  if (junk.length > 1 && junk.length > ids.size) {
    throw new TikTokResponseShapeError(endpoint, [`(body): expected one id per line, found ${JSON.stringify(junk.slice(0, 3))}`], logId);
  }
  return ids;
}

/**
 * Where a restarted window can end: the creation day of the smallest id already yielded (results come in
 * descending id order and ids carry their creation second in the high 32 bits), if that day lies in the window.
 */
export function restartEnd(window: DateWindow, minYieldedId: string | undefined): string | undefined {
  if (minYieldedId === undefined) return undefined;
  const day = unixSecondsToYmd(Number(BigInt(minYieldedId) >> 32n));
  return day >= window.startDate && day <= window.endDate ? day : undefined;
}
