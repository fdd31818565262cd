/**
 * The synthetic TikTok world the emulator serves: accounts, videos, comments, follows, likes, reposts, playlists
 * and an ad library, all derived from a seed and an anchor day. Nothing is random at run time: the same seed and
 * anchor give the same ids, texts and counts, and "what exists at instant t" is a pure function of t. That is the
 * truth the tests compare the HTTP API against.
 *
 * Times inside are Unix seconds. Videos are generated eagerly but compactly (about 50,000 rows by default);
 * comments, likes and reposts are generated on demand from hashes of the seed and the owner's index, so they
 * cost nothing until asked for and come out the same in any order.
 */
import { startOfUtcDay } from '../domain/clock';
import { AdLibrary } from './ad-library';
import { DAY_SECONDS, formatYmd, toUnixSeconds } from './dates';
import { compileQuery, parseDateWindow, type DateWindow, type QueryableVideo, type VideoPredicate } from './query';
import { idPayload, makeId, toBigId } from './ids';
import { hash32, Rng, WeightedPicker, zipfWeights } from './random';
import { buildFollowGraph, type FollowEdge, type FollowGraph } from './social-graph';
import { VideoTable } from './video-table';
import {
  ADJECTIVES,
  EFFECT_NAMES,
  FILLER_WORDS,
  NOUNS,
  POPULAR_HASHTAGS,
  REGIONS,
  STICKER_NAMES,
  TOPICS,
  VIDEO_LABELS,
} from './vocabulary';

/** Sizes and change rates of the world. */
export interface WorldOptions {
  /** Accounts. */
  users: number;
  /** Videos created per day (varies +-15% from day to day). */
  videosPerDay: number;
  /** Days of history before the anchor. */
  historyDays: number;
  /** Days after the anchor that already hold videos; each appears once the clock passes its create_time. */
  futureDays: number;
  /**
   * Comments per video are 0..this. Up to 31: spread evenly (the small worlds of the tests). Above: heavy tailed as on
   * TikTok (most videos a few, some thousands; a Pareto tail scaled by views), capped here. The API serves a
   * video's first 1,000 comments only.
   */
  maxCommentsPerVideo: number;
  /** Share of videos deleted at some time between creation and the end of the world. */
  videoDeletionShare: number;
  /** Share of videos made private at some time after creation. */
  videoPrivateShare: number;
  /** Share of accounts deleted at some time: their videos and comments vanish from then on. */
  accountDeletionShare: number;
  /** Share of comments deleted at some time after they were written. */
  commentDeletionShare: number;
  /** Ads first shown per 365 days. */
  adsPerYear: number;
  advertisers: number;
  /** Share of ads removed from the library at some time. */
  adRemovalShare: number;
  /**
   * When set, embedded in every video description, transcript, comment text, display name and bio, so a test can
   * assert that no content ever reaches a log, an audit event or a tombstone.
   */
  contentCanary?: string;
}

/** About 2,000 accounts and 51,000 videos over 425 days: built in well under a second, about 5 MB. */
export const DEFAULT_WORLD_OPTIONS: Readonly<WorldOptions> = Object.freeze({
  users: 2_000,
  videosPerDay: 120,
  historyDays: 365,
  futureDays: 60,
  maxCommentsPerVideo: 30,
  videoDeletionShare: 0.08,
  videoPrivateShare: 0.04,
  accountDeletionShare: 0.01,
  commentDeletionShare: 0.03,
  adsPerYear: 3_000,
  advertisers: 300,
  adRemovalShare: 0.02,
});

/** A video as the truth knows it, whether or not it is visible now. */
export interface VideoTruth {
  readonly id: string;
  readonly username: string;
  readonly createTime: Date;
  readonly regionCode: string;
  readonly hashtagNames: readonly string[];
  readonly deletedAt?: Date;
  readonly privateAt?: Date;
}

export interface UserTruth {
  readonly username: string;
  readonly deletedAt?: Date;
}

export interface CommentTruth {
  readonly id: string;
  readonly videoId: string;
  /** The video id for a top-level comment, the parent comment's id for a reply. */
  readonly parentCommentId: string;
  readonly username: string;
  readonly text: string;
  readonly createTime: Date;
  readonly deletedAt?: Date;
}

export interface AdTruth {
  readonly id: string;
  readonly advertiserBusinessId: string;
  readonly firstShownDate: string;
  /** Countries the ad was shown in (what country_code filters on). */
  readonly countries: readonly string[];
  readonly removedAt?: Date;
}

/** Something that stops being available at an instant. Comment deletions are per video: see listComments. */
export interface WorldChange {
  readonly kind: 'video' | 'user' | 'ad';
  /** Video or ad id, or the username. */
  readonly id: string;
  readonly change: 'deleted' | 'made_private' | 'account_deleted' | 'removed';
  readonly at: Date;
}

/** A comment row, as handed to the API layer. */
export interface CommentRow {
  readonly id: bigint;
  readonly video: number;
  /** Position among the video's comments (creation order). */
  readonly k: number;
  readonly createTime: number;
  readonly author: number;
  /** k of the parent comment, or -1 for a top-level comment. */
  readonly parent: number;
  readonly text: string;
  readonly likes: number;
  readonly deletedAt: number | undefined;
}

