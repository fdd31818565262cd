/**
 * zod schemas for the `data` of every response, and the typed views the clients hand out.
 *
 * Objects are loose (unknown keys tolerated: TikTok adds fields without notice) and most item fields are
 * optional (real responses omit keys per item). Ids arrive as bigint (above 2^53, via lossless JSON), number
 * or string and leave as decimal strings; a number that already lost precision is rejected rather than
 * silently stored wrong. Each typed item also carries `raw`: the item exactly as parsed, with bigint ids, so
 * a caller can store what the API returned.
 */
import * as z from 'zod';
import { TikTokResponseShapeError } from './errors';
import { formatIssues } from './http';

/** An item as the API returned it (lossless: unsafe integers are bigint). */
export type RawObject = Readonly<Record<string, unknown>>;

// ---------- scalar helpers ----------

/** A required id: bigint | safe integer | digit string -> decimal string. */
export const wireIdSchema = z.unknown().transform((value, ctx): string => {
  if (typeof value === 'bigint' && value >= 0n) return value.toString();
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === 'string' && /^\d+$/.test(value)) return value;
  ctx.issues.push({
    code: 'custom',
    input: value,
    message:
      value === undefined
        ? 'required id is missing'
        : typeof value === 'number'
          ? `id ${value} is not an exact integer (parsed lossily?)`
          : `expected an integer id (number, bigint or digit string), got ${typeof value}`,
  });
  return z.NEVER;
});

/** An optional id; `null` is read as absent. */
const optId = wireIdSchema.nullish().transform((v) => v ?? undefined);

/** A count or timestamp: number | bigint | digit string -> number. */
const countSchema = z.union([z.number(), z.bigint(), z.string().regex(/^-?\d+$/)]).transform(Number);
const optCount = countSchema.nullish().transform((v) => v ?? undefined);
const optString = z.string().nullish().transform((v) => v ?? undefined);
const optBool = z.boolean().nullish().transform((v) => v ?? undefined);
const optIdList = z.array(wireIdSchema).nullish().transform((v) => v ?? undefined);
const optStringList = z.array(z.string()).nullish().transform((v) => v ?? undefined);

/** `has_more`: a boolean, though some doc examples show the string "true". Absent means no more. */
export const hasMoreSchema = z
  .union([z.boolean(), z.enum(['true', 'false'])])
  .nullish()
  .transform((v) => v === true || v === 'true');

/** Research API `search_id`: a string in the docs, tolerated as a number. */
const searchIdSchema = z
  .union([z.string(), z.number(), z.bigint()])
  .nullish()
  .transform((v) => (v === null || v === undefined || v === '' ? undefined : String(v)));

// ---------- videos ----------

const hashtagInfo = z.looseObject({ hashtag_id: optId, hashtag_description: optString }).transform((h) => ({
  hashtagId: h.hashtag_id,
  hashtagDescription: h.hashtag_description,
}));
const stickerInfo = z.looseObject({ sticker_id: optId, sticker_name: optString }).transform((s) => ({
  stickerId: s.sticker_id,
  stickerName: s.sticker_name,
}));
const effectInfo = z.looseObject({ effect_id: optId, effect_name: optString, effect_photo_url: optString }).transform((e) => ({
  effectId: e.effect_id,
  effectName: e.effect_name,
  effectPhotoUrl: e.effect_photo_url,
}));
const videoTag = z.looseObject({ type: optString, number: optCount }).transform((t) => ({ type: t.type, number: t.number }));

/**
 * A video item. The spec table names the id `id`, the doc's example `video_id`: accept either.
 */
