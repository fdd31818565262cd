/**
 * The emulator's responses against schemas written from the platform docs (reference/platform-api-facts.md),
 * not from the emulator: strict keys, documented types. A response that drifts from the docs fails here.
 */
import { z } from 'zod';
import { eq, type Harness, type Reply, startHarness } from '../integ/emulator/harness';

// ---- building blocks, as the docs type them
const int64 = z.union([z.bigint(), z.number().int()]);
const int = z.number().int().nonnegative();
const ymd = z.string().regex(/^\d{8}$/);
const logId = z.string().regex(/^\d{14}[0-9A-F]+$/);

const ErrorStruct = z.object({ code: z.string(), message: z.string(), log_id: logId }).strict();
const ErrorStructV2 = ErrorStruct.extend({ http_status_code: z.number().int() }).strict();
const CODE_STATUS: Record<string, number> = {
  ok: 200,
  invalid_params: 400,
  invalid_file_upload: 400,
  access_token_invalid: 401,
  scope_not_authorized: 401,
  rate_limit_exceeded: 429,
  daily_quota_limit_exceeded: 429,
  internal_error: 500,
};

const research = <T extends z.ZodType>(data: T) => z.object({ data, error: ErrorStruct }).strict();
const v2 = <T extends z.ZodType>(data: T) => z.object({ data, error: ErrorStructV2 }).strict();
const failure = (style: 'research' | 'v2') => z.object({ data: z.record(z.string(), z.unknown()), error: style === 'v2' ? ErrorStructV2 : ErrorStruct }).strict();

const TokenSuccess = z.object({ access_token: z.string().startsWith('clt.'), expires_in: z.literal(7200), token_type: z.literal('Bearer') }).strict();
const TokenFailure = z
  .object({
    error: z.enum(['access_denied', 'invalid_client', 'invalid_grant', 'invalid_request', 'invalid_scope', 'unauthorized_client', 'unsupported_grant_type', 'unsupported_response_type']),
    error_description: z.string(),
    log_id: z.string(),
  })
  .strict();

// Every key optional: real responses omit keys at times, and only requested fields come back.
const VideoShape = {
  id: int64,
  create_time: int,
  username: z.string(),
  region_code: z.string().length(2),
  video_description: z.string(),
  music_id: int64,
  like_count: int,
  comment_count: int,
  share_count: int,
  view_count: int,
  effect_ids: z.array(z.string()),
  hashtag_names: z.array(z.string()),
  playlist_id: int64,
  voice_to_text: z.string(),
  is_stem_verified: z.boolean(),
  favorites_count: int,
  video_duration: int,
  hashtag_info_list: z.array(z.object({ hashtag_id: int64, hashtag_description: z.string() }).strict()),
  sticker_info_list: z.array(z.object({ sticker_id: z.union([z.string(), int64]), sticker_name: z.string() }).strict()),
  effect_info_list: z.array(z.object({ effect_id: z.union([z.string(), int64]), effect_name: z.string(), effect_photo_url: z.string() }).strict()),
  video_mention_list: z.array(z.string()),
  video_label: z.unknown(), // type not documented
  video_tag: z.object({ type: z.string(), number: z.number().int() }).strict(),
};
const Video = z.object(VideoShape).partial().strict();
// Liked videos come without effect_ids, playlist_id and voice_to_text.
const LikedVideo = z.object(VideoShape).omit({ effect_ids: true, playlist_id: true, voice_to_text: true }).partial().strict();
const User = z
  .object({
    display_name: z.string(),
    bio_description: z.string(),
    avatar_url: z.string(),
    is_verified: z.boolean(),
    follower_count: int,
    following_count: int,
    likes_count: int,
    video_count: int,
    bio_url: z.string(),
  })
  .partial()
  .strict();
const Comment = z
  .object({ id: int64, video_id: int64, text: z.string(), like_count: int, reply_count: int, parent_comment_id: int64, create_time: int })
  .partial()
  .strict();
const Account = z.object({ display_name: z.string(), username: z.string() }).strict();
const paged = { cursor: int, has_more: z.boolean() };

const Ad = z
  .object({
    id: int64,
    first_shown_date: ymd,
    last_shown_date: ymd,
    status: z.enum(['active', 'inactive']),
    status_statement: z.string(),
    videos: z.array(z.object({ url: z.string(), cover_image_url: z.string() }).partial().strict()),
    image_urls: z.array(z.string()),
    reach: z.object({ unique_users_seen: z.string().regex(/^\d{1,3}[KMB]$/), unique_users_seen_by_country: z.record(z.string(), z.string()) }).partial().strict(),
    rejection_info: z
      .object({ reasons: z.array(z.string()), affected_countries: z.array(z.string()), reporting_source: z.string(), automated_notice: z.string().nullable() })
      .strict()
      .nullable(),
  })
  .partial()
  .strict();
const Advertiser = z
  .object({ business_id: int64, business_name: z.string(), paid_for_by: z.string(), follower_count: int, avatar_url: z.string(), profile_url: z.string() })
  .partial()
  .strict();
