/**
 * Export columns: each stored record flattened into one typed row, read through the same zod schemas the API
 * clients parse responses with (lib/platforms/tiktok/schemas.ts), so a column has the type the API documents.
 * Ids stay exact: decimal strings here, INT64 in Parquet, strings in CSV and JSONL (writers.ts).
 */
import type { ActiveRecord, RecordKind } from '../../domain/records';
import { recordKeyOf } from '../../domain/records';
import { EXPORT_FIELDS } from '../../domain/exports';
import { adItemSchema, commentItemSchema, userInfoSchema, videoItemSchema } from '../../platforms/tiktok/schemas';

/** `id`: a 64-bit platform id; `int`: a count or Unix time; lists stay lists (joined in CSV); `json`: nested objects. */
export type ColumnType = 'id' | 'int' | 'string' | 'bool' | 'strings' | 'ids' | 'json';

export type CellValue = string | number | boolean | readonly string[] | unknown;

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
}

interface DataColumn<T> extends Column {
  readonly get: (item: T) => unknown;
}

type Video = ReturnType<typeof videoItemSchema.parse>;
type Comment = ReturnType<typeof commentItemSchema.parse>;
type User = ReturnType<typeof userInfoSchema.parse> & { username?: string };
type Ad = ReturnType<typeof adItemSchema.parse>;

const VIDEO_COLUMNS: ReadonlyArray<DataColumn<Video>> = [
  { name: 'id', type: 'id', get: (v) => v.id },
  { name: 'create_time', type: 'int', get: (v) => v.createTime },
  { name: 'username', type: 'string', get: (v) => v.username },
  { name: 'region_code', type: 'string', get: (v) => v.regionCode },
  { name: 'video_description', type: 'string', get: (v) => v.videoDescription },
  { name: 'music_id', type: 'id', get: (v) => v.musicId },
  { name: 'like_count', type: 'int', get: (v) => v.likeCount },
  { name: 'comment_count', type: 'int', get: (v) => v.commentCount },
  { name: 'share_count', type: 'int', get: (v) => v.shareCount },
  { name: 'view_count', type: 'int', get: (v) => v.viewCount },
  { name: 'favorites_count', type: 'int', get: (v) => v.favoritesCount },
  { name: 'effect_ids', type: 'ids', get: (v) => v.effectIds },
  { name: 'hashtag_names', type: 'strings', get: (v) => v.hashtagNames },
  { name: 'playlist_id', type: 'id', get: (v) => v.playlistId },
  { name: 'voice_to_text', type: 'string', get: (v) => v.voiceToText },
  { name: 'is_stem_verified', type: 'bool', get: (v) => v.isStemVerified },
  { name: 'video_duration', type: 'int', get: (v) => v.videoDuration },
  { name: 'video_mention_list', type: 'strings', get: (v) => v.videoMentionList },
  { name: 'hashtag_info_list', type: 'json', get: (v) => v.hashtagInfoList },
  { name: 'sticker_info_list', type: 'json', get: (v) => v.stickerInfoList },
  { name: 'effect_info_list', type: 'json', get: (v) => v.effectInfoList },
  { name: 'video_label', type: 'json', get: (v) => v.videoLabel },
  { name: 'video_tag', type: 'json', get: (v) => v.videoTag },
];

const COMMENT_COLUMNS: ReadonlyArray<DataColumn<Comment>> = [
  { name: 'id', type: 'id', get: (c) => c.id },
  { name: 'video_id', type: 'id', get: (c) => c.videoId },
  { name: 'text', type: 'string', get: (c) => c.text },
  { name: 'like_count', type: 'int', get: (c) => c.likeCount },
  { name: 'reply_count', type: 'int', get: (c) => c.replyCount },
  { name: 'parent_comment_id', type: 'id', get: (c) => c.parentCommentId },
  { name: 'create_time', type: 'int', get: (c) => c.createTime },
];

/** An account carries the username it was collected under, so videos (`username`) join to their authors. */
const USER_COLUMNS: ReadonlyArray<DataColumn<User>> = [
  { name: 'username', type: 'string', get: (u) => u.username },
  { name: 'display_name', type: 'string', get: (u) => u.displayName },
  { name: 'bio_description', type: 'string', get: (u) => u.bioDescription },
  { name: 'bio_url', type: 'string', get: (u) => u.bioUrl },
  { name: 'avatar_url', type: 'string', get: (u) => u.avatarUrl },
  { name: 'is_verified', type: 'bool', get: (u) => u.isVerified },
  { name: 'follower_count', type: 'int', get: (u) => u.followerCount },
  { name: 'following_count', type: 'int', get: (u) => u.followingCount },
  { name: 'likes_count', type: 'int', get: (u) => u.likesCount },
  { name: 'video_count', type: 'int', get: (u) => u.videoCount },
];