export const videoItemSchema = z
  .looseObject({
    id: z.unknown().optional(),
    video_id: z.unknown().optional(),
    create_time: optCount,
    username: optString,
    region_code: optString,
    video_description: optString,
    music_id: optId,
    like_count: optCount,
    comment_count: optCount,
    share_count: optCount,
    view_count: optCount,
    favorites_count: optCount,
    favourites_count: optCount,
    effect_ids: optIdList,
    hashtag_names: optStringList,
    playlist_id: optId,
    voice_to_text: optString,
    is_stem_verified: optBool,
    video_duration: optCount,
    hashtag_info_list: z.array(hashtagInfo).nullish(),
    sticker_info_list: z.array(stickerInfo).nullish(),
    effect_info_list: z.array(effectInfo).nullish(),
    video_mention_list: optStringList,
    video_label: z.unknown().optional(),
    video_tag: z.union([videoTag, z.array(videoTag)]).nullish(),
  })
  .transform((v, ctx) => {
    const id = wireIdSchema.safeParse(v.id ?? v.video_id);
    if (!id.success) {
      ctx.issues.push({ code: 'custom', input: v.id, path: ['id'], message: id.error.issues[0]?.message ?? 'invalid id' });
      return z.NEVER;
    }
    return {
      id: id.data,
      createTime: v.create_time,
      username: v.username,
      regionCode: v.region_code,
      videoDescription: v.video_description,
      musicId: v.music_id,
      likeCount: v.like_count,
      commentCount: v.comment_count,
      shareCount: v.share_count,
      viewCount: v.view_count,
      favoritesCount: v.favorites_count ?? v.favourites_count,
      effectIds: v.effect_ids,
      hashtagNames: v.hashtag_names,
      playlistId: v.playlist_id,
      voiceToText: v.voice_to_text,
      isStemVerified: v.is_stem_verified,
      videoDuration: v.video_duration,
      hashtagInfoList: v.hashtag_info_list ?? undefined,
      stickerInfoList: v.sticker_info_list ?? undefined,
      effectInfoList: v.effect_info_list ?? undefined,
      videoMentionList: v.video_mention_list,
      videoLabel: v.video_label,
      videoTag: v.video_tag === null || v.video_tag === undefined ? undefined : Array.isArray(v.video_tag) ? v.video_tag : [v.video_tag],
    };
  });

/** A video as the program sees it; `raw` is the item exactly as returned. Absent fields are `undefined`. */
export type Video = z.output<typeof videoItemSchema> & { readonly raw: RawObject };

export const videoQueryDataSchema = z.looseObject({
  videos: z.array(z.unknown()).nullish().transform((v) => v ?? []),
  cursor: optCount,
  has_more: hasMoreSchema,
  search_id: searchIdSchema,
});

// ---------- comments ----------

export const commentItemSchema = z
  .looseObject({
    id: wireIdSchema,
    video_id: optId,
    text: optString,
    like_count: optCount,
    reply_count: optCount,
    parent_comment_id: optId,
    create_time: optCount,
    display_name: optString,
  })
  .transform((c) => ({
    id: c.id,
    videoId: c.video_id,
    text: c.text,
    likeCount: c.like_count,
    replyCount: c.reply_count,
    parentCommentId: c.parent_comment_id,
    createTime: c.create_time,
    displayName: c.display_name,
  }));

export type Comment = z.output<typeof commentItemSchema> & { readonly raw: RawObject };

// ---------- users ----------

export const userInfoSchema = z
  .looseObject({
    display_name: optString,
    bio_description: optString,
    avatar_url: optString,
    is_verified: optBool,
    follower_count: optCount,
    following_count: optCount,
    likes_count: optCount,
    video_count: optCount,
    bio_url: optString,
  })
  .transform((u) => ({
    displayName: u.display_name,
    bioDescription: u.bio_description,
    avatarUrl: u.avatar_url,
    isVerified: u.is_verified,
    followerCount: u.follower_count,
    followingCount: u.following_count,
    likesCount: u.likes_count,
    videoCount: u.video_count,
    bioUrl: u.bio_url,
  }));

export type UserInfo = z.output<typeof userInfoSchema> & { readonly username: string; readonly raw: RawObject };

export const socialUserSchema = z
  .looseObject({ username: z.string({ error: (issue) => (issue.input === undefined ? 'required username is missing' : 'expected a string') }), display_name: optString })
  .transform((u) => ({ username: u.username, displayName: u.display_name }));

/** A follower or followed account: only these two fields exist. */
export type SocialUser = z.output<typeof socialUserSchema> & { readonly raw: RawObject };

// ---------- playlist ----------

export const playlistDataSchema = z
  .looseObject({
    playlist_id: optId,
    playlist_name: optString,
    playlist_item_total: optCount,
    playlist_last_updated: optCount,
    playlist_video_ids: optIdList,
    cursor: optCount,
    has_more: hasMoreSchema,
  })
  .transform((p) => ({
    playlistId: p.playlist_id,
    playlistName: p.playlist_name,
    playlistItemTotal: p.playlist_item_total,
    playlistLastUpdated: p.playlist_last_updated,
    playlistVideoIds: p.playlist_video_ids ?? [],
    cursor: p.cursor,
    hasMore: p.has_more,
  }));

// ---------- generic paged list ----------

/** Paging members of `{<list>: [...], cursor, has_more}` responses (comments, followers, liked/reposted). */
export const pageMetaSchema = z.looseObject({
  cursor: optCount,
  has_more: hasMoreSchema,
});

// ---------- batch compliance ----------

export const validationTaskCreateSchema = z.looseObject({ task_id: wireIdSchema });
export const validationTaskStatusSchema = z.looseObject({ task_status: z.string({ error: (issue) => (issue.input === undefined ? 'required task_status is missing' : 'expected a string') }) });

