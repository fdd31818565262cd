/**
 * TikTok connectors: typed, validated clients for the Research API and the Commercial Content API,
 * written to TikTok's documentation (see /work/shared/reference/platform-api-facts.md).
 */
export { ResearchApiClient, RESEARCH_ENDPOINTS, MAX_PAGE_SIZE, MAX_IDS_PER_LOOKUP, MAX_IDS_PER_VALIDATION_TASK, planLookupBatches, parseIdList } from './research-client';
export type {
  ResearchApiClientOptions,
  VideoQueryParams,
  VideoQueryState,
  VideoPage,
  VideoLookupItem,
  VideoLookupBatch,
  PageOptions,
  CommentPage,
  SocialPage,
  VideoListPage,
  Playlist,
  PlaylistPage,
  ValidationTaskStatus,
  ValidationCategory,
  ExistenceCheckOptions,
  ExistenceCheckResult,
} from './research-client';
export { CommercialContentClient, COMMERCIAL_ENDPOINTS, MAX_AD_PAGE_SIZE, AD_LIBRARY_FIRST_DATE, adQueryFiltersSchema } from './commercial-client';
export type { AdQueryFilters, AdQueryOptions, AdQueryState, AdPage } from './commercial-client';
export { ClientCredentialsAuth, DEFAULT_BASE_URL, TOKEN_ENDPOINT } from './auth';
export type { ClientCredentialsAuthOptions, FetchLike } from './auth';
export { TikTokTransport, classifyFailure } from './http';
export type { TikTokClientOptions, TikTokTransportOptions, TikTokCredentialOptions, TikTokRequestEvent, FailureDisposition } from './http';
export { backoffDelay, DEFAULT_RETRY_POLICY } from './backoff';
export type { RetryPolicy } from './backoff';
export { QuotaTracker, nextUtcMidnight, quotaSnapshotSchema } from './quota';
export type { QuotaSnapshot, QuotaBucket } from './quota';
export {
  TikTokError,
  TikTokApiError,
  DailyQuotaExceededError,
  TikTokAuthError,
  TikTokNetworkError,
  TikTokResponseShapeError,
  TikTokPaginationError,
  TikTokValidationTaskError,
  TikTokRequestValidationError,
  isSearchIdExpired,
  isUserNotFound,
  isUserInfoUnavailable,
} from './errors';
export { validateVideoQuery, buildVideoQuery, cond, videoQuerySchema, VIDEO_QUERY_OPERATIONS, VIDEO_QUERY_FIELD_NAMES, VIDEO_LENGTHS } from './query';
export type { VideoQuery, VideoQueryCondition, VideoQueryOperation, VideoQueryFieldName } from './query';
export { splitIntoWindows, isValidYmd, ymdToDate, dateToYmd, unixSecondsToYmd, addDaysYmd, MAX_WINDOW_DAYS } from './windows';
export type { DateWindow } from './windows';
export {
  VIDEO_FIELDS,
  DEFAULT_VIDEO_FIELDS,
  USER_INFO_FIELDS,
  COMMENT_FIELDS,
  PLAYLIST_FIELDS,
  AD_FIELDS,
  AD_DETAIL_FIELDS,
  ADVERTISER_FIELDS,
  videoFieldSchema,
  userInfoFieldSchema,
  commentFieldSchema,
  adFieldSchema,
} from './fields';
export type { VideoField, UserInfoField, CommentField, PlaylistField, AdField, AdDetailField, AdvertiserField } from './fields';
export type { Video, Comment, UserInfo, SocialUser, Ad, AdDetail, Advertiser, RawObject } from './schemas';
