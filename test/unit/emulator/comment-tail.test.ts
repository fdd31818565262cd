import { commentCount, World } from '../../../lib/emulator/world';

const ANCHOR = new Date('2026-03-01T00:00:00Z');

describe('heavy-tailed comment counts', () => {
  it('gives most videos a few comments and some thousands, within the cap', () => {
    // Arrange: a world with up to 5,000 comments per video
    const world = new World(3, ANCHOR, { users: 300, videosPerDay: 400, historyDays: 10, futureDays: 0, maxCommentsPerVideo: 5_000, adsPerYear: 0, advertisers: 1 });
    const counts = world.listVideos().map((v) => world.listComments(v.id).length).sort((a, b) => a - b);

    // Assess: median a handful, a tail in the thousands, none above the cap
    const at = (q: number) => counts[Math.floor(q * (counts.length - 1))]!;
    expect(counts.length).toBeGreaterThan(3_000);
    expect(at(0.5)).toBeLessThanOrEqual(5);
    expect(at(0.9)).toBeGreaterThanOrEqual(10);
    expect(at(1)).toBeGreaterThanOrEqual(1_000);
    expect(at(1)).toBeLessThanOrEqual(5_000);
  });

  it('finds every comment of a video with thousands by its id', () => {
    const world = new World(3, ANCHOR, { users: 300, videosPerDay: 400, historyDays: 10, futureDays: 0, maxCommentsPerVideo: 5_000, adsPerYear: 0, advertisers: 1 });
    const big = world.listVideos().find((v) => world.listComments(v.id).length > 100)!;
    const comments = world.listComments(big.id);
    for (const comment of comments) expect(world.commentOf(comment.id)?.id.toString()).toBe(comment.id);
    expect(world.commentOf((BigInt(comments[40]!.id) + (1n << 32n)).toString())).toBeUndefined();
  });

  it('keeps the small worlds of up to 31 comments as they were', () => {
    expect(commentCount(0.5, 30, 1_000_000)).toBe(15);
    expect(commentCount(0.99, 4, 100)).toBe(Math.floor(0.99 * 5 * Math.log10(110) / 4));
  });
});