interface UserRow {
  readonly username: string;
  readonly displayName: string;
  readonly bio: string;
  readonly avatarUrl: string;
  readonly bioUrl: string;
  readonly verified: boolean;
  readonly region: string;
  readonly topics: readonly number[];
  readonly deletedAt: number | undefined;
  readonly videos: number[];
}

interface VideoDetail {
  readonly description: string;
  readonly transcript: string | undefined;
  readonly mentions: readonly number[];
  readonly stickers: readonly number[];
  readonly stem: boolean;
  readonly label: string | undefined;
  readonly tag: { readonly type: string; readonly number: number } | undefined;
  readonly likeRate: number;
  readonly shareRate: number;
  readonly favouriteRate: number;
}

interface PlaylistRow {
  id: bigint;
  readonly name: string;
  readonly user: number;
  readonly videos: number[];
}

/** A user's liked or reposted video and when it happened. */
interface Interaction {
  readonly video: number;
  readonly time: number;
}

// Separate hash domains, so each lazily generated part has its own stream.
const TAG = { users: 1, videos: 2, detail: 3, comments: 4, likes: 5, reposts: 6, pins: 7, playlists: 8, graph: 9, catalog: 10, videoId: 11, commentId: 12, playlistId: 13 } as const;
/** Engagement approaches its final value with this time constant. */
const GROWTH_SECONDS = 2 * DAY_SECONDS;
const COMMENT_CACHE_LIMIT = 20_000;
const MEDIA_HOST = 'https://p16.tiktokcdn.emulator.invalid';
const VIDEO_TAGS = [
  { type: 'AIGC', number: 1 },
  { type: 'AIGC', number: 2 },
  { type: 'Branded', number: 1 },
  { type: 'Branded', number: 7 },
] as const;
const PLAYLIST_WORDS = ['faves', 'series', 'diaries', 'best of', 'part 1', 'how-to'];

const NONE: readonly number[] = [];
const DETAIL_CACHE_LIMIT = 100_000;

const growth = (age: number) => (age <= 0 ? 0 : 1 - Math.exp(-age / GROWTH_SECONDS));
const before = (instant: number | undefined, t: number) => instant !== undefined && instant <= t;
const toDate = (seconds: number | undefined) => (seconds === undefined ? undefined : new Date(seconds * 1000));
const capitalise = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/**
 * The world for one seed and anchor day. The truth methods take Dates; the methods the API layer uses take Unix
 * seconds and entity indexes.
 */
export class World {
  readonly seed: number;
  /** 00:00 UTC of the anchor day. */
  readonly anchor: Date;
  readonly options: Readonly<WorldOptions>;
  /** The world holds videos created in [start, end). */
  readonly start: Date;
  readonly end: Date;

  private readonly from: number;
  private readonly to: number;
  private readonly canary: string;
  private readonly videoKey: number;
  private readonly commentKey: number;
  private readonly users: UserRow[] = [];
  private readonly userByName = new Map<string, number>();
  private readonly videos: VideoTable;
  private readonly playlists: PlaylistRow[] = [];
  private readonly playlistById = new Map<string, number>();
  private readonly music: string[] = [];
  private readonly effects: { id: string; name: string; photoUrl: string }[] = [];
  private readonly stickers: { id: string; name: string }[] = [];
  private readonly hashtagIds = new Map<string, number>();
  /** Distinct hashtag lists (a few hundred), shared by the videos that carry them. */
  private readonly hashtagLists: string[][] = [];
  private readonly hashtagListIndex = new Map<number, number>();
  private readonly details = new Map<number, VideoDetail>();
  private readonly commentCache = new Map<number, CommentRow[]>();
  private readonly likes = new Map<number, Interaction[]>();
  private readonly reposts = new Map<number, Interaction[]>();
  private graph: FollowGraph | undefined;
  private ads: AdLibrary | undefined;

  constructor(seed: number, anchor: Date, options: Partial<WorldOptions> = {}) {
    this.seed = seed;
    this.options = Object.freeze({ ...DEFAULT_WORLD_OPTIONS, ...options });
    checkOptions(this.options);
    this.anchor = startOfUtcDay(anchor);
    this.from = toUnixSeconds(this.anchor) - this.options.historyDays * DAY_SECONDS;
    this.to = toUnixSeconds(this.anchor) + this.options.futureDays * DAY_SECONDS;
    this.start = new Date(this.from * 1000);
    this.end = new Date(this.to * 1000);
    this.canary = this.options.contentCanary ? ` ${this.options.contentCanary}` : '';
    this.videoKey = hash32(seed, TAG.videoId);
    this.commentKey = hash32(seed, TAG.commentId);
    this.buildCatalog(new Rng(hash32(seed, TAG.catalog)));
    this.buildUsers(new Rng(hash32(seed, TAG.users)));
    const days = this.options.historyDays + this.options.futureDays;
    this.videos = new VideoTable(days * (Math.ceil(this.options.videosPerDay * 1.15) + 1));
    this.buildVideos(new Rng(hash32(seed, TAG.videos)));
    this.buildPlaylists(new Rng(hash32(seed, TAG.playlists)));
  }

  /** The ad library, built on first use (most runs never ask for ads). */
  get adLibrary(): AdLibrary {
    this.ads ??= new AdLibrary({
      seed: this.seed,
      from: this.from,
      to: this.to,
      adsPerYear: this.options.adsPerYear,
      advertisers: this.options.advertisers,
      removalShare: this.options.adRemovalShare,
    });
    return this.ads;
  }

