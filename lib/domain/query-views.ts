/**
 * The views `steward query` answers SQL over, locally (DuckDB) and deployed (Athena over Glue tables): one
 * definition per view, the single source of the data dictionary (docs/data-dictionary.md), `--describe`, the
 * DuckDB views and the Glue columns.
 *
 * - `videos`, `comments`, `users`, `ads`: every row of the CURRENT Parquet export versions of that kind (one row per
 *   exported record; a purged record has left them because a purge rebuilds every export that held it). The
 *   columns are those of the export files (lib/jobs/export/columns.ts), same names, same types, so a Glue table
 *   over `exports/data/kind=<kind>/format=parquet/` reads the files as they are (test/unit/query-views.test.ts
 *   holds the two lists together). An export made with `--fields` lacks some columns: they read as NULL.
 * - `records`: the provenance of every exported record, all kinds together (the `steward_*` columns, renamed).
 * - `purges`: one row per purged record, from the audit log's `record.purged` events: the record's keyed hash,
 *   its kind, spec, reason and time; no content, no id.
 *
 * Personal data: `personal: true` marks a column that identifies a person or holds what a person wrote or said
 * (usernames, display names, texts, bios, avatar links, ids of a person's posts). Counts, flags, times, codes and
 * the platform's own labels are not personal on their own.
 */
import type { RecordKind } from './records';

/**
 * Column types as the export files store them: `id` a 64-bit platform id (Parquet INT64), `int` a count or Unix
 * time (INT64), `string` UTF-8, `bool`, `strings` / `ids` lists (Parquet LIST of UTF8 / INT64), `json` a nested
 * value as JSON text (Parquet UTF8 with the JSON annotation).
 */
export type ViewColumnType = 'id' | 'int' | 'string' | 'bool' | 'strings' | 'ids' | 'json';

export interface ViewColumn {
  readonly name: string;
  readonly type: ViewColumnType;
  /** What the value means (TikTok's codebook for platform fields). */
  readonly meaning: string;
  readonly personal: boolean;
  /** The export file's column it is read from, when named differently (`records`). */
  readonly from?: string;
}

export const KIND_VIEW_NAMES = ['videos', 'comments', 'users', 'ads'] as const;
export const QUERY_VIEW_NAMES = [...KIND_VIEW_NAMES, 'records', 'purges'] as const;
export type QueryViewName = (typeof QUERY_VIEW_NAMES)[number];

/** Where a view's rows come from. */
export type ViewSource =
  /** Every current Parquet export of this kind: `exports/data/kind=<kind>/format=parquet/spec=*\/bucket=*\/*.parquet`. */
  | { readonly from: 'exports'; readonly kind: RecordKind }
  /** The provenance columns of every current Parquet export, all kinds, plus the kind. */
  | { readonly from: 'export-provenance' }
  /** The audit log's `record.purged` events. */
  | { readonly from: 'audit'; readonly action: 'record.purged' };

export interface QueryView {
  readonly name: QueryViewName;
  readonly description: string;
  readonly source: ViewSource;
  readonly columns: readonly ViewColumn[];
}

const c = (name: string, type: ViewColumnType, personal: boolean, meaning: string, from?: string): ViewColumn =>
  from === undefined ? { name, type, meaning, personal } : { name, type, meaning, personal, from };

/** The provenance columns every export row ends with (lib/jobs/export/columns.ts PROVENANCE_COLUMNS). */
export const PROVENANCE_VIEW_COLUMNS: readonly ViewColumn[] = [
  c('steward_record_key', 'string', true, 'Steward\'s key of the record, PLATFORM:KIND:ID (holds the platform id)'),
  c('steward_spec', 'string', false, 'the collection spec that collected the record'),
  c('steward_collected_at', 'string', false, 'when Steward first collected the record (ISO 8601, UTC)'),
  c('steward_refreshed_at', 'string', false, 'when Steward last fetched the record from the platform (ISO 8601, UTC)'),
  c('steward_content_sha256', 'string', false, 'SHA-256 of the record as the API returned it (integrity, change detection)'),
  c('steward_policy', 'string', false, 'the platform policy the record is kept under (e.g. tiktok-research)'),
  c('steward_policy_version', 'int', false, 'the version of that policy when the record was collected'),
  c('steward_run_id', 'string', false, 'the Steward run that collected the record'),
];

