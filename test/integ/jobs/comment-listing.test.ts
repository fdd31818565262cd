/**
 * One listing per video: a sweep refreshes every due comment of a video with a single listing of that video, wherever
 * the comments sit in the due index (also in the shards of their own keys, as ledgers written before comments were
 * placed by their video hold them), and moves them to their video's shard as it refreshes them.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { MS_PER_DAY } from '../../../lib/domain/clock';
import { listingRequests } from '../../../lib/domain/quota-plan';
import { objectKeyOf, parseRecordKey, recordKeyOf, type ActiveRecord } from '../../../lib/domain/records';
import { collect } from '../../../lib/jobs/collect';
import { refresh, type RefreshClients } from '../../../lib/jobs/refresh';
import { tiktokSources } from '../../../lib/jobs/tiktok-sources';
import { parseJson } from '../../../lib/domain/json';
import type { ResearchApiClient } from '../../../lib/platforms/tiktok';
import { dueShardOf, type DynamoDbLedger } from '../../../lib/store/dynamodb-ledger';
import { ledgerKeys } from '../../../lib/store/tables';
import { testDynamoClients } from '../../support/local-aws';
import { activeRecords, collectAll, complianceConfig, complianceWorld, type ComplianceWorld } from './compliance-support';

/** Videos and their comments only; up to 1,000 kept comments per video, heavy-tailed counts. */
const config = complianceConfig((doc) => {
  doc.specs = doc.specs.filter((s: { kind: string }) => s.kind === 'video' || s.kind === 'comment');
  doc.specs[0].window = { rollingDays: 5 };
  doc.specs[1].maxPerVideo = 1000;
});

/** Clients whose research client counts comment listings (pages) per video. */
function countingListings(w: ComplianceWorld): RefreshClients & { pagesOf: Map<string, number>; calls: string[] } {
  const base = w.makeClients();
  const inner = base.research();
  const pagesOf = new Map<string, number>();
  const calls: string[] = [];
  const research = Object.create(inner) as ResearchApiClient;
  research.videoComments = (async function* (query: { videoId: string }, options: Parameters<ResearchApiClient['videoComments']>[1]) {
    calls.push(query.videoId);
    for await (const page of inner.videoComments(query as never, options)) {
      pagesOf.set(query.videoId, (pagesOf.get(query.videoId) ?? 0) + 1);
      yield page;
    }
  }) as ResearchApiClient['videoComments'];
  return { research: () => research, commercial: base.commercial, pagesOf, calls };
}