  // ---------------------------------------------------------------- truth

  /** True when the video is visible at `at`: created, not deleted or private, its account not deleted. */
  videoExists(id: string | bigint, at: Date): boolean {
    const index = this.videoIndexOf(id);
    return index !== undefined && this.isVideoVisible(index, toUnixSeconds(at));
  }

  /** True when the comment, its video, its author (and its parent comment, for a reply) are all there at `at`. */
  commentExists(id: string | bigint, at: Date): boolean {
    const comment = this.commentOf(id);
    return comment !== undefined && this.isCommentVisible(comment, toUnixSeconds(at));
  }

  userExists(username: string, at: Date): boolean {
    return this.visibleUser(username, toUnixSeconds(at)) !== undefined;
  }

  adExists(id: string | bigint, at: Date): boolean {
    const ad = this.adLibrary.find(String(id));
    return ad !== undefined && this.adLibrary.isVisible(ad, toUnixSeconds(at));
  }

  /**
   * Every video id matching a video-query body (`query`, `start_date`, `end_date`) that is visible at `at`, in
   * descending id order: what paging through the Research API must add up to. No paging, quota or faults.
   * Throws QueryError when the body is invalid.
   */
  matchVideos(body: { query: unknown; start_date: unknown; end_date: unknown }, at: Date): string[] {
    const window = parseDateWindow(body.start_date, body.end_date);
    const predicate = compileQuery(body.query);
    return this.searchVideos(predicate, window, toUnixSeconds(at)).map((i) => this.videoId(i).toString());
  }

  /** A visible video with every documented field as the API renders it at `at`; undefined when not visible. */
  video(id: string | bigint, at: Date): Record<string, unknown> | undefined {
    const index = this.videoIndexOf(id);
    const t = toUnixSeconds(at);
    return index !== undefined && this.isVideoVisible(index, t) ? this.renderVideo(index, t) : undefined;
  }

  /** A visible account with every documented user-info field at `at`. */
  user(username: string, at: Date): Record<string, unknown> | undefined {
    const t = toUnixSeconds(at);
    const index = this.visibleUser(username, t);
    return index === undefined ? undefined : this.renderUser(index, t);
  }

  /** Every video ever in the world (past and future), oldest first. */
  listVideos(): VideoTruth[] {
    const v = this.videos;
    return Array.from({ length: v.length }, (_, i) => ({
      id: this.videoId(i).toString(),
      username: this.users[v.user[i]!]!.username,
      createTime: new Date(v.createTime[i]! * 1000),
      regionCode: this.users[v.user[i]!]!.region,
      hashtagNames: this.hashtagLists[v.hashtagSet[i]!]!,
      ...(!Number.isNaN(v.deletedAt[i]) && { deletedAt: toDate(v.deletedAt[i]) }),
      ...(!Number.isNaN(v.privateAt[i]) && { privateAt: toDate(v.privateAt[i]) }),
    }));
  }

  listUsers(): UserTruth[] {
    return this.users.map((u) => ({ username: u.username, ...(u.deletedAt !== undefined && { deletedAt: toDate(u.deletedAt) }) }));
  }

  /** Every comment ever written on a video (including deleted and future ones), in creation order. */
  listComments(videoId: string | bigint): CommentTruth[] {
    const index = this.videoIndexOf(videoId);
    if (index === undefined) return [];
    const list = this.commentsOf(index);
    return list.map((c) => ({
      id: c.id.toString(),
      videoId: this.videoId(index).toString(),
      parentCommentId: (c.parent < 0 ? this.videoId(index) : list[c.parent]!.id).toString(),
      username: this.users[c.author]!.username,
      text: c.text,
      createTime: new Date(c.createTime * 1000),
      ...(c.deletedAt !== undefined && { deletedAt: toDate(c.deletedAt) }),
    }));
  }

  listAds(): AdTruth[] {
    return this.adLibrary.ads.map((ad) => ({
      id: ad.id.toString(),
      advertiserBusinessId: this.adLibrary.advertisers[ad.advertiser]!.businessId.toString(),
      firstShownDate: formatYmd(ad.firstShown),
      countries: ad.countries,
      ...(ad.removedAt !== undefined && { removedAt: toDate(ad.removedAt) }),
    }));
  }

  /** Every deletion, privatisation, account deletion and ad removal, in time order. */
  changes(): WorldChange[] {
    const out: WorldChange[] = [];
    const v = this.videos;
    for (let i = 0; i < v.length; i += 1) {
      if (!Number.isNaN(v.deletedAt[i])) out.push({ kind: 'video', id: this.videoId(i).toString(), change: 'deleted', at: new Date(v.deletedAt[i]! * 1000) });
      if (!Number.isNaN(v.privateAt[i])) out.push({ kind: 'video', id: this.videoId(i).toString(), change: 'made_private', at: new Date(v.privateAt[i]! * 1000) });
    }
    for (const user of this.users) {
      if (user.deletedAt !== undefined) out.push({ kind: 'user', id: user.username, change: 'account_deleted', at: new Date(user.deletedAt * 1000) });
    }
    for (const ad of this.adLibrary.ads) {
      if (ad.removedAt !== undefined) out.push({ kind: 'ad', id: ad.id.toString(), change: 'removed', at: new Date(ad.removedAt * 1000) });
    }
    return out.sort((a, b) => a.at.getTime() - b.at.getTime());
  }