const VIDEO_COLUMNS: readonly ViewColumn[] = [
  c('id', 'id', true, 'the video\'s id (64-bit); identifies a person\'s post'),
  c('create_time', 'int', false, 'when the video was posted, Unix seconds (UTC)'),
  c('username', 'string', true, 'the author\'s username; joins users.username'),
  c('region_code', 'string', false, 'the region the video was posted from, a 2-letter code (e.g. DE, US)'),
  c('video_description', 'string', true, 'the video\'s description (caption) as the author wrote it'),
  c('music_id', 'id', false, 'the id of the music (sound) used in the video'),
  c('like_count', 'int', false, 'likes (counts update up to 10 days after posting)'),
  c('comment_count', 'int', false, 'comments'),
  c('share_count', 'int', false, 'shares'),
  c('view_count', 'int', false, 'views'),
  c('favorites_count', 'int', false, 'times the video was added to favourites'),
  c('effect_ids', 'ids', false, 'ids of the effects used in the video'),
  c('hashtag_names', 'strings', false, 'hashtags in the description, without #'),
  c('playlist_id', 'id', false, 'the id of the playlist the video is in'),
  c('voice_to_text', 'string', true, 'the platform\'s transcript of what is said in the video'),
  c('is_stem_verified', 'bool', false, 'whether the video is verified as STEM content'),
  c('video_duration', 'int', false, 'length of the video in seconds'),
  c('video_mention_list', 'strings', true, 'usernames mentioned in the video'),
  c('hashtag_info_list', 'json', false, 'hashtags with details: [{hashtag_id, hashtag_description}]'),
  c('sticker_info_list', 'json', true, 'stickers: [{sticker_id, sticker_name}] (sticker text may be written by the author)'),
  c('effect_info_list', 'json', false, 'effects: [{effect_id, effect_name, effect_photo_url}]'),
  c('video_label', 'json', false, 'the platform\'s label on the video (e.g. content warnings)'),
  c('video_tag', 'json', false, 'tags [{type, number}]: AIGC 1 creator-labelled AI-generated, AIGC 2 AI-generated, Branded 1 paid partnership, Branded 7 creator earns commission'),
];

const COMMENT_COLUMNS: readonly ViewColumn[] = [
  c('id', 'id', true, 'the comment\'s id (64-bit); identifies a person\'s post'),
  c('video_id', 'id', true, 'the id of the video commented on; joins videos.id'),
  c('text', 'string', true, 'the comment\'s text (phone numbers, e-mails and card numbers partially masked by the platform)'),
  c('like_count', 'int', false, 'likes of the comment'),
  c('reply_count', 'int', false, 'replies to the comment'),
  c('parent_comment_id', 'id', true, 'the comment replied to; equal to video_id for a top-level comment'),
  c('create_time', 'int', false, 'when the comment was posted, Unix seconds (UTC)'),
];

const USER_COLUMNS: readonly ViewColumn[] = [
  c('username', 'string', true, 'the username the account was collected under; joins videos.username'),
  c('display_name', 'string', true, 'the account\'s display name'),
  c('bio_description', 'string', true, 'the account\'s bio text'),
  c('bio_url', 'string', true, 'the link in the account\'s bio'),
  c('avatar_url', 'string', true, 'link to the account\'s profile picture'),
  c('is_verified', 'bool', false, 'whether the platform verified the account'),
  c('follower_count', 'int', false, 'followers of the account'),
  c('following_count', 'int', false, 'accounts it follows'),
  c('likes_count', 'int', false, 'likes the account\'s videos received'),
  c('video_count', 'int', false, 'videos the account posted'),
];

