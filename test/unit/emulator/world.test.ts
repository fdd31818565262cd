import { stringifyJson } from '../../../lib/domain/json';
import { World, type WorldOptions } from '../../../lib/emulator/world';

const ANCHOR = new Date('2026-03-01T00:00:00Z');
const SMALL: Partial<WorldOptions> = { users: 300, videosPerDay: 40, historyDays: 60, futureDays: 10, adsPerYear: 600, advertisers: 40, accountDeletionShare: 0.05 };
const AT = new Date('2026-03-01T12:00:00Z');
const seconds = (d: Date) => d.getTime() / 1000;
const before = (d: Date, s = 1) => new Date(d.getTime() - s * 1000);

describe('synthetic world', () => {
  const world = new World(1, ANCHOR, SMALL);

  it('is identical for the same seed and anchor, and differs for another seed or anchor', () => {
    // Act
    const again = new World(1, ANCHOR, SMALL);
    const otherSeed = new World(2, ANCHOR, SMALL);
    const otherAnchor = new World(1, new Date('2026-03-02T00:00:00Z'), SMALL);
    const ids = (w: World) => w.listVideos().map((v) => v.id);
    // Assess
    expect(ids(again)).toEqual(ids(world));
    const sample = world.listVideos()[500]!.id;
    expect(again.video(sample, AT)).toEqual(world.video(sample, AT));
    expect(again.listComments(sample)).toEqual(world.listComments(sample));
    expect(again.changes()).toEqual(world.changes());
    expect(ids(otherSeed)).not.toEqual(ids(world));
    expect(new Set(ids(otherSeed)).has(sample)).toBe(false);
    expect(ids(otherAnchor)).not.toEqual(ids(world));
  });

  it('covers history and future days with 19-digit ids that sort by creation time', () => {
    // Prepare
    const videos = world.listVideos();
    // Assess
    expect(world.start.toISOString()).toBe('2025-12-31T00:00:00.000Z');
    expect(world.end.toISOString()).toBe('2026-03-11T00:00:00.000Z');
    expect(videos.length).toBeGreaterThan(70 * 40 * 0.85);
    expect(videos.length).toBeLessThan(70 * 40 * 1.15 + 70);
    expect(videos.every((v) => /^\d{19}$/.test(v.id))).toBe(true);
    expect(videos.every((v) => BigInt(v.id) >> 32n === BigInt(seconds(v.createTime)))).toBe(true);
    for (let i = 1; i < videos.length; i += 1) expect(BigInt(videos[i]!.id) > BigInt(videos[i - 1]!.id)).toBe(true);
    expect(videos[0]!.createTime.getTime()).toBeGreaterThanOrEqual(world.start.getTime());
    expect(videos[videos.length - 1]!.createTime.getTime()).toBeLessThan(world.end.getTime());
  });

  it('renders every documented video field with the documented types', () => {
    const id = world.listVideos().find((v) => world.videoExists(v.id, AT))!.id;
    const record = world.video(id, AT)!;
    expect(record.id).toBe(BigInt(id));
    for (const field of ['create_time', 'like_count', 'comment_count', 'share_count', 'view_count', 'favorites_count', 'video_duration']) {
      expect(Number.isInteger(record[field])).toBe(true);
    }
    expect(typeof record.music_id).toBe('bigint');
    expect(typeof record.username).toBe('string');
    expect(record.region_code).toMatch(/^[A-Z]{2}$/);
    expect(Array.isArray(record.hashtag_names)).toBe(true);
    expect(typeof record.is_stem_verified).toBe('boolean');
  });

  it('hides future videos until their create_time', () => {
    const future = world.listVideos().find((v) => v.createTime > AT && !v.deletedAt && !v.privateAt)!;
    expect(world.videoExists(future.id, AT)).toBe(false);
    expect(world.videoExists(future.id, before(future.createTime))).toBe(false);
    expect(world.videoExists(future.id, future.createTime)).toBe(true);
  });

  it('removes deleted and privatised videos exactly at the recorded time', () => {
    // Prepare
    const deleted = world.listVideos().find((v) => v.deletedAt && !v.privateAt && !world.listUsers().find((u) => u.username === v.username)?.deletedAt)!;
    const hidden = world.listVideos().find((v) => v.privateAt && !v.deletedAt && !world.listUsers().find((u) => u.username === v.username)?.deletedAt)!;
    // Assess
    expect(world.videoExists(deleted.id, before(deleted.deletedAt!))).toBe(true);
    expect(world.videoExists(deleted.id, deleted.deletedAt!)).toBe(false);
    expect(world.video(deleted.id, deleted.deletedAt!)).toBeUndefined();
    expect(world.videoExists(hidden.id, before(hidden.privateAt!))).toBe(true);
    expect(world.videoExists(hidden.id, hidden.privateAt!)).toBe(false);
    const changes = world.changes();
    expect(changes).toContainEqual({ kind: 'video', id: deleted.id, change: 'deleted', at: deleted.deletedAt });
    expect(changes).toContainEqual({ kind: 'video', id: hidden.id, change: 'made_private', at: hidden.privateAt });
    expect(changes.map((c) => c.at.getTime())).toEqual([...changes.map((c) => c.at.getTime())].sort((a, b) => a - b));
  });

  it('makes a deleted account take its videos and comments with it, from the deletion on', () => {
    // Prepare: an account deleted after it had posted and commented.
    const videos = world.listVideos();
    const comments = videos.filter((v) => v.createTime < ANCHOR).flatMap((v) => world.listComments(v.id));
    const gone = world.listUsers().find(
      (u) => u.deletedAt && videos.some((v) => v.username === u.username && v.createTime < u.deletedAt! && !v.deletedAt && !v.privateAt) && comments.some((c) => c.username === u.username && c.createTime < u.deletedAt! && !c.deletedAt),
    )!;
    expect(gone).toBeDefined();
    const video = videos.find((v) => v.username === gone.username && v.createTime < gone.deletedAt! && !v.deletedAt && !v.privateAt)!;
    const comment = comments.find((c) => c.username === gone.username && c.createTime < gone.deletedAt! && !c.deletedAt && world.commentExists(c.id, before(gone.deletedAt!)))!;
    const justBefore = before(gone.deletedAt!);
    // Assess
    expect(world.userExists(gone.username, justBefore)).toBe(true);
    expect(world.videoExists(video.id, justBefore)).toBe(true);
    expect(world.commentExists(comment.id, justBefore)).toBe(true);
    expect(world.userExists(gone.username, gone.deletedAt!)).toBe(false);
    expect(world.user(gone.username, gone.deletedAt!)).toBeUndefined();
    expect(world.videoExists(video.id, gone.deletedAt!)).toBe(false);
    expect(world.commentExists(comment.id, gone.deletedAt!)).toBe(false);
    expect(world.changes()).toContainEqual({ kind: 'user', id: gone.username, change: 'account_deleted', at: gone.deletedAt });
  });

  it('grows counts with time since creation', () => {
    // Prepare: a video one hour old at AT and still visible a week later.
    const young = world.listVideos().find((v) => v.createTime < AT && seconds(AT) - seconds(v.createTime) < 6 * 3600 && world.videoExists(v.id, new Date(AT.getTime() + 7 * 86_400_000)))!;
    // Act
    const early = world.video(young.id, AT)!;
    const later = world.video(young.id, new Date(AT.getTime() + 7 * 86_400_000))!;
    // Assess
    for (const field of ['view_count', 'like_count', 'share_count', 'favorites_count']) {
      expect(later[field] as number).toBeGreaterThanOrEqual(early[field] as number);
    }
    expect(later.view_count as number).toBeGreaterThan(early.view_count as number);
  });

  it('threads comments: top-level under the video id, replies under an earlier comment of the same video', () => {
    // Prepare
    const withReplies = world.listVideos().map((v) => world.listComments(v.id)).find((list) => list.some((c) => c.parentCommentId !== c.videoId))!;
    const ids = new Map(withReplies.map((c) => [c.id, c]));
    // Assess
    for (const comment of withReplies) {
      expect(comment.id).toMatch(/^\d{19}$/);
      if (comment.parentCommentId === comment.videoId) continue;
      const parent = ids.get(comment.parentCommentId)!;
      expect(parent).toBeDefined();
      expect(parent.parentCommentId).toBe(parent.videoId);
      expect(parent.createTime.getTime()).toBeLessThan(comment.createTime.getTime());
    }
    const first = withReplies[0]!;
    expect(world.commentExists(first.id, before(first.createTime))).toBe(false);
    expect(world.commentExists(first.id, first.createTime)).toBe(first.deletedAt === undefined || first.deletedAt > first.createTime);
    expect(world.commentExists('7000000000000000000', AT)).toBe(false);
  });

  it('drops a video\'s comments when the video is deleted', () => {
    const deleted = world.listVideos().find((v) => v.deletedAt && world.listComments(v.id).some((c) => world.commentExists(c.id, before(v.deletedAt!))))!;
    const comment = world.listComments(deleted.id).find((c) => world.commentExists(c.id, before(deleted.deletedAt!)))!;
    expect(world.commentExists(comment.id, deleted.deletedAt!)).toBe(false);
  });

  it('agrees between matchVideos and per-video truth', () => {
    // Act
    const ids = world.matchVideos(
      { query: { and: [{ operation: 'EQ', field_name: 'hashtag_name', field_values: ['fyp'] }] }, start_date: '20260201', end_date: '20260228' },
      AT,
    );
    // Assess
    expect(ids.length).toBeGreaterThan(100);
    expect(ids).toEqual([...ids].sort((a, b) => (BigInt(b) > BigInt(a) ? 1 : -1)));
    for (const id of ids) {
      expect(world.videoExists(id, AT)).toBe(true);
      expect(world.video(id, AT)!.hashtag_names).toContain('fyp');
    }
    const expected = world.listVideos().filter((v) => v.hashtagNames.includes('fyp') && v.createTime >= new Date('2026-02-01') && v.createTime < new Date('2026-03-01') && world.videoExists(v.id, AT));
    expect(ids.length).toBe(expected.length);
  });

  it('embeds a content canary in every piece of content when asked', () => {
    // Prepare
    const canary = 'CANARY-7f3a';
    const marked = new World(1, ANCHOR, { ...SMALL, contentCanary: canary });
    const video = marked.listVideos().find((v) => marked.videoExists(v.id, AT) && marked.listComments(v.id).length > 0)!;
    // Assess
    expect(marked.video(video.id, AT)!.video_description).toContain(canary);
    expect(marked.user(video.username, AT)!.display_name).toContain(canary);
    expect(marked.user(video.username, AT)!.bio_description).toContain(canary);
    expect(marked.listComments(video.id).every((c) => c.text.includes(canary))).toBe(true);
    expect(stringifyJson(world.video(video.id, AT))).not.toContain(canary);
  });

  it('refuses nonsensical options', () => {
    expect(() => new World(1, ANCHOR, { users: 1 })).toThrow(/users must be a whole number/);
    expect(() => new World(1, ANCHOR, { videoDeletionShare: 1.5 })).toThrow(/videoDeletionShare must be a share/);
  });
});