const TargetingInfo = z
  .object({
    number_of_users_targeted: z.string(),
    country: z.array(z.string()),
    age: z.record(z.string(), z.boolean()),
    gender: z.record(z.enum(['female', 'male', 'other_genders']), z.boolean()),
    audience_targeting: z.string(),
    video_interactions: z.string(),
    creator_interactions: z.string(),
    interest: z.string(),
  })
  .partial()
  .strict();
const AdItem = z.object({ ad: Ad, advertiser: Advertiser, ad_group: z.object({ targeting_info: TargetingInfo }).strict() }).partial().strict();

// ---- the endpoints
const ALL_VIDEO_FIELDS = Object.keys(VideoShape).join(',');
const ALL_LIKED_FIELDS = Object.keys(LikedVideo.shape).join(',');

function expectShape(reply: Reply, schema: z.ZodType, style: 'research' | 'v2' | 'none' = 'research'): void {
  const result = schema.safeParse(reply.json);
  if (!result.success) throw new Error(`response does not match the docs:\n${z.prettifyError(result.error)}\n${reply.text.slice(0, 500)}`);
  if (style !== 'none') {
    expect(reply.status).toBe(CODE_STATUS[reply.json.error.code]);
    if (style === 'v2') expect(reply.json.error.http_status_code).toBe(reply.status);
  }
}