const AD_COLUMNS: readonly ViewColumn[] = [
  c('id', 'id', false, 'the ad\'s id in the Commercial Content Library'),
  c('first_shown_date', 'string', false, 'first day the ad was shown, YYYYMMDD'),
  c('last_shown_date', 'string', false, 'last day the ad was shown, YYYYMMDD'),
  c('status', 'string', false, 'active or inactive'),
  c('status_statement', 'string', false, 'why the ad has its status (e.g. removed for a policy violation)'),
  c('image_urls', 'strings', false, 'links to the ad\'s images'),
  c('videos', 'json', false, 'the ad\'s videos: [{url, cover_image_url}]'),
  c('unique_users_seen', 'string', false, 'reach: unique users who saw the ad, as a bucket (e.g. 11K)'),
  c('unique_users_seen_by_country', 'json', false, 'reach by country: {country code: bucket}'),
  c('advertiser_business_id', 'id', false, 'the advertiser\'s business id'),
  c('advertiser_business_name', 'string', false, 'the advertiser\'s business name'),
  c('advertiser_paid_for_by', 'string', false, 'who paid for the ad, as disclosed'),
  c('advertiser_follower_count', 'int', false, 'followers of the advertiser\'s account'),
];

const RECORD_COLUMNS: readonly ViewColumn[] = [
  c('kind', 'string', false, 'video, comment, user or ad'),
  c('record_key', 'string', true, 'Steward\'s key of the record, PLATFORM:KIND:ID; joins <view>.steward_record_key', 'steward_record_key'),
  c('spec', 'string', false, 'the collection spec that collected the record', 'steward_spec'),
  c('collected_at', 'string', false, 'when Steward first collected the record (ISO 8601, UTC)', 'steward_collected_at'),
  c('refreshed_at', 'string', false, 'when Steward last fetched the record from the platform (ISO 8601, UTC)', 'steward_refreshed_at'),
  c('content_sha256', 'string', false, 'SHA-256 of the record as the API returned it', 'steward_content_sha256'),
  c('policy', 'string', false, 'the platform policy the record is kept under', 'steward_policy'),
  c('policy_version', 'int', false, 'the version of that policy when the record was collected', 'steward_policy_version'),
  c('run_id', 'string', false, 'the Steward run that collected the record', 'steward_run_id'),
];

const PURGE_COLUMNS: readonly ViewColumn[] = [
  c('record_hash', 'string', false, 'keyed hash (HMAC-SHA256 with the project secret) of the purged record\'s key; `steward audit --record` finds its history'),
  c('kind', 'string', false, 'video, comment, user or ad'),
  c('spec', 'string', false, 'the spec the record was collected by, when known'),
  c('reason', 'string', false, 'why it was purged: unavailable (the platform no longer serves it), expired, erasure (an erasure request), cascade (its parent was purged)'),
  c('purged_at', 'string', false, 'when it was purged (ISO 8601, UTC)'),
  c('run_id', 'string', false, 'the Steward run that purged it'),
];

const kindView = (name: QueryViewName, kind: RecordKind, what: string, data: readonly ViewColumn[]): QueryView => ({
  name,
  description: `${what}: every row of the current Parquet exports of ${kind}s (steward export create --spec NAME), one row per record, then its provenance`,
  source: { from: 'exports', kind },
  columns: [...data, ...PROVENANCE_VIEW_COLUMNS],
});

