/** The Research API client's endpoints, limits, options and page shapes (see research-client.ts). */
import * as z from 'zod';
import { type VideoField } from './fields';
import { type TikTokClientOptions } from './http';
import { type VideoQuery } from './query';
import { type Comment, type RawObject, type SocialUser, type Video } from './schemas';
import { type DateWindow } from './windows';

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

export const videoQueryStateSchema = z.object({
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