// ---------- Commercial Content API ----------

const adVideo = z.looseObject({ url: optString, cover_image_url: optString }).transform((v) => ({ url: v.url, coverImageUrl: v.cover_image_url }));

const adSchema = z
  .looseObject({
    id: wireIdSchema,
    first_shown_date: optString,
    last_shown_date: optString,
    status: optString,
    status_statement: optString,
    videos: z.array(adVideo).nullish(),
    image_urls: optStringList,
    reach: z.looseObject({ unique_users_seen: optString, unique_users_seen_by_country: z.record(z.string(), z.string()).nullish() }).nullish(),
    // Returned only when asked for explicitly (`fields=ad.rejection_info`); shape not documented.
    rejection_info: z.unknown().optional(),
  })
  .transform((a) => ({
    id: a.id,
    firstShownDate: a.first_shown_date,
    lastShownDate: a.last_shown_date,
    status: a.status,
    statusStatement: a.status_statement,
    videos: a.videos ?? undefined,
    imageUrls: a.image_urls,
    uniqueUsersSeen: a.reach?.unique_users_seen,
    uniqueUsersSeenByCountry: a.reach?.unique_users_seen_by_country ?? undefined,
    rejectionInfo: a.rejection_info as RawObject | null | undefined,
  }));

const advertiserInAdSchema = z
  .looseObject({
    business_id: optId,
    business_name: optString,
    paid_for_by: optString,
    follower_count: optCount,
    avatar_url: optString,
    profile_url: optString,
  })
  .transform((a) => ({
    businessId: a.business_id,
    businessName: a.business_name,
    paidForBy: a.paid_for_by,
    followerCount: a.follower_count,
    avatarUrl: a.avatar_url,
    profileUrl: a.profile_url,
  }));

/** One ad of an ad query: `{ad: {...}, advertiser: {...}}`. */
export const adItemSchema = z
  .looseObject({ ad: adSchema, advertiser: advertiserInAdSchema.nullish() })
  .transform((item) => ({ ...item.ad, advertiser: item.advertiser ?? undefined }));

export type Ad = z.output<typeof adItemSchema> & { readonly raw: RawObject };

export const adQueryDataSchema = z.looseObject({
  ads: z.array(z.unknown()).nullish().transform((v) => v ?? []),
  has_more: hasMoreSchema,
  search_id: searchIdSchema,
});

export const adDetailDataSchema = z
  .looseObject({
    ad: adSchema,
    advertiser: advertiserInAdSchema.nullish(),
    ad_group: z.looseObject({ targeting_info: z.unknown().optional() }).nullish(),
  })
  .transform((d) => ({
    ...d.ad,
    advertiser: d.advertiser ?? undefined,
    targetingInfo: d.ad_group?.targeting_info as RawObject | undefined,
  }));

export type AdDetail = z.output<typeof adDetailDataSchema> & { readonly raw: RawObject };

export const advertiserItemSchema = z
  .looseObject({ business_id: wireIdSchema, business_name: optString, country_code: optString })
  .transform((a) => ({ businessId: a.business_id, businessName: a.business_name, countryCode: a.country_code }));

export type Advertiser = z.output<typeof advertiserItemSchema> & { readonly raw: RawObject };

export const advertiserQueryDataSchema = z.looseObject({
  advertisers: z.array(z.unknown()).nullish().transform((v) => v ?? []),
});

// ---------- parsing helpers ----------

/** Parse `value` or throw a `TikTokResponseShapeError` naming the endpoint and each bad field path. */
export function parseShape<S extends z.ZodType>(endpoint: string, schema: S, value: unknown, logId: string, pathPrefix = 'data'): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new TikTokResponseShapeError(endpoint, formatIssues(result.error.issues, pathPrefix), logId);
  return result.data;
}

/**
 * Parse every item of a list with `schema` and pair it with its raw object. All bad items are reported
 * together, with paths like `data.videos[3].id`.
 */
export function parseItems<S extends z.ZodType>(
  endpoint: string,
  schema: S,
  items: readonly unknown[],
  logId: string,
  pathPrefix: string,
): Array<z.output<S> & { readonly raw: RawObject }> {
  const problems: string[] = [];
  const out: Array<z.output<S> & { readonly raw: RawObject }> = [];
  items.forEach((item, index) => {
    const result = schema.safeParse(item);
    if (!result.success) {
      problems.push(...formatIssues(result.error.issues, `${pathPrefix}[${index}]`));
      return;
    }
    out.push({ ...(result.data as object), raw: item as RawObject } as z.output<S> & { readonly raw: RawObject });
  });
  if (problems.length > 0) throw new TikTokResponseShapeError(endpoint, problems, logId);
  return out;
}