/** Every view, in the order the dictionary lists them. */
export const QUERY_VIEWS: readonly QueryView[] = [
  kindView('videos', 'video', 'TikTok videos (Research API video query)', VIDEO_COLUMNS),
  kindView('comments', 'comment', 'Comments on those videos (Research API comment list)', COMMENT_COLUMNS),
  kindView('users', 'user', 'Accounts (Research API user info)', USER_COLUMNS),
  kindView('ads', 'ad', 'Ads (Commercial Content API ad query)', AD_COLUMNS),
  {
    name: 'records',
    description: 'Provenance of every exported record, all kinds: which spec and run collected it, when, what content, under which policy',
    source: { from: 'export-provenance' },
    columns: RECORD_COLUMNS,
  },
  {
    name: 'purges',
    description: 'Every record purged from the corpus (the audit log\'s record.purged events): keyed hash, kind, reason, time; no content',
    source: { from: 'audit', action: 'record.purged' },
    columns: PURGE_COLUMNS,
  },
];

export function isQueryViewName(name: string): name is QueryViewName {
  return (QUERY_VIEW_NAMES as readonly string[]).includes(name);
}

/** The view called `name`; a RangeError lists the views. */
export function queryView(name: string): QueryView {
  const view = QUERY_VIEWS.find((v) => v.name === name);
  if (!view) throw new RangeError(`"${name}" is not a view; views: ${QUERY_VIEW_NAMES.join(', ')}`);
  return view;
}

/** The view of a record kind. */
export function viewOfKind(kind: RecordKind): QueryView {
  return QUERY_VIEWS.find((v) => v.source.from === 'exports' && v.source.kind === kind)!;
}

/** The DuckDB type of a column (ids exact: BIGINT; JSON text stays VARCHAR). */
export function duckdbTypeOf(type: ViewColumnType): string {
  switch (type) {
    case 'id':
    case 'int':
      return 'BIGINT';
    case 'bool':
      return 'BOOLEAN';
    case 'strings':
      return 'VARCHAR[]';
    case 'ids':
      return 'BIGINT[]';
    default:
      return 'VARCHAR';
  }
}

/** The Glue (Hive) type of a column, for tables Athena reads the export files through. */
export function glueTypeOf(type: ViewColumnType): string {
  switch (type) {
    case 'id':
    case 'int':
      return 'bigint';
    case 'bool':
      return 'boolean';
    case 'strings':
      return 'array<string>';
    case 'ids':
      return 'array<bigint>';
    default:
      return 'string';
  }
}

// ---------------------------------------------------------------------------------------------- dictionary

const cell = (text: string) => text.replaceAll('|', '\\|');

/** One view's section of the data dictionary (Markdown); `--describe VIEW` prints it. */
export function viewDictionaryMarkdown(view: QueryView): string {
  return [
    `## ${view.name}`,
    '',
    view.description + '.',
    '',
    '| column | type | personal data | meaning |',
    '| --- | --- | --- | --- |',
    ...view.columns.map((col) => `| ${col.name} | ${duckdbTypeOf(col.type)} | ${col.personal ? 'yes' : 'no'} | ${cell(col.meaning)} |`),
    '',
  ].join('\n');
}

/** docs/data-dictionary.md, generated (scripts/data-dictionary.ts writes it; a test checks it is fresh). */
export function dataDictionaryMarkdown(): string {
  return [
    '# Data dictionary',
    '',
    '<!-- Generated from lib/domain/query-views.ts by `npm run dictionary`; do not edit by hand. -->',
    '',
    'The views `steward query` answers SQL over (DuckDB with `--local`, Athena deployed). They read only the current',
    'versions of the Parquet exports (`steward export create`), so a purged record is in none of them. Types are',
    'DuckDB\'s (Athena: BIGINT = bigint, VARCHAR = string, VARCHAR[] = array<string>, BIGINT[] = array<bigint>).',
    'Ids are exact 64-bit integers. "Personal data: yes" marks a column that identifies a person or holds what a',
    'person wrote or said: handle query results that hold one as the corpus itself (they are derived copies).',
    '',
    `Views: ${QUERY_VIEWS.map((v) => `[${v.name}](#${v.name})`).join(', ')}.`,
    '',
    ...QUERY_VIEWS.map(viewDictionaryMarkdown),
  ].join('\n');
}
