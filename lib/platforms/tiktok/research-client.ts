/**
 * Typed client for the TikTok Research API (https://developers.tiktok.com/doc/research-api-get-started).
 * Every endpoint is a POST with a JSON body (multipart for batch-compliance uploads), `fields` in the query
 * string, and a `{data, error}` envelope; the shared transport does tokens, retries and quota accounting.
 */
import * as z from 'zod';
import { idToWire } from '../../domain/json';
import { backoffDelay } from './backoff';
import { TikTokRequestValidationError, TikTokValidationTaskError, isSearchIdExpired } from './errors';
import {
  DEFAULT_VIDEO_FIELDS,
  withRequiredFields,
  type CommentField,
  type PlaylistField,
  type UserInfoField,
  type VideoField,
} from './fields';
import { TikTokTransport } from './http';
import { checkId, checkMaxCount, checkUsername, countList, fingerprint, nextCursor } from './paging';
import { validateVideoQuery } from './query';
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
  type RawObject,
  type UserInfo,
  type Video,
} from './schemas';
import { MAX_WINDOW_DAYS, splitIntoWindows, type DateWindow } from './windows';
import {
  RESEARCH_ENDPOINTS,
  MAX_PAGE_SIZE,
  MAX_IDS_PER_VALIDATION_TASK,
  type ResearchApiClientOptions,
  type VideoQueryParams,
  type VideoQueryState,
  videoQueryStateSchema,
  type VideoPage,
  type VideoLookupItem,
  type VideoLookupBatch,
  type PageOptions,
  type CommentPage,
  type SocialPage,
  type VideoListPage,
  type Playlist,
  type PlaylistPage,
  type ValidationTaskStatus,
  type ValidationCategory,
  type ExistenceCheckOptions,
  type ExistenceCheckResult,
} from './research-types';
import { planLookupBatches, dropYielded, parseIdList, restartEnd } from './research-batches';

export {
  RESEARCH_ENDPOINTS, MAX_PAGE_SIZE, MAX_IDS_PER_LOOKUP, MAX_IDS_PER_VALIDATION_TASK, type ResearchApiClientOptions,
  type VideoQueryParams, type VideoQueryState, type VideoPage, type VideoLookupItem, type VideoLookupBatch,
  type PageOptions, type CommentPage, type SocialPage, type VideoListPage, type Playlist, type PlaylistPage,
  type ValidationTaskStatus, type ValidationCategory, type ExistenceCheckOptions, type ExistenceCheckResult
} from './research-types';
export {
  planLookupBatches, parseIdList, restartEnd
} from './research-batches';

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