describe('one listing per video', () => {
  let w: ComplianceWorld;
  beforeAll(async () => {
    // ~390 comments on 39 videos, two of them with over 100 (listings of several pages)
    w = await complianceWorld({ config, world: { maxCommentsPerVideo: 150, commentDeletionShare: 0.02, videoDeletionShare: 0, videoPrivateShare: 0, accountDeletionShare: 0 } });
    await collectAll(w);
  }, 120_000);
  afterAll(() => w.close());

  it('lists each video once for all its due comments, in either due-index placement, and moves them to the video’s shard', async () => {
    // Arrange: half of the comments back in the shards of their own keys (the form older ledgers hold)
    const ledger = w.fx.ctx.ledger as DynamoDbLedger;
    const before = [...(await activeRecords(w)).values()];
    const comments = before.filter((r) => r.ref.kind === 'comment');
    const parents = new Map<string, ActiveRecord[]>();
    for (const c of comments) parents.set(c.parentKey!, [...(parents.get(c.parentKey!) ?? []), c]);
    expect(comments.length).toBeGreaterThan(200);
    expect(Math.max(...[...parents.values()].map((l) => l.length))).toBeGreaterThan(100);
    const { doc } = testDynamoClients();
    for (const c of comments.filter((_, i) => i % 2 === 0)) {
      const key = recordKeyOf(c.ref);
      await doc.send(new UpdateCommand({ TableName: ledger.tableName, Key: ledgerKeys.record(key), UpdateExpression: 'SET dueShard = :s', ExpressionAttributeValues: { ':s': ledgerKeys.dueShard(dueShardOf(key)) } }));
    }
    w.fx.clock.advance(14 * MS_PER_DAY);
    const clients = countingListings(w);

    // Act: one sweep in steps of 50, so a video's comments span many steps and shards
    const report = await refresh(w.fx.ctx, { clients, batchSize: 50 });

    // Assess: every video listed once, with no more pages than its comments fill (a kept comment deleted since
    // makes the listing read to its end, new comments included)
    expect(report.stopped).toBeUndefined();
    expect(new Set(clients.calls).size).toBe(clients.calls.length);
    expect(clients.calls.length).toBe(parents.size);
    const at = w.fx.clock.now();
    for (const [parent, kept] of parents) {
      const id = parseRecordKey(parent).id;
      const served = w.emulator.world.listComments(id).filter((c) => w.emulator.world.commentExists(c.id, at)).length;
      expect(clients.pagesOf.get(id) ?? 0).toBeLessThanOrEqual(listingRequests(Math.max(kept.length, served)));
    }
    expect(report.due).toBe(before.length);
    expect(report.unchanged + report.changed + report.missed + report.purged + report.cascaded).toBe(report.due);
    // every comment still kept was refreshed now, and sits in its video's shard
    const after = await activeRecords(w);
    const now = w.fx.clock.now().toISOString();
    for (const c of comments) {
      const record = after.get(recordKeyOf(c.ref));
      if (!record || record.missCount > 0) continue;
      expect(record.lastRefreshedAt).toBe(now);
    }
    for (let shard = 0; shard < ledger.dueShards; shard++) {
      const page = await ledger.queryDue(shard, new Date('9999-01-01T00:00:00Z'), { limit: 1000 });
      for (const r of page.records) if (r.ref.kind === 'comment') expect(dueShardOf(r.parentKey!)).toBe(shard);
    }
  }, 180_000);

  it('daily collection lists only videos with new comments or a kept comment near its deadline, and that listing refreshes them', async () => {
    // Arrange: the day after the sweep above
    w.fx.clock.advance(MS_PER_DAY);
    const kept = async () => {
      const out = new Map<string, ActiveRecord[]>();
      for (const r of (await activeRecords(w)).values()) if (r.ref.kind === 'comment') out.set(r.parentKey!, [...(out.get(r.parentKey!) ?? []), r]);
      return out;
    };
    const parents = await kept();

    // Act: the comment spec's daily run
    const first = countingListings(w);
    const report = await collect(w.fx.ctx, { specName: 'climate-comments', sourceFor: tiktokSources({ ...w.fx.ctx, research: first.research, commercial: first.commercial }) });

    // Assess: only videos whose comment_count shows more than Steward keeps were listed
    expect(report.specs[0]!.outcome).toBe('finished');
    expect(first.calls.length).toBeLessThan(parents.size);
    for (const id of first.calls) {
      const stored = parseJson((await w.fx.ctx.objects.get(objectKeyOf({ platform: 'tiktok', kind: 'video', id })))!.body.toString('utf8')) as { comment_count: number };
      expect(stored.comment_count).toBeGreaterThan((parents.get(`tiktok:video:${id}`) ?? []).length);
    }

    // Act: two weeks later every kept comment is near its deadline, so the daily collection lists every video
    w.fx.clock.advance(12 * MS_PER_DAY);
    const second = countingListings(w);
    await collect(w.fx.ctx, { specName: 'climate-comments', sourceFor: tiktokSources({ ...w.fx.ctx, research: second.research, commercial: second.commercial }) });
    const beforeSweep = await kept();
    const sweep = countingListings(w);
    await refresh(w.fx.ctx, { clients: sweep });

    // Assess: the collection's listings moved the deadlines, so the sweep lists no video again
    expect(second.calls.length).toBeGreaterThanOrEqual(parents.size);
    const now = w.fx.clock.now();
    for (const list of (await kept()).values()) for (const r of list) if (r.missCount === 0) expect(r.lastRefreshedAt).toBe(now.toISOString());
    // only videos with a kept comment the platform no longer serves are listed again: an absence needs the sweep's
    // judgement (a miss or a purge), which collection does not make
    const at = now;
    for (const id of sweep.calls) {
      const vanished = (beforeSweep.get(`tiktok:video:${id}`) ?? []).filter((c) => !w.emulator.world.commentExists(c.ref.id, at));
      expect(vanished.length).toBeGreaterThan(0);
    }
    expect(sweep.calls.length).toBeLessThan(parents.size / 4);
  }, 180_000);
});