describe('contract: emulator responses match the documented shapes', () => {
  let h: Harness;
  let username: string;
  let videoId: bigint;
  let playlistId: string;
  beforeAll(async () => {
    h = await startHarness();
    const world = h.emulator.world;
    const now = h.clock.now();
    const busiest = new Map<string, number>();
    for (const v of world.listVideos()) if (world.videoExists(v.id, now)) busiest.set(v.username, (busiest.get(v.username) ?? 0) + 1);
    username = [...busiest].sort((a, b) => b[1] - a[1])[0]![0];
    videoId = BigInt(world.listVideos().find((v) => world.videoExists(v.id, now) && world.listComments(v.id).length > 3)!.id);
    playlistId = world.playlistIds().find((p) => world.playlist(p, now.getTime() / 1000) !== undefined)!;
  });
  afterAll(() => h.stop());

  it('token: success and failure', async () => {
    const post = (form: Record<string, string>) => fetch(`${h.url}/v2/oauth/token/`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
    const ok = await post({ client_key: 'lab-key', client_secret: 'lab-secret', grant_type: 'client_credentials' });
    expect(TokenSuccess.parse(await ok.json())).toBeDefined();
    const bad = await post({ client_key: 'lab-key', client_secret: 'wrong', grant_type: 'client_credentials' });
    expect(TokenFailure.parse(await bad.json())).toBeDefined();
  });

  it('video query', async () => {
    const body = { query: { and: [eq('hashtag_name', 'fyp')] }, start_date: '20260201', end_date: '20260228', max_count: 100 };
    const reply = await h.post(`/v2/research/video/query/?fields=${ALL_VIDEO_FIELDS}`, body);
    expectShape(reply, research(z.object({ videos: z.array(Video), ...paged, search_id: z.string().regex(/^\d+$/) }).strict()));
    expect(reply.json.error.code).toBe('ok');
    expect(['', 'ok']).toContain(reply.json.error.message);
    expect(reply.json.data.videos.some((v: Record<string, unknown>) => v.playlist_id !== undefined)).toBe(true);
    expectShape(await h.post('/v2/research/video/query/?fields=id', { ...body, end_date: '20260331' }), failure('research'));
  });

  it('user info', async () => {
    expectShape(await h.post(`/v2/research/user/info/?fields=${Object.keys(User.shape).join(',')}`, { username }), research(User));
    expectShape(await h.post('/v2/research/user/info/?fields=display_name', { username: 'no_such_user' }), failure('research'));
  });

  it('comments', async () => {
    const reply = await h.post(`/v2/research/video/comment/list/?fields=${Object.keys(Comment.shape).join(',')}`, { video_id: videoId, max_count: 100 });
    expectShape(reply, research(z.object({ comments: z.array(Comment), ...paged }).strict()));
    expect(reply.json.data.comments.length).toBeGreaterThan(0);
    expectShape(await h.post('/v2/research/video/comment/list/?fields=id', {}), failure('research'));
  });

  it('followers and following', async () => {
    expectShape(await h.post('/v2/research/user/followers/', { username, max_count: 100 }), research(z.object({ user_followers: z.array(Account), ...paged }).strict()));
    expectShape(await h.post('/v2/research/user/following/', { username, max_count: 100 }), research(z.object({ user_following: z.array(Account), ...paged }).strict()));
    expectShape(await h.post('/v2/research/user/followers/', { username: 'no_such_user' }), failure('research'));
  });

  it('liked, pinned and reposted videos', async () => {
    expectShape(await h.post(`/v2/research/user/liked_videos/?fields=${ALL_LIKED_FIELDS}`, { username }), research(z.object({ user_liked_videos: z.array(LikedVideo), ...paged }).strict()));
    expectShape(await h.post(`/v2/research/user/pinned_videos/?fields=${ALL_VIDEO_FIELDS}`, { username }), research(z.object({ pinned_videos_list: z.array(Video) }).strict()));
    expectShape(await h.post(`/v2/research/user/reposted_videos/?fields=${ALL_VIDEO_FIELDS}`, { username }), research(z.object({ reposted_videos: z.array(Video), ...paged }).strict()));
    expectShape(await h.post('/v2/research/user/pinned_videos/?fields=id', { username: 'no_such_user' }), failure('research'));
  });

  it('playlist info', async () => {
    const fields = 'playlist_id,playlist_name,playlist_item_total,playlist_last_updated,playlist_video_ids';
    const Playlist = z
      .object({ playlist_id: int64, playlist_name: z.string(), playlist_item_total: int, playlist_last_updated: int, playlist_video_ids: z.array(int64), ...paged })
      .strict();
    expectShape(await h.post(`/v2/research/playlist/info/?fields=${fields}`, { playlist_id: BigInt(playlistId) }), research(Playlist));
    expectShape(await h.post(`/v2/research/playlist/info/?fields=${fields}`, { playlist_id: 1 }), failure('research'));
  });

  it('batch compliance', async () => {
    const form = new FormData();
    form.append('category', 'video');
    form.append('file_data', new Blob([`${videoId}\n`]), 'ids.txt');
    const created = await h.post('/v2/research/validation_task/create/', undefined, { rawBody: form });
    expectShape(created, v2(z.object({ task_id: int64 }).strict()), 'v2');
    const status = await h.post('/v2/research/validation_task_status/get/', { task_id: created.json.data.task_id });
    expectShape(status, v2(z.object({ task_status: z.enum(['Completed', 'Processing', 'Failed']) }).strict()), 'v2');
    await h.post('/v2/research/validation_task_status/get/', { task_id: created.json.data.task_id });
    const download = await h.post('/v2/research/validation_task/download/', { task_id: created.json.data.task_id });
    expect(download.status).toBe(200);
    expect(download.text).toMatch(/^(\d+\n)*$/);
    const empty = new FormData();
    empty.append('category', 'video');
    empty.append('file_data', new Blob(['']), 'ids.txt');
    const refused = await h.post('/v2/research/validation_task/create/', undefined, { rawBody: empty });
    expectShape(refused, failure('v2'), 'v2');
    expect(refused.json.error.code).toBe('invalid_file_upload');
  });

  it('ad query, ad detail and advertiser query', async () => {
    const range = { ad_published_date_range: { min: '20260101', max: '20260228' } };
    const queryFields = 'ad.id,ad.first_shown_date,ad.last_shown_date,ad.status,ad.status_statement,ad.videos,ad.image_urls,ad.reach,advertiser.business_id,advertiser.business_name,advertiser.paid_for_by';
    const ads = await h.post(`/v2/research/adlib/ad/query/?fields=${queryFields}`, { filters: range, max_count: 50 });
    expectShape(ads, v2(z.object({ ads: z.array(AdItem), has_more: z.boolean(), search_id: z.string() }).strict()), 'v2');
    const detailFields = `${queryFields},advertiser.follower_count,advertiser.avatar_url,advertiser.profile_url,ad_group.targeting_info,ad.rejection_info`;
    const detail = await h.post(`/v2/research/adlib/ad/detail/?fields=${detailFields}`, { ad_id: ads.json.data.ads[0].ad.id });
    expectShape(detail, v2(AdItem), 'v2');
    const advertisers = await h.post('/v2/research/adlib/advertiser/query/?fields=business_id,business_name,country_code', { search_term: 'co' });
    expectShape(advertisers, v2(z.object({ advertisers: z.array(z.object({ business_id: int64, business_name: z.string(), country_code: z.string() }).partial().strict()) }).strict()), 'v2');
    expectShape(await h.post(`/v2/research/adlib/ad/query/?fields=ad.id`, { filters: {} }), failure('v2'), 'v2');
  });

  it('auth, quota and fault errors', async () => {
    const body = { query: { and: [eq('region_code', 'US')] }, start_date: '20260201', end_date: '20260228' };
    expectShape(await h.post('/v2/research/video/query/?fields=id', body, { token: 'clt.nope' }), failure('research'));
    expectShape(await h.post('/v2/research/adlib/ad/detail/?fields=ad.id', { ad_id: 1 }, { token: null }), failure('v2'), 'v2');
    h.emulator.setFaults({ internalErrorRate: 1 });
    const failed = await h.post('/v2/research/video/query/?fields=id', body);
    h.emulator.setFaults({ internalErrorRate: 0, throttleRate: 1 });
    const throttled = await h.post('/v2/research/adlib/ad/detail/?fields=ad.id', { ad_id: 1 });
    h.emulator.setFaults({ throttleRate: 0 });
    expectShape(failed, failure('research'));
    expect(failed.json.error.code).toBe('internal_error');
    expectShape(throttled, failure('v2'), 'v2');
    expect(throttled.json.error.code).toBe('rate_limit_exceeded');
  });
});
