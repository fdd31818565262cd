/**
 * Collect end to end: the TikTok clients against the emulator, the jobs against DynamoDB Local and s3rver.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { parseJson } from '../../../lib/domain/json';
import { MS_PER_DAY } from '../../../lib/domain/clock';
import { objectKeyOf, parseRecordKey, recordKeyOf, type ActiveRecord } from '../../../lib/domain/records';
import { startEmulator, type RunningEmulator } from '../../../lib/emulator';
import { collect } from '../../../lib/jobs/collect';
import { recordHistory } from '../../../lib/jobs/audit-query';
import { verify } from '../../../lib/jobs/verify';
import { tiktokSources, userRef } from '../../../lib/jobs/tiktok-sources';
import { CommercialContentClient, ResearchApiClient } from '../../../lib/platforms/tiktok';
import { testS3Client } from '../../support/local-aws';
import { localJobContext, testConfig, type LocalJobFixture } from '../../support/job-context';

const CLIENT = { clientKey: 'lab-key', clientSecret: 'lab-secret' };
// 15 videos a day: enough for every collection path; the quota-stop test keeps 30 (it must take several days).
const WORLD = { users: 300, videosPerDay: 15, historyDays: 60, futureDays: 20, maxCommentsPerVideo: 6, adsPerYear: 600, advertisers: 30 };

const config = testConfig((doc) => {
  doc.specs.push(
    { name: 'climate-comments', source: 'research', kind: 'comment', parentSpec: 'climate-videos', maxPerVideo: 50, schedule: 'rate(1 day)' },
    { name: 'climate-authors', source: 'research', kind: 'user', parentSpec: 'climate-videos', schedule: 'rate(1 day)' },
    { name: 'eu-ads', source: 'ads', kind: 'ad', countries: ['DE', 'FR'], window: { rollingDays: 30 }, schedule: 'rate(1 day)' },
  );
});

interface World {
  fx: LocalJobFixture;
  emulator: RunningEmulator;
  research: ResearchApiClient;
  sourceFor: ReturnType<typeof tiktokSources>;
}

async function world(options: { dailyRequests?: number; stable?: boolean; videosPerDay?: number } = {}): Promise<World> {
  const fx = await localJobContext({ config });
  const sized = { ...WORLD, ...(options.videosPerDay ? { videosPerDay: options.videosPerDay } : {}) };
  const emulator = await startEmulator({
    clock: fx.clock,
    credentials: [CLIENT],
    // A stable world (nothing deleted) makes the truth independent of the days a resumed run spans.
    world: options.stable ? { ...sized, videoDeletionShare: 0, videoPrivateShare: 0, accountDeletionShare: 0 } : sized,
    ...(options.dailyRequests ? { quota: { dailyRequests: options.dailyRequests } } : {}),
  });
  const clientOptions = { ...CLIENT, baseUrl: emulator.url, clock: fx.clock, sleep: async () => {} };
  const research = new ResearchApiClient(clientOptions);
  const commercial = new CommercialContentClient(clientOptions);
  const sourceFor = tiktokSources({ ...fx.ctx, research: () => research, commercial: () => commercial });
  return { fx, emulator, research, sourceFor };
}

const videoTruth = (w: World) =>
  w.emulator.world
    .matchVideos({ query: config.specs[0]!.kind === 'video' ? config.specs[0]!.query : {}, start_date: '20260131', end_date: '20260301' }, w.fx.clock.now())
    .sort();

describe('collect against the emulator and the local services', () => {
  const worlds: World[] = [];
  afterAll(async () => {
    for (const w of worlds) {
      w.fx.destroy();
      await w.emulator.stop();
    }
  });

  it('collects videos, their comments, their authors and ads; a second run duplicates nothing', async () => {
    // Prepare
    const w = await world();
    worlds.push(w);

    // Act
    const first = await collect(w.fx.ctx, { sourceFor: w.sourceFor });
    const second = await Promise.all(config.specs.map((s) => collect(w.fx.ctx, { sourceFor: w.sourceFor, specName: s.name })));

    // Assess: videos are exactly the platform's truth for the window
    const bySpec = Object.fromEntries(first.specs.map((s) => [s.spec, s]));
    const truth = videoTruth(w);
    expect(bySpec['climate-videos']).toMatchObject({ outcome: 'finished', newRecords: truth.length });
    const refs = truth.map((id) => ({ platform: 'tiktok' as const, kind: 'video' as const, id }));
    const records = await w.fx.ctx.ledger.getRecords(refs);
    expect(records.size).toBe(truth.length);

    // comments: every visible comment of every collected video, linked to its video
    const now = w.fx.clock.now();
    const expectedComments = truth.flatMap((id) => w.emulator.world.listComments(id).filter((c) => w.emulator.world.commentExists(c.id, now)));
    expect(bySpec['climate-comments']!.newRecords).toBe(expectedComments.length);
    const someComment = expectedComments[0]!;
    const commentRecord = (await w.fx.ctx.ledger.getRecords([{ platform: 'tiktok', kind: 'comment', id: String(someComment.id) }])).values().next().value;
    expect(commentRecord).toMatchObject({ status: 'active', parentKey: `tiktok:video:${someComment.videoId}` });

    // authors: one user record per distinct author, keyed by a hash (no username in the ledger)
    const authors = new Set(truth.map((id) => String(w.emulator.world.video(id, now)!.username)));
    expect(bySpec['climate-authors']!.newRecords).toBe(authors.size);
    const author = [...authors][0]!;
    const userRecord = (await w.fx.ctx.ledger.getRecords([userRef(w.fx.ctx.hasher, author)])).values().next().value;
    expect(userRecord?.status).toBe('active');
    expect(JSON.stringify(userRecord)).not.toContain(author);
    const video = records.get(recordKeyOf(refs[0]!));
    expect(video).toMatchObject({ parentKey: expect.stringMatching(/^tiktok:user:[0-9a-f]{32}$/) });

    expect(bySpec['eu-ads']!.newRecords).toBeGreaterThan(0);

    // the second run: nothing new, nothing duplicated
    for (const run of second) {
      expect(run.specs[0]).toMatchObject({ newRecords: 0 });
    }
  }, 180_000);

  it('writes plain JSON objects that any S3 client can read, with exact ids', async () => {
    const w = await world();
    worlds.push(w);
    await collect(w.fx.ctx, { sourceFor: w.sourceFor, specName: 'climate-videos' });
    const id = videoTruth(w)[0]!;

    // A plain S3 client, no Steward code: the bytes are JSON with the 19-digit id as written by the platform.
    const object = await testS3Client().send(new GetObjectCommand({ Bucket: w.fx.bucket, Key: objectKeyOf({ platform: 'tiktok', kind: 'video', id }) }));
    const text = await object.Body!.transformToString();
    expect(text).toContain(`"id":${id}`);
    expect((parseJson(text) as { id: bigint }).id.toString()).toBe(id);
    expect(object.ContentType).toBe('application/json');
  });

  it('a quota stop resumes the next day with no gap and no duplicate', async () => {
    // Prepare: 3 requests a day (with no refresh reserve) cannot collect the window in one day
    const w = await world({ dailyRequests: 3, stable: true, videosPerDay: 30 });
    worlds.push(w);
    const tight = testConfig((doc) => {
      doc.sources.research.dailyRequests = 1000;
      doc.sources.research.refreshReserve = 0;
      doc.specs[0].maxCount = 20;
    });
    const ctx = { ...w.fx.ctx, config: tight };
    // The scan is a snapshot of the window when it started: videos posted later are the next run's.
    const truth = videoTruth(w);

    // Act
    const reports = [];
    for (let day = 0; day < 30; day++) {
      const report = await collect(ctx, { sourceFor: w.sourceFor, specName: 'climate-videos' });
      reports.push(report.specs[0]!);
      if (report.specs[0]!.outcome === 'finished') break;
      expect(report.specs[0]).toMatchObject({ outcome: 'quota-exhausted', resumed: day > 0 });
      w.fx.clock.set(new Date(report.specs[0]!.resetsAt!));
    }

    // Assess
    expect(reports.length).toBeGreaterThan(2);
    expect(reports.at(-1)!.outcome).toBe('finished');
    const collected = reports.reduce((n, r) => n + r.newRecords, 0);
    expect(collected).toBe(truth.length); // nothing twice, nothing missing
    const records = await w.fx.ctx.ledger.getRecords(truth.map((id) => ({ platform: 'tiktok' as const, kind: 'video' as const, id })));
    expect(records.size).toBe(truth.length);
    // the quota book saw every request the client sent
    const day = w.fx.clock.now().toISOString().slice(0, 10);
    expect((await w.fx.ctx.ledger.getQuotaUsage('research', day)).requests).toBe(reports.at(-1)!.requests);
  });

  it('a known record collected again is refreshed: its deadline moves as a refresh would move it, audited as record.refreshed', async () => {
    // Prepare
    const w = await world({ stable: true });
    worlds.push(w);
    const first = await collect(w.fx.ctx, { sourceFor: w.sourceFor, specName: 'climate-videos' });
    const keys = await w.fx.ctx.ledger.recordsOfSpec('climate-videos', { limit: 1000 });
    const before = await w.fx.ctx.ledger.getRecords(keys.keys.map(parseRecordKey));
    w.fx.clock.advance(5 * MS_PER_DAY);

    // Act
    const again = await collect(w.fx.ctx, { sourceFor: w.sourceFor, specName: 'climate-videos' });

    // Assess
    expect(first.specs[0]!.newRecords).toBeGreaterThan(5);
    expect(again.specs[0]!.unchanged + again.specs[0]!.changed).toBeGreaterThan(0);
    const after = await w.fx.ctx.ledger.getRecords(keys.keys.map(parseRecordKey));
    const now = w.fx.clock.now().getTime();
    const seenAgain = [...after.values()].filter((r): r is ActiveRecord => r.status === 'active' && Date.parse(r.lastSeenAt) === now);
    expect(seenAgain.length).toBe(again.specs[0]!.unchanged + again.specs[0]!.changed);
    for (const record of seenAgain) {
      const old = before.get(recordKeyOf(record.ref));
      // 15 days from this collection, as the refresh sweep would stamp it; 5 days later than before
      expect(Date.parse(record.refreshDueAt)).toBe(now + 15 * MS_PER_DAY);
      expect(old?.status === 'active' && Date.parse(record.refreshDueAt) - Date.parse(old.refreshDueAt)).toBe(5 * MS_PER_DAY);
    }
    const key = recordKeyOf(seenAgain[0]!.ref);
    const history = await recordHistory(w.fx.ctx, key, w.fx.ctx.hasher.hash(key), {});
    expect(history.events.map((e) => e.action)).toEqual(['record.collected', expect.stringMatching(/^record\.(refreshed|changed)$/)]);
    expect(history.events[1]).toMatchObject({ evidence: { method: 'collect' } });
    // The log backs the moved deadline: verify finds nothing wrong.
    const checked = await verify(w.fx.ctx);
    expect(checked.violations).toEqual([]);
  });
});
