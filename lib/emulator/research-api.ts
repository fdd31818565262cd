/**
 * The Research API endpoints: video query (search_id + cursor paging over a cached result set), user info,
 * comments, followers/following, liked/pinned/reposted videos and playlists. Each handler validates as the docs
 * describe, reads the world at the request's instant and returns only the requested fields.
 */
import type { Clock } from '../domain/clock';
import type { EmulatorServices, Endpoint, EndpointResult, RequestContext } from './endpoint';
import { jsonBody } from './endpoint';
import { idParam, intParam, invalidParams, parseFields, pick, stringParam } from './http';
import { compileQuery, parseDateWindow, QueryError } from './query';
import type { World } from './world';

export const VIDEO_FIELDS = [
  'id',
  'create_time',
  'username',
  'region_code',
  'video_description',
  'music_id',
  'like_count',
  'comment_count',
  'share_count',
  'view_count',
  'effect_ids',
  'hashtag_names',
  'playlist_id',
  'voice_to_text',
  'is_stem_verified',
  'favorites_count',
  'video_duration',
  'hashtag_info_list',
  'sticker_info_list',
  'effect_info_list',
  'video_mention_list',
  'video_label',
  'video_tag',
] as const;

/** The field list also spells it `favourites_count`; both are accepted and answered as `favorites_count`. */
const VIDEO_FIELD_ALIASES = { favourites_count: 'favorites_count' };

/** Liked videos come without effect_ids, playlist_id and voice_to_text. */
export const LIKED_VIDEO_FIELDS = VIDEO_FIELDS.filter((f) => f !== 'effect_ids' && f !== 'playlist_id' && f !== 'voice_to_text');

export const USER_FIELDS = [
  'display_name',
  'bio_description',
  'avatar_url',
  'is_verified',
  'follower_count',
  'following_count',
  'likes_count',
  'video_count',
  'bio_url',
] as const;

/** Comments of one video the API serves at most. */
export const SERVED_COMMENTS_PER_VIDEO = 1_000;

export const COMMENT_FIELDS = ['id', 'video_id', 'text', 'like_count', 'reply_count', 'parent_comment_id', 'create_time'] as const;

export const PLAYLIST_FIELDS = ['playlist_id', 'playlist_name', 'playlist_item_total', 'playlist_last_updated', 'playlist_video_ids'] as const;

const INVALID_CURSOR = 'Invalid count or cursor';
const MAX_CURSOR = Number.MAX_SAFE_INTEGER;

/** Cached video-query result sets, by search_id, living `ttlSeconds` of emulator time. */
export class SearchCache {
  private readonly searches = new Map<string, { clientKey: string; videos: readonly number[]; createdAtMs: number }>();

  constructor(
    private readonly ttlSeconds: number,
    private readonly clock: Clock,
  ) {}

  put(searchId: string, clientKey: string, videos: readonly number[]): void {
    const now = this.clock.now().getTime();
    if (this.searches.size >= 1_000) {
      for (const [id, search] of this.searches) if (this.expired(search.createdAtMs, now)) this.searches.delete(id);
    }
    this.searches.set(searchId, { clientKey, videos, createdAtMs: now });
  }

  /** The cached videos, or undefined when the id is unknown, another client's, or expired. */
  get(searchId: string, clientKey: string): readonly number[] | undefined {
    const search = this.searches.get(searchId);
    if (!search || search.clientKey !== clientKey) return undefined;
    if (this.expired(search.createdAtMs, this.clock.now().getTime())) {
      this.searches.delete(searchId);
      return undefined;
    }
    return search.videos;
  }

  private expired(createdAtMs: number, nowMs: number): boolean {
    return nowMs - createdAtMs >= this.ttlSeconds * 1_000;
  }
}

