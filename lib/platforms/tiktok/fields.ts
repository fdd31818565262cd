/**
 * The attribute names each endpoint accepts in its `fields` query parameter, as documented
 * (research-api-specs-* and commercial-content-api-* pages). Typed so a typo fails at compile time; the
 * zod enums let config files be checked at the edge.
 */
import * as z from 'zod';

/** Video attributes (`/video/query/`; liked, pinned and reposted videos return subsets of these). */
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
  'favourites_count',
  'video_duration',
  'hashtag_info_list',
  'sticker_info_list',
  'effect_info_list',
  'video_mention_list',
  'video_label',
  'video_tag',
] as const;
export type VideoField = (typeof VIDEO_FIELDS)[number];
export const videoFieldSchema = z.enum(VIDEO_FIELDS);

/** Fields Steward asks for when the caller does not say: everything except the heavy lists. */
export const DEFAULT_VIDEO_FIELDS: readonly VideoField[] = [
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
  'hashtag_names',
  'video_duration',
];

export const USER_INFO_FIELDS = [
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
export type UserInfoField = (typeof USER_INFO_FIELDS)[number];
export const userInfoFieldSchema = z.enum(USER_INFO_FIELDS);

export const COMMENT_FIELDS = ['id', 'video_id', 'text', 'like_count', 'reply_count', 'parent_comment_id', 'create_time'] as const;
export type CommentField = (typeof COMMENT_FIELDS)[number];
export const commentFieldSchema = z.enum(COMMENT_FIELDS);

export const PLAYLIST_FIELDS = [
  'playlist_id',
  'playlist_name',
  'playlist_item_total',
  'playlist_last_updated',
  'playlist_video_ids',
] as const;
export type PlaylistField = (typeof PLAYLIST_FIELDS)[number];

/** Ad query attributes (`/adlib/ad/query/`). */
export const AD_FIELDS = [
  'ad.id',
  'ad.first_shown_date',
  'ad.last_shown_date',
  'ad.status',
  'ad.status_statement',
  'ad.videos',
  'ad.image_urls',
  'ad.reach',
  'advertiser.business_id',
  'advertiser.business_name',
  'advertiser.paid_for_by',
] as const;
export type AdField = (typeof AD_FIELDS)[number];
export const adFieldSchema = z.enum(AD_FIELDS);

/**
 * Ad detail attributes: the query ones plus these. `ad.rejection_info` is undocumented in the table but
 * returned when asked for explicitly (SNV blog, 2024).
 */
export const AD_DETAIL_FIELDS = [
  ...AD_FIELDS,
  'advertiser.follower_count',
  'advertiser.avatar_url',
  'advertiser.profile_url',
  'ad_group.targeting_info',
  'ad.rejection_info',
] as const;
export type AdDetailField = (typeof AD_DETAIL_FIELDS)[number];

export const ADVERTISER_FIELDS = ['business_id', 'business_name', 'country_code'] as const;
export type AdvertiserField = (typeof ADVERTISER_FIELDS)[number];

/** `fields` with `required` added in front when missing: paging and the typed views need those. */
export function withRequiredFields<F extends string>(fields: readonly F[], required: readonly F[]): F[] {
  const out = [...required.filter((r) => !fields.includes(r)), ...fields];
  return [...new Set(out)];
}
