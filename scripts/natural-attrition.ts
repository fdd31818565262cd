/**
 * The emulator's natural attrition, measured on its default world (seed 1): of the records a lab would hold (videos
 * created in the 30 days before the anchor, their comments, and the ads shown then), the share that stops being
 * served per day over the next 90 days. What the purge fuse's defaults are checked against (README, "The purge
 * fuse"). Comments are split into those gone on their own (their video still served) and those that go with
 * their video: only the first are confirmed by their own listing and count towards the fuse.
 *
 *   node --import tsx scripts/natural-attrition.ts [--seed N] [--days N]
 */
import { World } from '../lib/emulator/world';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const seed = arg('--seed', 1);
const days = arg('--days', 90);
const DAY = 86_400_000;
const anchor = new Date('2026-01-01T00:00:00Z');
const world = new World(seed, anchor);

const corpusFrom = anchor.getTime() - 30 * DAY;
const videos = world.listVideos().filter((v) => v.createTime.getTime() >= corpusFrom && v.createTime.getTime() < anchor.getTime() && world.videoExists(v.id, anchor));
const comments = videos.flatMap((v) => world.listComments(v.id).filter((c) => world.commentExists(c.id, anchor)));
const ads = world.listAds().filter((a) => world.adExists(a.id, anchor) && Date.parse(`${a.firstShownDate.slice(0, 4)}-${a.firstShownDate.slice(4, 6)}-${a.firstShownDate.slice(6)}T00:00:00Z`) >= corpusFrom);

const totals = { video: 0, commentOwn: 0, commentWithVideo: 0, ad: 0 };
const exposure = { video: 0, comment: 0, ad: 0 };
let worstDayOwn = 0;
for (let d = 0; d < days; d++) {
  const start = new Date(anchor.getTime() + d * DAY);
  const end = new Date(start.getTime() + DAY);
  const liveVideos = videos.filter((v) => world.videoExists(v.id, start));
  const goneVideos = liveVideos.filter((v) => !world.videoExists(v.id, end)).length;
  const liveComments = comments.filter((c) => world.commentExists(c.id, start));
  let own = 0;
  let withVideo = 0;
  for (const c of liveComments) {
    if (world.commentExists(c.id, end)) continue;
    if (world.videoExists(c.videoId, end)) own += 1;
    else withVideo += 1;
  }
  const liveAds = ads.filter((a) => world.adExists(a.id, start));
  const goneAds = liveAds.filter((a) => !world.adExists(a.id, end)).length;
  totals.video += goneVideos;
  totals.commentOwn += own;
  totals.commentWithVideo += withVideo;
  totals.ad += goneAds;
  exposure.video += liveVideos.length;
  exposure.comment += liveComments.length;
  exposure.ad += liveAds.length;
  const ownShare = (goneVideos + own + goneAds) / Math.max(1, liveVideos.length + liveComments.length + liveAds.length);
  worstDayOwn = Math.max(worstDayOwn, ownShare);
}
const pct = (n: number, of: number) => `${((100 * n) / Math.max(1, of)).toFixed(3)} %`;
const all = exposure.video + exposure.comment + exposure.ad;
console.log(`default world, seed ${seed}: ${videos.length} videos, ${comments.length} comments, ${ads.length} ads collected over 30 days; ${days} days observed`);
console.log(`per day, videos gone:                      ${pct(totals.video, exposure.video)}`);
console.log(`per day, comments gone on their own:       ${pct(totals.commentOwn, exposure.comment)}`);
console.log(`per day, comments gone with their video:   ${pct(totals.commentWithVideo, exposure.comment)}`);
console.log(`per day, ads removed:                      ${pct(totals.ad, exposure.ad)}`);
console.log(`per day, all records gone:                 ${pct(totals.video + totals.commentOwn + totals.commentWithVideo + totals.ad, all)}`);
console.log(`per day, confirmed by their own lookup:    ${pct(totals.video + totals.commentOwn + totals.ad, all)} (worst day ${(100 * worstDayOwn).toFixed(3)} %)`);