const AD_COLUMNS: ReadonlyArray<DataColumn<Ad>> = [
  { name: 'id', type: 'id', get: (a) => a.id },
  { name: 'first_shown_date', type: 'string', get: (a) => a.firstShownDate },
  { name: 'last_shown_date', type: 'string', get: (a) => a.lastShownDate },
  { name: 'status', type: 'string', get: (a) => a.status },
  { name: 'status_statement', type: 'string', get: (a) => a.statusStatement },
  { name: 'image_urls', type: 'strings', get: (a) => a.imageUrls },
  { name: 'videos', type: 'json', get: (a) => a.videos },
  { name: 'unique_users_seen', type: 'string', get: (a) => a.uniqueUsersSeen },
  { name: 'unique_users_seen_by_country', type: 'json', get: (a) => a.uniqueUsersSeenByCountry },
  { name: 'advertiser_business_id', type: 'id', get: (a) => a.advertiser?.businessId },
  { name: 'advertiser_business_name', type: 'string', get: (a) => a.advertiser?.businessName },
  { name: 'advertiser_paid_for_by', type: 'string', get: (a) => a.advertiser?.paidForBy },
  { name: 'advertiser_follower_count', type: 'int', get: (a) => a.advertiser?.followerCount },
];

const DATA_COLUMNS: Readonly<Record<RecordKind, ReadonlyArray<DataColumn<never>>>> = {
  video: VIDEO_COLUMNS as ReadonlyArray<DataColumn<never>>,
  comment: COMMENT_COLUMNS as ReadonlyArray<DataColumn<never>>,
  user: USER_COLUMNS as ReadonlyArray<DataColumn<never>>,
  ad: AD_COLUMNS as ReadonlyArray<DataColumn<never>>,
};

// The domain's field lists (what the config checks a standing export against) are exactly these columns.
for (const [kind, columns] of Object.entries(DATA_COLUMNS) as Array<[RecordKind, ReadonlyArray<Column>]>) {
  if (columns.map((c) => c.name).join() !== EXPORT_FIELDS[kind].join()) throw new Error(`export columns of a ${kind} differ from EXPORT_FIELDS.${kind} (lib/domain/exports.ts)`);
}

const SCHEMAS = { video: videoItemSchema, comment: commentItemSchema, user: userInfoSchema, ad: adItemSchema } as const;

/** Lineage of every row: which record, when collected and refreshed, what content, under which policy and run. */
export const PROVENANCE_COLUMNS: readonly Column[] = [
  { name: 'steward_record_key', type: 'string' },
  { name: 'steward_spec', type: 'string' },
  { name: 'steward_collected_at', type: 'string' },
  { name: 'steward_refreshed_at', type: 'string' },
  { name: 'steward_content_sha256', type: 'string' },
  { name: 'steward_policy', type: 'string' },
  { name: 'steward_policy_version', type: 'int' },
  { name: 'steward_run_id', type: 'string' },
];

/** The data fields an export of `kind` can have, in their default order. */
export function fieldsOfKind(kind: RecordKind): string[] {
  return DATA_COLUMNS[kind].map((c) => c.name);
}

/** Every column of an export: the chosen data fields, then provenance. */
export function columnsOf(kind: RecordKind, fields: readonly string[]): Column[] {
  const byName = new Map(DATA_COLUMNS[kind].map((c) => [c.name, c] as const));
  return [...fields.map((f) => ({ name: f, type: byName.get(f)!.type })), ...PROVENANCE_COLUMNS];
}

/** A row of an export, keyed by column name; `undefined` is null. */
export type Row = Readonly<Record<string, unknown>>;

/** Flatten one stored record. `raw` is the object as the API returned it (parsed losslessly). */
export function rowOf(record: ActiveRecord, raw: unknown, fields: readonly string[]): Row {
  const kind = record.ref.kind;
  const parsed = SCHEMAS[kind].safeParse(raw);
  if (!parsed.success) throw new Error(`stored ${kind} object of ${record.objectKey} does not match the API schema: ${parsed.error.issues[0]?.message ?? ''}`);
  let item = parsed.data as Record<string, unknown>;
  if (kind === 'user') {
    const username = (raw as { username?: unknown }).username;
    item = { ...item, username: typeof username === 'string' ? username : undefined };
  }
  const byName = new Map(DATA_COLUMNS[kind].map((c) => [c.name, c] as const));
  const row: Record<string, unknown> = {};
  for (const field of fields) row[field] = (byName.get(field)!.get as (x: unknown) => unknown)(item);
  row.steward_record_key = recordKeyOf(record.ref);
  row.steward_spec = record.provenance.specName;
  row.steward_collected_at = record.firstCollectedAt;
  row.steward_refreshed_at = record.lastRefreshedAt ?? record.provenance.retrievedAt;
  row.steward_content_sha256 = record.contentSha256;
  row.steward_policy = record.policyId;
  row.steward_policy_version = record.policyVersion;
  row.steward_run_id = record.provenance.runId;
  return row;
}