  // ---------------------------------------------------------------- used by the API layer (times in Unix seconds)

  /** Index of the video with this id, or undefined. O(1): the id's low bits lead back to the index. */
  videoIndexOf(id: unknown): number | undefined {
    const big = toBigId(id);
    if (big === undefined) return undefined;
    const index = idPayload(big, this.videoKey);
    // The low bits name the index (a bijection); the high bits must then be that video's creation second.
    return index < this.videos.length && big >> 32n === BigInt(this.videos.createTime[index]!) ? index : undefined;
  }

  isVideoVisible(index: number, t: number): boolean {
    const v = this.videos;
    // NaN (never) compares false, so `!(x <= t)` reads "not yet".
    return v.createTime[index]! <= t && !(v.deletedAt[index]! <= t) && !(v.privateAt[index]! <= t) && !before(this.users[v.user[index]!]!.deletedAt, t);
  }

  /** Indexes of videos created in the window and visible at `t` that satisfy the predicate, newest first. */
  searchVideos(predicate: VideoPredicate, window: DateWindow, t: number): number[] {
    const out: number[] = [];
    const lo = this.videos.firstAtOrAfter(window.from);
    const hi = this.videos.firstAtOrAfter(Math.min(window.to, t + 1));
    for (let i = hi - 1; i >= lo; i -= 1) {
      if (this.isVideoVisible(i, t) && predicate(this.queryView(i, t))) out.push(i);
    }
    return out;
  }

  /** Every documented video field at `t`. Optional fields (playlist, transcript, label, tag) only when present. */
  renderVideo(index: number, t: number): Record<string, unknown> {
    const v = this.videos;
    const detail = this.detail(index);
    const user = this.users[v.user[index]!]!;
    const views = this.viewsAt(index, t);
    const hashtags = this.hashtagLists[v.hashtagSet[index]!]!;
    const effects = this.effectsOf(index);
    const record: Record<string, unknown> = {
      id: this.videoId(index),
      create_time: v.createTime[index],
      username: user.username,
      region_code: user.region,
      video_description: detail.description,
      music_id: BigInt(this.music[v.music[index]!]!),
      like_count: Math.floor(views * detail.likeRate),
      comment_count: this.commentsForVideo(index, t).length,
      share_count: Math.floor(views * detail.shareRate),
      view_count: views,
      effect_ids: effects.map((e) => this.effects[e]!.id),
      hashtag_names: [...hashtags],
      is_stem_verified: detail.stem,
      favorites_count: Math.floor(views * detail.favouriteRate),
      video_duration: v.duration[index],
      hashtag_info_list: hashtags.map((name) => ({ hashtag_id: this.hashtagIds.get(name)!, hashtag_description: `Videos about #${name}` })),
      sticker_info_list: detail.stickers.map((s) => ({ sticker_id: this.stickers[s]!.id, sticker_name: this.stickers[s]!.name })),
      effect_info_list: effects.map((e) => ({
        effect_id: this.effects[e]!.id,
        effect_name: this.effects[e]!.name,
        effect_photo_url: this.effects[e]!.photoUrl,
      })),
      video_mention_list: detail.mentions.map((u) => this.users[u]!.username),
    };
    if (v.playlist[index]! >= 0) record.playlist_id = this.playlists[v.playlist[index]!]!.id;
    if (detail.transcript !== undefined) record.voice_to_text = detail.transcript;
    if (detail.label !== undefined) record.video_label = { content: detail.label };
    if (detail.tag !== undefined) record.video_tag = { ...detail.tag };
    return record;
  }

  /** Index of the account if it exists and is not deleted at `t`. Usernames match case-insensitively. */
  visibleUser(username: unknown, t: number): number | undefined {
    if (typeof username !== 'string') return undefined;
    const index = this.userByName.get(username.trim().toLowerCase());
    return index === undefined || before(this.users[index]!.deletedAt, t) ? undefined : index;
  }

  renderUser(index: number, t: number): Record<string, unknown> {
    const user = this.users[index]!;
    const visible = user.videos.filter((v) => this.isVideoVisible(v, t));
    const likes = visible.reduce((sum, v) => sum + Math.floor(this.viewsAt(v, t) * this.detail(v).likeRate), 0);
    return {
      display_name: user.displayName,
      bio_description: user.bio,
      avatar_url: user.avatarUrl,
      is_verified: user.verified,
      follower_count: this.followers(index, t).length,
      following_count: this.following(index, t).length,
      likes_count: likes,
      video_count: visible.length,
      bio_url: user.bioUrl,
    };
  }

  /** `{username, display_name}` as the follower lists show an account. */
  renderAccount(index: number): { username: string; display_name: string } {
    return { username: this.users[index]!.username, display_name: this.users[index]!.displayName };
  }

