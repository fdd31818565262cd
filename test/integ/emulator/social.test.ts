import { eq, type Harness, START, startHarness } from './harness';

const COMMENTS = '/v2/research/video/comment/list/?fields=id,video_id,text,like_count,reply_count,parent_comment_id,create_time';
const ids = (items: { id: bigint }[]) => items.map((i) => i.id.toString());

describe('emulator: users, comments and the social graph', () => {
  let h: Harness;
  const now = () => h.clock.now();
  beforeAll(async () => {
    h = await startHarness({ world: { accountDeletionShare: 0.05 } });
  });
  afterAll(() => h.stop());
  afterEach(() => h.clock.set(new Date(START)));

  const liveUser = () => {
    const world = h.emulator.world;
    const counts = new Map<string, number>();
    for (const v of world.listVideos()) if (world.videoExists(v.id, now())) counts.set(v.username, (counts.get(v.username) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
  };

  it('answers user info with the requested fields, consistent with the world', async () => {
    const username = liveUser();
    const r = await h.post('/v2/research/user/info/?fields=display_name,bio_description,avatar_url,is_verified,follower_count,following_count,likes_count,video_count,bio_url', { username });
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual(h.emulator.world.user(username, now()));
    expect(r.json.data.video_count).toBeGreaterThan(0);
    const some = await h.post('/v2/research/user/info/?fields=display_name,follower_count', { username });
    expect(Object.keys(some.json.data).sort()).toEqual(['display_name', 'follower_count']);
  });

  it('says "<username> is invalid: cannot find the user" for an unknown account', async () => {
    const r = await h.post('/v2/research/user/info/?fields=display_name', { username: 'nobody_here_42' });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'invalid_params', message: 'nobody_here_42 is invalid: cannot find the user' });
  });

  it('pages through a video\'s comments and replies with an index cursor', async () => {
    // Prepare
    const world = h.emulator.world;
    const video = world.listVideos().find((v) => v.createTime < new Date('2026-02-20') && world.videoExists(v.id, now()) && world.listComments(v.id).filter((c) => world.commentExists(c.id, now())).length >= 12 && world.listComments(v.id).some((c) => c.parentCommentId !== c.videoId && world.commentExists(c.id, now())))!;
    const visible = world.listComments(video.id).filter((c) => world.commentExists(c.id, now()));
    // Act: video_id sent as a bare 19-digit number, as clients do
    const first = await h.post(COMMENTS, { video_id: BigInt(video.id), max_count: 5 });
    const second = await h.post(COMMENTS, { video_id: BigInt(video.id), max_count: 100, cursor: first.json.data.cursor });
    // Assess
    expect(first.status).toBe(200);
    expect(first.json.data).toMatchObject({ cursor: 5, has_more: true });
    expect(second.json.data.has_more).toBe(false);
    const all = [...first.json.data.comments, ...second.json.data.comments];
    expect(ids(all)).toEqual(visible.map((c) => c.id));
    for (const comment of all) {
      const truth = visible.find((c) => c.id === comment.id.toString())!;
      expect(comment.video_id.toString()).toBe(video.id);
      expect(comment.parent_comment_id.toString()).toBe(truth.parentCommentId);
      expect(comment.create_time).toBe(truth.createTime.getTime() / 1000);
    }
    const top = all.find((c) => c.parent_comment_id.toString() === video.id && c.reply_count > 0)!;
    expect(top).toBeDefined();
    const replies = await h.post(COMMENTS, { comment_id: top.id.toString() });
    expect(replies.json.data.comments).toHaveLength(top.reply_count);
    expect(replies.json.data.comments.every((c: { parent_comment_id: bigint }) => c.parent_comment_id === top.id)).toBe(true);
  });

  it('validates comment requests', async () => {
    const both = await h.post(COMMENTS, { video_id: 1, comment_id: 2 });
    const neither = await h.post(COMMENTS, {});
    const tooMany = await h.post(COMMENTS, { video_id: 1, max_count: 101 });
    const unknownField = await h.post('/v2/research/video/comment/list/?fields=id,display_name', { video_id: 1 });
    expect(both.json.error.message).toMatch(/either video_id .* or comment_id/);
    expect(neither.json.error.message).toMatch(/video_id or comment_id is required/);
    expect(tooMany.json.error.message).toMatch(/max_count/);
    expect(unknownField.json.error.message).toMatch(/"display_name"/);
    const none = await h.post(COMMENTS, { video_id: '7000000000000000000' });
    expect(none.json.data).toEqual({ comments: [], cursor: 0, has_more: false });
  });

  it.each(['followers', 'following'] as const)('pages %s with a time cursor, covering the whole list once', async (direction) => {
    // Prepare
    const username = liveUser();
    const expected = (await h.post('/v2/research/user/info/?fields=follower_count,following_count', { username })).json.data[`${direction === 'followers' ? 'follower' : 'following'}_count`];
    // Act
    const seen: string[] = [];
    let cursor: number | undefined;
    for (let page = 0; page < 50; page += 1) {
      const r = await h.post(`/v2/research/user/${direction}/`, { username, max_count: 7, ...(cursor === undefined ? {} : { cursor }) });
      expect(r.status).toBe(200);
      const items = r.json.data[`user_${direction}`] as { username: string; display_name: string }[];
      for (const item of items) expect(Object.keys(item).sort()).toEqual(['display_name', 'username']);
      seen.push(...items.map((i) => i.username));
      if (!r.json.data.has_more) break;
      expect(r.json.data.cursor).toBeLessThan(cursor ?? Infinity);
      cursor = r.json.data.cursor;
    }
    // Assess
    expect(expected).toBeGreaterThan(0);
    expect(seen).toHaveLength(expected);
    expect(new Set(seen).size).toBe(expected);
  });

  it('lists liked, pinned and reposted videos under their documented keys', async () => {
    const world = h.emulator.world;
    const candidates = world.listUsers().filter((u) => !u.deletedAt).slice(0, 60);
    let liked, pinned, reposted;
    for (const { username } of candidates) {
      liked = await h.post('/v2/research/user/liked_videos/?fields=id,create_time,username', { username, max_count: 3 });
      if (liked.json.data.user_liked_videos.length === 3 && liked.json.data.has_more) break;
    }
    const owner = liveUser();
    for (const { username } of [{ username: owner }, ...candidates]) {
      pinned = await h.post('/v2/research/user/pinned_videos/?fields=id,username', { username });
      if (pinned.json.data.pinned_videos_list.length > 0) break;
    }
    for (const { username } of candidates) {
      reposted = await h.post('/v2/research/user/reposted_videos/?fields=id', { username, max_count: 1 });
      if (reposted.json.data.reposted_videos.length > 0) break;
    }
    // liked: newest video first; the next cursor is just before the last video's creation
    const likedVideos = liked!.json.data.user_liked_videos;
    expect(likedVideos.map((v: { create_time: number }) => v.create_time)).toEqual([...likedVideos.map((v: { create_time: number }) => v.create_time)].sort((a, b) => b - a));
    expect(liked!.json.data.cursor).toBe(likedVideos[2].create_time - 1);
    for (const v of likedVideos) expect(world.videoExists(v.id, now())).toBe(true);
    const effectIds = await h.post('/v2/research/user/liked_videos/?fields=id,effect_ids', { username: candidates[0]!.username });
    expect(effectIds.status).toBe(400);
    // pinned: the owner's own videos
    const pinnedList = pinned!.json.data.pinned_videos_list;
    expect(pinnedList.length).toBeGreaterThan(0);
    expect(pinnedList.length).toBeLessThanOrEqual(3);
    // reposted: index cursor
    expect(reposted!.json.data.reposted_videos).toHaveLength(1);
    expect(reposted!.json.data.cursor).toBe(1);
  });

  it('answers playlist info with video ids and an index cursor', async () => {
    const world = h.emulator.world;
    const id = world.playlistIds().find((p) => (world.playlist(p, now().getTime() / 1000)?.videos.length ?? 0) >= 3)!;
    const r = await h.post('/v2/research/playlist/info/?fields=playlist_id,playlist_name,playlist_item_total,playlist_last_updated,playlist_video_ids', { playlist_id: BigInt(id), max_count: 2 });
    expect(r.status).toBe(200);
    expect(r.json.data.playlist_id.toString()).toBe(id);
    expect(r.json.data.playlist_video_ids).toHaveLength(2);
    expect(r.json.data.playlist_item_total).toBeGreaterThanOrEqual(3);
    expect(r.json.data).toMatchObject({ cursor: 2, has_more: true });
    for (const videoId of r.json.data.playlist_video_ids) expect(world.videoExists(videoId, now())).toBe(true);
    const unknown = await h.post('/v2/research/playlist/info/?fields=playlist_id', { playlist_id: 1 });
    expect(unknown.json.error.message).toMatch(/playlist_id 1 is invalid/);
  });

  it('makes a deleted account vanish at its deletion time: user info, videos and comments', async () => {
    // Prepare: an account with a visible video and a visible comment just before it is deleted.
    const world = h.emulator.world;
    const videos = world.listVideos();
    const gone = world.listUsers().find((u) => u.deletedAt && u.deletedAt > new Date('2026-01-15') && videos.some((v) => v.username === u.username && v.createTime < u.deletedAt! && world.videoExists(v.id, new Date(u.deletedAt!.getTime() - 1000))))!;
    const justBefore = new Date(gone.deletedAt!.getTime() - 1000);
    const video = videos.find((v) => v.username === gone.username && world.videoExists(v.id, justBefore))!;
    const day = video.createTime.toISOString().slice(0, 10).replace(/-/g, '');
    const byAuthor = { query: { and: [eq('username', gone.username)] }, start_date: day, end_date: day };
    const commentsBefore = world.listComments(video.id).filter((c) => world.commentExists(c.id, justBefore));
    // Act
    h.clock.set(justBefore);
    const infoBefore = await h.post('/v2/research/user/info/?fields=display_name', { username: gone.username });
    const queryBefore = await h.post('/v2/research/video/query/?fields=id', byAuthor);
    const commentListBefore = await h.post(COMMENTS, { video_id: BigInt(video.id), max_count: 100 });
    h.clock.set(gone.deletedAt!);
    const infoAfter = await h.post('/v2/research/user/info/?fields=display_name', { username: gone.username });
    const queryAfter = await h.post('/v2/research/video/query/?fields=id', byAuthor);
    const commentListAfter = await h.post(COMMENTS, { video_id: BigInt(video.id), max_count: 100 });
    // Assess
    expect(infoBefore.status).toBe(200);
    expect(ids(queryBefore.json.data.videos)).toContain(video.id);
    expect(commentListBefore.json.data.comments).toHaveLength(commentsBefore.length);
    expect(infoAfter.status).toBe(400);
    expect(infoAfter.json.error.message).toBe(`${gone.username} is invalid: cannot find the user`);
    expect(queryAfter.json.data.videos).toEqual([]);
    expect(commentListAfter.json.data.comments).toEqual([]);
  });

  it('grows a video\'s counts as the clock moves on', async () => {
    const body = { query: { and: [eq('hashtag_name', 'fyp')] }, start_date: '20260301', end_date: '20260301', max_count: 5 };
    const early = await h.post('/v2/research/video/query/?fields=id,view_count,like_count', body);
    h.advance(2 * 86_400);
    const same = { ...body, query: { and: [{ operation: 'IN', field_name: 'video_id', field_values: ids(early.json.data.videos) }] } };
    const late = await h.post('/v2/research/video/query/?fields=id,view_count,like_count', same);
    const lateById = new Map(late.json.data.videos.map((v: { id: bigint; view_count: number }) => [v.id, v]));
    let grew = 0;
    for (const video of early.json.data.videos) {
      const later = lateById.get(video.id) as { view_count: number; like_count: number } | undefined;
      if (!later) continue;
      expect(later.view_count).toBeGreaterThanOrEqual(video.view_count);
      expect(later.like_count).toBeGreaterThanOrEqual(video.like_count);
      if (later.view_count > video.view_count) grew += 1;
    }
    expect(grew).toBeGreaterThan(0);
  });
});
