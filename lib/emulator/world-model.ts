/** The emulator world's options, the truth it reports, its internal rows and constants (see world.ts). */
import { DAY_SECONDS } from './dates';

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

export interface UserRow {
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

export interface VideoDetail {
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

export interface PlaylistRow {
  id: bigint;
  readonly name: string;
  readonly user: number;
  readonly videos: number[];
}

/** A user's liked or reposted video and when it happened. */
export interface Interaction {
  readonly video: number;
  readonly time: number;
}

// Separate hash domains, so each lazily generated part has its own stream.
export const TAG = { users: 1, videos: 2, detail: 3, comments: 4, likes: 5, reposts: 6, pins: 7, playlists: 8, graph: 9, catalog: 10, videoId: 11, commentId: 12, playlistId: 13 } as const;
/** Engagement approaches its final value with this time constant. */
export const GROWTH_SECONDS = 2 * DAY_SECONDS;
export const COMMENT_CACHE_LIMIT = 20_000;
export const MEDIA_HOST = 'https://p16.tiktokcdn.emulator.invalid';
export const VIDEO_TAGS = [
  { type: 'AIGC', number: 1 },
  { type: 'AIGC', number: 2 },
  { type: 'Branded', number: 1 },
  { type: 'Branded', number: 7 },
] as const;
export const PLAYLIST_WORDS = ['faves', 'series', 'diaries', 'best of', 'part 1', 'how-to'];

export const NONE: readonly number[] = [];
export const DETAIL_CACHE_LIMIT = 100_000;

export const growth = (age: number) => (age <= 0 ? 0 : 1 - Math.exp(-age / GROWTH_SECONDS));
export const before = (instant: number | undefined, t: number) => instant !== undefined && instant <= t;
export const toDate = (seconds: number | undefined) => (seconds === undefined ? undefined : new Date(seconds * 1000));
export const capitalise = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

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

export function checkOptions(o: Readonly<WorldOptions>): void {
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