  /**
   * The comment with this id (visible or not), or undefined. The id's payload holds the video and the comment's
   * number modulo 32; its creation second (unique within a video) tells which of those numbers it is.
   */
  commentOf(id: unknown): CommentRow | undefined {
    const big = toBigId(id);
    if (big === undefined) return undefined;
    const payload = idPayload(big, this.commentKey);
    const video = Math.floor(payload / 32);
    if (video >= this.videos.length) return undefined;
    const list = this.commentsOf(video);
    const first = list[payload % 32];
    if (first?.id === big || list.length <= 32) return first?.id === big ? first : undefined;
    const createTime = Number(big >> 32n);
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const t = list[mid]!.createTime;
      if (t === createTime) return list[mid]!.id === big ? list[mid] : undefined;
      if (t < createTime) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** A video's comments (top-level and replies) visible at `t`, in creation order. */
  commentsForVideo(index: number, t: number): CommentRow[] {
    if (!this.isVideoVisible(index, t)) return [];
    const list = this.commentsOf(index);
    return list.filter((c) => this.commentSelfVisible(c, t) && (c.parent < 0 || this.commentSelfVisible(list[c.parent]!, t)));
  }

  /** Replies to a comment visible at `t`, in creation order; none when the comment itself is gone. */
  repliesTo(comment: CommentRow, t: number): CommentRow[] {
    if (comment.parent >= 0 || !this.isCommentVisible(comment, t)) return [];
    return this.commentsOf(comment.video).filter((c) => c.parent === comment.k && this.commentSelfVisible(c, t));
  }

  isCommentVisible(comment: CommentRow, t: number): boolean {
    if (!this.isVideoVisible(comment.video, t) || !this.commentSelfVisible(comment, t)) return false;
    return comment.parent < 0 || this.commentSelfVisible(this.commentsOf(comment.video)[comment.parent]!, t);
  }

  renderComment(comment: CommentRow, t: number): Record<string, unknown> {
    const videoId = this.videoId(comment.video);
    const list = this.commentsOf(comment.video);
    return {
      id: comment.id,
      video_id: videoId,
      text: comment.text,
      like_count: Math.floor(comment.likes * growth(t - comment.createTime)),
      reply_count: comment.parent < 0 ? this.repliesTo(comment, t).length : 0,
      parent_comment_id: comment.parent < 0 ? videoId : list[comment.parent]!.id,
      create_time: comment.createTime,
    };
  }

  /** Followers of an account at `t`, newest follow first (follow times are unique). */
  followers(index: number, t: number): FollowEdge[] {
    return this.followGraph().followers[index]!.filter((e) => e.time <= t && !before(this.users[e.user]!.deletedAt, t));
  }

  /** Accounts an account follows at `t`, newest follow first. */
  following(index: number, t: number): FollowEdge[] {
    return this.followGraph().following[index]!.filter((e) => e.time <= t && !before(this.users[e.user]!.deletedAt, t));
  }

  /** Videos the account liked by `t` that are still visible, newest video first (create times are unique). */
  likedVideos(index: number, t: number): number[] {
    return this.interactions(this.likes, TAG.likes, index, 6, 200, (a, b) => this.videos.createTime[b.video]! - this.videos.createTime[a.video]!)
      .filter((i) => i.time <= t && this.isVideoVisible(i.video, t))
      .map((i) => i.video);
  }

  /** Videos the account reposted by `t` that are still visible, newest repost first. */
  repostedVideos(index: number, t: number): number[] {
    return this.interactions(this.reposts, TAG.reposts, index, 2, 60, (a, b) => b.time - a.time)
      .filter((i) => i.time <= t && this.isVideoVisible(i.video, t))
      .map((i) => i.video);
  }

  /** Up to three of the account's own videos, pinned; those visible at `t`. */
  pinnedVideos(index: number, t: number): number[] {
    const own = this.users[index]!.videos;
    const rng = new Rng(hash32(this.seed, TAG.pins, index));
    const pinned = rng.distinct(Math.min(own.length, rng.int(4)), own.length).map((i) => own[i]!);
    return pinned.filter((v) => this.isVideoVisible(v, t));
  }

  /** A playlist by id (not when its owner is deleted at `t`), with its videos visible at `t`. */
  playlist(id: unknown, t: number): { record: Record<string, unknown>; videos: number[] } | undefined {
    const big = toBigId(id);
    const index = big === undefined ? undefined : this.playlistById.get(big.toString());
    if (index === undefined) return undefined;
    const playlist = this.playlists[index]!;
    if (before(this.users[playlist.user]!.deletedAt, t)) return undefined;
    const videos = playlist.videos.filter((v) => this.isVideoVisible(v, t));
    const lastUpdated = videos.reduce((latest, v) => Math.max(latest, this.videos.createTime[v]!), Number(playlist.id >> 32n));
    return {
      record: { playlist_id: playlist.id, playlist_name: playlist.name, playlist_item_total: videos.length, playlist_last_updated: lastUpdated },
      videos,
    };
  }

  /** Every playlist id (tests and the admin API use them as starting points). */
  playlistIds(): string[] {
    return this.playlists.map((p) => p.id.toString());
  }

  /** A video's id as a bigint (for rendering lists of ids). */
  videoId(index: number): bigint {
    return makeId(this.videos.createTime[index]!, index, this.videoKey);
  }

  videoCreateTime(index: number): number {
    return this.videos.createTime[index]!;
  }

  // ---------------------------------------------------------------- generation

  private buildCatalog(rng: Rng): void {
    for (let i = 0; i < 500; i += 1) {
      const released = this.from - rng.int(3 * 365 * DAY_SECONDS);
      this.music.push(((BigInt(released) << 32n) | BigInt(rng.uint32())).toString());
    }
    const effectIds = new Set<string>();
    for (let i = 0; i < EFFECT_NAMES.length * 3; i += 1) {
      let id = String(rng.between(100_000, 9_999_999));
      while (effectIds.has(id)) id = String(rng.between(100_000, 9_999_999));
      effectIds.add(id);
      const base = EFFECT_NAMES[i % EFFECT_NAMES.length]!;
      const name = i < EFFECT_NAMES.length ? base : `${base} ${Math.floor(i / EFFECT_NAMES.length) + 1}`;
      this.effects.push({ id, name, photoUrl: `${MEDIA_HOST}/effects/${id}.png` });
    }
    STICKER_NAMES.forEach((name) => this.stickers.push({ id: String(rng.between(1_000_000, 99_999_999)), name }));
    const names = [...POPULAR_HASHTAGS.map((p) => p.name), ...TOPICS.map((t) => t.hashtag)];
    names.forEach((name) => this.hashtagIds.set(name, rng.between(10_000, 99_999_999)));
  }

  private buildUsers(rng: Rng): void {
    const regions = new WeightedPicker(REGIONS.map((r) => r.weight));
    const topics = new WeightedPicker(zipfWeights(TOPICS.length, 0.9));
    for (let i = 0; i < this.options.users; i += 1) {
      let username: string;
      let adjective: string;
      let noun: string;
      do {
        adjective = rng.pick(ADJECTIVES);
        noun = rng.pick(NOUNS);
        username = `${adjective}${rng.pick(['_', '.', ''])}${noun}${rng.int(10_000)}`;
      } while (this.userByName.has(username));
      const favourite = [topics.pick(rng), topics.pick(rng)];
      const region = REGIONS[regions.pick(rng)]!.code;
      const deleted = rng.chance(this.options.accountDeletionShare);
      this.userByName.set(username, i);
      this.users.push({
        username,
        displayName: `${capitalise(adjective)} ${capitalise(noun)}${this.canary}`,
        bio: `${capitalise(rng.pick(FILLER_WORDS))} #${TOPICS[favourite[0]!]!.hashtag} from ${region}${this.canary}`,
        avatarUrl: `${MEDIA_HOST}/avatars/${rng.uint32().toString(16)}.jpeg`,
        bioUrl: rng.chance(0.2) ? `https://example.com/${username}` : '',
        verified: rng.chance(0.02),
        region,
        topics: favourite,
        deletedAt: deleted ? this.from + rng.int(this.to - this.from) : undefined,
        videos: [],
      });
    }
  }

  private buildVideos(rng: Rng): void {
    const activity = new WeightedPicker(this.users.map(() => Math.pow(rng.next(), 3) + 0.01));
    const topics = new WeightedPicker(zipfWeights(TOPICS.length, 0.9));
    const music = new WeightedPicker(zipfWeights(this.music.length, 1.0, 2));
    const days = this.options.historyDays + this.options.futureDays;
    const perDay = this.options.videosPerDay;
    for (let day = 0; day < days; day += 1) {
      const dayStart = this.from + day * DAY_SECONDS;
      const count = Math.min(DAY_SECONDS, Math.round(perDay * (0.85 + 0.3 * rng.next())));
      // One video per slot of the day, at a random second in it: seconds are distinct, so ids sort exactly like
      // creation times and time cursors never split a second.
      const slot = DAY_SECONDS / count;
      for (let i = 0; i < count; i += 1) this.addVideo(rng, dayStart + Math.floor((i + rng.next()) * slot), { activity, topics, music });
    }
  }

  private addVideo(rng: Rng, createTime: number, pickers: { activity: WeightedPicker; topics: WeightedPicker; music: WeightedPicker }): void {
    let user = pickers.activity.pick(rng);
    for (let tries = 0; before(this.users[user]!.deletedAt, createTime) && tries < 8; tries += 1) user = pickers.activity.pick(rng);
    const owner = this.users[user]!;
    const topic = rng.chance(0.6) ? rng.pick(owner.topics) : pickers.topics.pick(rng);
    const second = rng.chance(0.3) ? pickers.topics.pick(rng) : topic;
    let popular = 0;
    POPULAR_HASHTAGS.forEach((p, bit) => {
      if (rng.chance(p.share)) popular |= 1 << bit;
    });
    const effectRoll = rng.next();
    const effects = effectRoll < 0.05 ? rng.distinct(2, this.effects.length) : effectRoll < 0.3 ? [rng.int(this.effects.length)] : NONE;
    const lengthRoll = rng.next();
    const duration =
      lengthRoll < 0.35 ? rng.between(3, 14) : lengthRoll < 0.75 ? rng.between(15, 60) : lengthRoll < 0.95 ? rng.between(61, 300) : rng.between(301, 600);
    const views = Math.min(50_000_000, Math.floor(Math.exp(Math.log(900) + 1.9 * rng.normal())));
    const max = this.options.maxCommentsPerVideo;
    const comments = commentCount(rng.next(), max, views);
    const lifetime = this.to - createTime;
    const v = this.videos;
    const index = v.push();
    v.createTime[index] = createTime;
    v.user[index] = user;
    v.topic[index] = topic;
    v.hashtagSet[index] = this.hashtagList(topic, second, popular);
    v.music[index] = pickers.music.pick(rng);
    v.effect0[index] = effects[0] ?? -1;
    v.effect1[index] = effects[1] ?? -1;
    v.duration[index] = duration;
    v.views[index] = views;
    v.comments[index] = comments;
    v.deletedAt[index] = rng.chance(this.options.videoDeletionShare) ? createTime + 1 + rng.int(lifetime) : NaN;
    v.privateAt[index] = rng.chance(this.options.videoPrivateShare) ? createTime + 1 + rng.int(lifetime) : NaN;
    owner.videos.push(index);
  }

  /** Index of the shared hashtag list for a combination of topic tags and popular tags. */
  private hashtagList(topic: number, second: number, popularBits: number): number {
    const key = (topic * 64 + second) * 8 + popularBits;
    let index = this.hashtagListIndex.get(key);
    if (index === undefined) {
      const list = [TOPICS[topic]!.hashtag];
      if (second !== topic) list.push(TOPICS[second]!.hashtag);
      POPULAR_HASHTAGS.forEach((p, bit) => {
        if (popularBits & (1 << bit)) list.push(p.name);
      });
      index = this.hashtagLists.push(list) - 1;
      this.hashtagListIndex.set(key, index);
    }
    return index;
  }

  private effectsOf(index: number): number[] {
    return [this.videos.effect0[index]!, this.videos.effect1[index]!].filter((e) => e >= 0);
  }

  private buildPlaylists(rng: Rng): void {
    const key = hash32(this.seed, TAG.playlistId);
    this.users.forEach((user, u) => {
      if (user.videos.length < 4 || !rng.chance(0.25)) return;
      const owned = Array.from({ length: rng.between(1, 2) }, () => {
        const index = this.playlists.length;
        this.playlists.push({ id: 0n, name: `${TOPICS[rng.pick(user.topics)]!.hashtag} ${rng.pick(PLAYLIST_WORDS)}`, user: u, videos: [] });
        return index;
      });
      for (const v of user.videos) {
        if (!rng.chance(0.35)) continue;
        const p = rng.pick(owned);
        this.playlists[p]!.videos.push(v);
        this.videos.playlist[v] = p;
      }
      for (const p of owned) {
        const playlist = this.playlists[p]!;
        // A playlist is created with its first video; an empty one keeps an id from its owner's first video.
        const created = this.videos.createTime[playlist.videos[0] ?? user.videos[0]!]!;
        playlist.id = makeId(created, p, key);
        this.playlistById.set(playlist.id.toString(), p);
      }
    });
  }

  private detail(index: number): VideoDetail {
    const cached = this.details.get(index);
    if (cached) return cached;
    const rng = new Rng(hash32(this.seed, TAG.detail, index));
    const topic = TOPICS[this.videos.topic[index]!]!;
    const owner = this.videos.user[index]!;
    const words = [
      ...Array.from({ length: rng.between(2, 6) }, () => rng.pick(FILLER_WORDS)),
      ...Array.from({ length: rng.between(1, 3) }, () => rng.pick(topic.words)),
    ];
    const mentions = rng.chance(0.1) ? [rng.int(this.users.length)].filter((u) => u !== owner) : [];
    const hashtags = this.hashtagLists[this.videos.hashtagSet[index]!]!;
    const description = [...words, ...hashtags.map((h) => `#${h}`), ...mentions.map((u) => `@${this.users[u]!.username}`)].join(' ');
    const detail: VideoDetail = {
      description: `${description}${this.canary}`,
      transcript: rng.chance(0.1) ? `${words.join(' ')}${this.canary}` : undefined,
      mentions,
      stickers: rng.chance(0.12) ? [rng.int(this.stickers.length)] : [],
      stem: rng.chance(0.03),
      label: rng.chance(0.05) ? rng.pick(VIDEO_LABELS) : undefined,
      tag: rng.chance(0.06) ? rng.pick(VIDEO_TAGS) : undefined,
      likeRate: 0.02 + 0.1 * rng.next(),
      shareRate: 0.001 + 0.01 * rng.next(),
      favouriteRate: 0.002 + 0.02 * rng.next(),
    };
    if (this.details.size >= DETAIL_CACHE_LIMIT) this.details.clear();
    this.details.set(index, detail);
    return detail;
  }

  private commentsOf(video: number): CommentRow[] {
    const cached = this.commentCache.get(video);
    if (cached) return cached;
    const created = this.videos.createTime[video]!;
    const rng = new Rng(hash32(this.seed, TAG.comments, video));
    const times = Array.from({ length: this.videos.comments[video]! }, () => created + 30 + Math.floor(-Math.log(1 - rng.next()) * 2 * DAY_SECONDS)).sort((a, b) => a - b);
    for (let k = 1; k < times.length; k += 1) times[k] = Math.max(times[k]!, times[k - 1]! + 1);
    const topLevel: number[] = [];
    const topic = TOPICS[this.videos.topic[video]!]!;
    const list = times.map((createTime, k): CommentRow => {
      let author = rng.int(this.users.length);
      for (let tries = 0; before(this.users[author]!.deletedAt, createTime) && tries < 8; tries += 1) author = rng.int(this.users.length);
      const parent = topLevel.length > 0 && rng.chance(0.3) ? rng.pick(topLevel) : -1;
      if (parent < 0) topLevel.push(k);
      // Some texts carry contact details, masked with * as the API masks them.
      const contact = rng.chance(0.05) ? ` dm me ${rng.pick(['j***@****.com', '+49 176 ****12', '4111 **** **** 1111'])}` : '';
      const text = `${rng.pick(FILLER_WORDS)} ${rng.pick(topic.words)} ${rng.pick(FILLER_WORDS)}${contact}${this.canary}`;
      return {
        id: makeId(createTime, video * 32 + (k % 32), this.commentKey),
        video,
        k,
        createTime,
        author,
        parent,
        text,
        likes: Math.floor(Math.exp(Math.log(3) + 1.5 * rng.normal())),
        deletedAt: rng.chance(this.options.commentDeletionShare) ? createTime + 1 + rng.int(Math.max(1, this.to - createTime)) : undefined,
      };
    });
    if (this.commentCache.size >= COMMENT_CACHE_LIMIT) this.commentCache.clear();
    this.commentCache.set(video, list);
    return list;
  }

  private commentSelfVisible(comment: CommentRow, t: number): boolean {
    return comment.createTime <= t && !before(comment.deletedAt, t) && !before(this.users[comment.author]!.deletedAt, t);
  }

  private interactions(
    cache: Map<number, Interaction[]>,
    tag: number,
    user: number,
    typical: number,
    max: number,
    order: (a: Interaction, b: Interaction) => number,
  ): Interaction[] {
    const cached = cache.get(user);
    if (cached) return cached;
    const rng = new Rng(hash32(this.seed, tag, user));
    const count = Math.min(max, Math.floor(Math.exp(Math.log(typical) + rng.normal())));
    const seen = new Set<number>();
    const list: Interaction[] = [];
    for (let i = 0; i < count && this.videos.length > 0; i += 1) {
      const video = rng.int(this.videos.length);
      const time = this.videos.createTime[video]! + Math.floor(-Math.log(1 - rng.next()) * 3 * DAY_SECONDS);
      if (seen.has(video) || this.videos.user[video] === user) continue;
      seen.add(video);
      list.push({ video, time });
    }
    list.sort(order);
    cache.set(user, list);
    return list;
  }

  private followGraph(): FollowGraph {
    this.graph ??= buildFollowGraph({
      rng: new Rng(hash32(this.seed, TAG.graph)),
      users: this.users.length,
      verified: (u) => this.users[u]!.verified,
      from: this.from - 2 * 365 * DAY_SECONDS,
      to: this.to,
    });
    return this.graph;
  }

  private viewsAt(index: number, t: number): number {
    return Math.floor(this.videos.views[index]! * growth(t - this.videos.createTime[index]!));
  }

  private queryView(index: number, t: number): QueryableVideo {
    const v = this.videos;
    const user = this.users[v.user[index]!]!;
    const world = this;
    return {
      get id() {
        return world.videoId(index);
      },
      get effectIds() {
        return world.effectsOf(index).map((e) => world.effects[e]!.id);
      },
      createTime: v.createTime[index]!,
      username: user.username,
      regionCode: user.region,
      hashtagNames: this.hashtagLists[v.hashtagSet[index]!]!,
      musicId: this.music[v.music[index]!]!,
      durationSeconds: v.duration[index]!,
      description: () => this.detail(index).description,
      viewCount: () => this.viewsAt(index, t),
      commentCount: () => this.commentsForVideo(index, t).length,
    };
  }
}

/** Largest `maxCommentsPerVideo` a world takes. */
export const MAX_COMMENTS_PER_VIDEO = 20_000; // kept in a Uint16Array (video-table.ts)

/**
 * Comments of one video from one uniform draw `u`: evenly spread up to `max` when `max` <= 31 (the historic small
 * worlds, unchanged), else a Pareto tail (alpha 0.9, scale 3, larger for much-viewed videos): median ~3, one in ten
 * above ~35, one in a hundred above ~500, a few in a thousand in the thousands.
 */
export function commentCount(u: number, max: number, views: number): number {
  const reach = Math.min(1, Math.log10(views + 10) / 4);
  if (max <= 31) return Math.min(max, Math.floor(u * (max + 1) * reach));
  return Math.min(max, Math.floor(3 * reach * ((1 - u) ** (-1 / 0.9) - 1)));
}

function checkOptions(o: Readonly<WorldOptions>): void {
  const problems: string[] = [];
  const whole = (name: keyof WorldOptions, min: number, max: number) => {
    const value = o[name] as number;
    if (!Number.isInteger(value) || value < min || value > max) problems.push(`${name} must be a whole number in [${min}, ${max}] (got ${value})`);
  };
  whole('users', 2, 1_000_000);
  whole('videosPerDay', 0, 20_000);
  // A comment id carries (video index * 32 + comment number) in 32 bits.
  if (o.videosPerDay * 1.15 * (o.historyDays + o.futureDays) >= 2 ** 27) problems.push('videosPerDay x days must stay below 100 million videos');
  whole('historyDays', 1, 3_650);
  whole('futureDays', 0, 3_650);
  whole('maxCommentsPerVideo', 0, MAX_COMMENTS_PER_VIDEO);
  whole('adsPerYear', 0, 1_000_000);
  whole('advertisers', 1, 100_000);
  for (const name of ['videoDeletionShare', 'videoPrivateShare', 'accountDeletionShare', 'commentDeletionShare', 'adRemovalShare'] as const) {
    if (!(o[name] >= 0 && o[name] <= 1)) problems.push(`${name} must be a share in [0, 1] (got ${o[name]})`);
  }
  if (problems.length > 0) throw new RangeError(`Invalid emulator world options: ${problems.join('; ')}`);
}