/** The Research API's data endpoints. */
export function researchEndpoints(services: EmulatorServices): Endpoint[] {
  const { world, faults } = services;
  const searches = new SearchCache(services.searchIdTtlSeconds, services.clock);
  const research = (path: string, handle: (ctx: RequestContext) => EndpointResult, bucket: 'research' | 'social' = 'research'): Endpoint => ({
    path,
    scope: 'research.data.basic',
    bucket,
    style: 'research',
    handle,
  });
  const renderVideos = (videos: readonly number[], t: number, fields: readonly string[]) =>
    videos.map((v) => faults.thin(pick(world.renderVideo(v, t), fields)));
  const json = (data: Record<string, unknown>, records: number): EndpointResult => ({ kind: 'json', data, records });

  return [
    research('/v2/research/video/query/', (ctx) => {
      const fields = parseFields(ctx.query.get('fields'), VIDEO_FIELDS, VIDEO_FIELD_ALIASES);
      const body = jsonBody(ctx);
      const { window, predicate } = asInvalidParams(() => ({
        window: parseDateWindow(body.start_date, body.end_date),
        predicate: compileQuery(body.query),
      }));
      const maxCount = intParam(body, 'max_count', 20, 1, 100);
      const cursor = intParam(body, 'cursor', 0, 0, MAX_CURSOR, INVALID_CURSOR);
      if (body.is_random !== undefined && body.is_random !== null && typeof body.is_random !== 'boolean') {
        throw invalidParams('is_random must be true or false');
      }
      if (body.is_random === true) {
        const matches = world.searchVideos(predicate, window, ctx.t);
        const sample: number[] = [];
        while (sample.length < maxCount && matches.length > 0) sample.push(matches.splice(faults.int(matches.length), 1)[0]!);
        const videos = renderVideos(sample, ctx.t, fields);
        return json({ videos, cursor: videos.length, has_more: false, search_id: services.ids.next(ctx.now).toString() }, videos.length);
      }
      // An outage answering empty: a lookup by id that finds none of its ids, and says it succeeded.
      if (isIdLookup(body.query) && faults.roll('emptyLookupRate')) {
        return json({ videos: [], cursor, has_more: false, search_id: String(body.search_id || services.ids.next(ctx.now).toString()) }, 0);
      }
      let searchId: string;
      let matches: readonly number[];
      const given = body.search_id;
      if (given !== undefined && given !== null && given !== '') {
        searchId = String(given);
        const cached = searches.get(searchId, ctx.clientKey);
        // A live search_id is sometimes reported expired anyway (seen on the real API); retrying can work.
        if (!cached || faults.roll('searchIdEarlyExpiryRate')) throw invalidParams(`Search Id ${searchId} is invalid or expired`);
        matches = cached;
      } else {
        searchId = services.ids.next(ctx.now).toString();
        matches = world.searchVideos(predicate, window, ctx.t);
        searches.put(searchId, ctx.clientKey, matches);
      }
      if (cursor > matches.length) throw invalidParams(INVALID_CURSOR);
      const slice = matches.slice(cursor, cursor + faults.pageSize(maxCount));
      // Videos deleted or made private since the search was cached are skipped, so pages can come back short.
      const videos = renderVideos(slice.filter((v) => world.isVideoVisible(v, ctx.t)), ctx.t, fields);
      const next = cursor + slice.length;
      return json({ videos, cursor: next, has_more: next < matches.length, search_id: searchId }, videos.length);
    }),

    research('/v2/research/user/info/', (ctx) => {
      const fields = parseFields(ctx.query.get('fields'), USER_FIELDS);
      const body = jsonBody(ctx);
      if (faults.roll('emptyLookupRate')) throw invalidParams(`${stringParam(body, 'username', 100)} is invalid: cannot find the user`);
      const user = requireUser(world, body, ctx.t);
      return json(pick(world.renderUser(user, ctx.t), fields), 1);
    }),

    research('/v2/research/video/comment/list/', (ctx) => {
      const fields = parseFields(ctx.query.get('fields'), COMMENT_FIELDS);
      const body = jsonBody(ctx);
      const byVideo = body.video_id !== undefined && body.video_id !== null;
      const byComment = body.comment_id !== undefined && body.comment_id !== null;
      if (byVideo && byComment) throw invalidParams('request either video_id (its comments) or comment_id (its replies), not both');
      if (!byVideo && !byComment) throw invalidParams('video_id or comment_id is required');
      const maxCount = intParam(body, 'max_count', 10, 1, 100);
      const cursor = intParam(body, 'cursor', 0, 0, MAX_CURSOR, INVALID_CURSOR);
      let comments;
      if (byVideo) {
        const video = world.videoIndexOf(idParam(body, 'video_id'));
        // TikTok serves about the first 1,000 comments of a video (platform-api-facts.md).
        comments = video === undefined ? [] : world.commentsForVideo(video, ctx.t).slice(0, SERVED_COMMENTS_PER_VIDEO);
      } else {
        const comment = world.commentOf(idParam(body, 'comment_id'));
        comments = comment === undefined ? [] : world.repliesTo(comment, ctx.t);
      }
      if (faults.roll('emptyLookupRate')) return json({ comments: [], cursor, has_more: false }, 0);
      if (cursor > comments.length) throw invalidParams(INVALID_CURSOR);
      const page = comments.slice(cursor, cursor + faults.pageSize(maxCount));
      const next = cursor + page.length;
      return json(
        { comments: page.map((c) => faults.thin(pick(world.renderComment(c, ctx.t), fields))), cursor: next, has_more: next < comments.length },
        page.length,
      );
    }),

    ...(['followers', 'following'] as const).map((direction) =>
      research(
        `/v2/research/user/${direction}/`,
        (ctx) => {
          const body = jsonBody(ctx);
          const user = requireUser(world, body, ctx.t);
          const maxCount = intParam(body, 'max_count', 20, 1, 100);
          const before = intParam(body, 'cursor', ctx.t, 0, MAX_CURSOR);
          const edges = (direction === 'followers' ? world.followers(user, ctx.t) : world.following(user, ctx.t)).filter((e) => e.time <= before);
          const page = edges.slice(0, faults.pageSize(maxCount));
          // Follow times are unique, so "one second before the last one shown" loses nothing.
          const cursor = page.length > 0 ? page[page.length - 1]!.time - 1 : before;
          return json(
            { [`user_${direction}`]: page.map((e) => world.renderAccount(e.user)), cursor, has_more: edges.length > page.length },
            page.length,
          );
        },
        'social',
      ),
    ),

    research('/v2/research/user/liked_videos/', (ctx) => {
      const fields = parseFields(ctx.query.get('fields'), LIKED_VIDEO_FIELDS, VIDEO_FIELD_ALIASES);
      const body = jsonBody(ctx);
      const user = requireUser(world, body, ctx.t);
      const maxCount = intParam(body, 'max_count', 20, 1, 100);
      const raw = intParam(body, 'cursor', ctx.t, 0, MAX_CURSOR);
      // The doc says seconds but its example is in milliseconds; take both.
      const before = raw > 99_999_999_999 ? Math.floor(raw / 1000) : raw;
      const liked = world.likedVideos(user, ctx.t).filter((v) => world.videoCreateTime(v) <= before);
      const page = liked.slice(0, faults.pageSize(maxCount));
      const cursor = page.length > 0 ? world.videoCreateTime(page[page.length - 1]!) - 1 : before;
      return json({ user_liked_videos: renderVideos(page, ctx.t, fields), cursor, has_more: liked.length > page.length }, page.length);
    }),

    research('/v2/research/user/pinned_videos/', (ctx) => {
      const fields = parseFields(ctx.query.get('fields'), VIDEO_FIELDS, VIDEO_FIELD_ALIASES);
      const pinned = world.pinnedVideos(requireUser(world, jsonBody(ctx), ctx.t), ctx.t);
      return json({ pinned_videos_list: renderVideos(pinned, ctx.t, fields) }, pinned.length);
    }),

    research('/v2/research/user/reposted_videos/', (ctx) => {
      const fields = parseFields(ctx.query.get('fields'), VIDEO_FIELDS, VIDEO_FIELD_ALIASES);
      const body = jsonBody(ctx);
      const user = requireUser(world, body, ctx.t);
      const maxCount = intParam(body, 'max_count', 20, 1, 100);
      const cursor = intParam(body, 'cursor', 0, 0, MAX_CURSOR, INVALID_CURSOR);
      const reposted = world.repostedVideos(user, ctx.t);
      if (cursor > reposted.length) throw invalidParams(INVALID_CURSOR);
      const page = reposted.slice(cursor, cursor + faults.pageSize(maxCount));
      const next = cursor + page.length;
      return json({ reposted_videos: renderVideos(page, ctx.t, fields), cursor: next, has_more: next < reposted.length }, page.length);
    }),

    research('/v2/research/playlist/info/', (ctx) => {
      const fields = parseFields(ctx.query.get('fields'), PLAYLIST_FIELDS);
      const body = jsonBody(ctx);
      const id = idParam(body, 'playlist_id');
      const maxCount = intParam(body, 'max_count', 20, 1, 100);
      const cursor = intParam(body, 'cursor', 0, 0, MAX_CURSOR, INVALID_CURSOR);
      const playlist = world.playlist(id, ctx.t);
      if (!playlist) throw invalidParams(`playlist_id ${id} is invalid: cannot find the playlist`);
      if (cursor > playlist.videos.length) throw invalidParams(INVALID_CURSOR);
      const page = playlist.videos.slice(cursor, cursor + faults.pageSize(maxCount));
      const next = cursor + page.length;
      const record = { ...playlist.record, playlist_video_ids: page.map((v) => world.videoId(v)) };
      return json({ ...pick(record, fields), cursor: next, has_more: next < playlist.videos.length }, 1);
    }),
  ];
}

/** The account named by `username`, or the API's "cannot find the user" error. */
/** Whether a video query asks for videos by id (a `video_id` condition anywhere in it): an id lookup. */
function isIdLookup(query: unknown): boolean {
  if (typeof query !== 'object' || query === null) return false;
  return ['and', 'or', 'not'].some((op) => {
    const conditions = (query as Record<string, unknown>)[op];
    return Array.isArray(conditions) && conditions.some((c) => typeof c === 'object' && c !== null && (c as Record<string, unknown>).field_name === 'video_id');
  });
}

function requireUser(world: World, body: Record<string, unknown>, t: number): number {
  const username = stringParam(body, 'username', 100);
  const user = world.visibleUser(username, t);
  if (user === undefined) throw invalidParams(`${username} is invalid: cannot find the user`);
  return user;
}

function asInvalidParams<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof QueryError) throw invalidParams(error.message);
    throw error;
  }
}
