/**
 * The quota plan prices what the refresh sweep really spends: on the emulator, with a corpus of videos, comments,
 * authors and ads all due at once and more due records than one sweep step holds (so a video's comments, spread over
 * the due-index shards, are listed in several steps), the plan's requests for today and collection's reservation
 * (`refreshNeedToday`) and the compliance report's obligations table match the sweep's actual requests within a
 * tight tolerance. (Before one pricing replayed the sweep: planned 225.09 requests, the sweep spent 405.)
 */
import { MS_PER_DAY } from '../../../lib/domain/clock';
import { SWEEP_STEP } from '../../../lib/domain/quota-plan';
import { quotaPlan, refreshNeedToday } from '../../../lib/jobs/quota-plan';
import { refresh } from '../../../lib/jobs/refresh';
import { complianceReport } from '../../../lib/jobs/report';
import { activeRecords, collectAll, complianceConfig, complianceWorld, type ComplianceWorld } from './compliance-support';

// Ads on the same 15-day cadence as research data, so one sweep covers every kind.
const config = complianceConfig((doc) => {
  doc.policies = { 'tiktok-commercial': { version: 2, refreshWithinDays: 15 } };
  doc.sources.research.dailyRequests = 100_000;
  doc.sources.ads.dailyRequests = 100_000;
});

describe('quota plan against the refresh sweep on the emulator', () => {
  const worlds: ComplianceWorld[] = [];
  afterAll(async () => {
    for (const w of worlds) await w.close();
  });

  it("prices today's due records (with comments spread over several sweep steps) within 20% above what the sweep spends", async () => {
    // Prepare: a corpus larger than one sweep step (1000 records; its comments alone fill more than one), few
    // deletions so nothing is skipped by cascade
    const w = await complianceWorld({
      config,
      dailyRequests: 100_000,
      world: { videosPerDay: 30, maxCommentsPerVideo: 30, videoDeletionShare: 0, videoPrivateShare: 0, accountDeletionShare: 0, commentDeletionShare: 0.02, adRemovalShare: 0.05 },
    });
    worlds.push(w);
    await collectAll(w);
    const records = [...(await activeRecords(w)).values()];
    const comments = records.filter((r) => r.ref.kind === 'comment');
    const parents = new Set(comments.map((r) => r.parentKey));
    expect(comments.length).toBeGreaterThan(SWEEP_STEP);
    expect(records.length).toBeGreaterThan(comments.length);
    // the report's obligations table, read while every deadline is still ahead
    const ahead = await complianceReport(w.fx.ctx, { horizonDays: 20 });
    const reportedAhead = (source: string) => ahead.obligations.sources.find((s) => s.source === source)!.days.reduce((n, d) => n + d.requests, 0);
    w.fx.clock.advance(16 * MS_PER_DAY);

    // Act
    const plan = await quotaPlan(w.fx.ctx);
    const reserved = await refreshNeedToday(w.fx.ctx);
    const sweep = await refresh(w.fx.ctx, { clients: w.clients, pollIntervalMs: 0 });

    // Assess: the sweep did everything in one run
    expect(sweep).toMatchObject({ due: records.length, failed: 0, unprocessed: 0 });
    expect(sweep.stopped).toBeUndefined();
    // a video's comments were listed more than once (one listing per sweep step holding some of them)
    const actual = sweep.requests.research!;
    expect(actual).toBeGreaterThan(parents.size + records.filter((r) => r.ref.kind === 'user').length + 1);
    for (const source of ['research', 'ads']) {
      const spent = sweep.requests[source] ?? 0;
      const planned = plan.sources.find((s) => s.source === source)!.requestsNeededToday;
      expect({ source, planned, spent, atLeast: planned >= spent, within20: planned <= 1.2 * spent }).toEqual({ source, planned, spent, atLeast: true, within20: true });
      // collection's reservation (compliance first) and the report's obligations table price the same way
      expect({ source, reserved: reserved[source], ok: reserved[source]! >= spent && reserved[source]! <= 1.2 * spent + 1 }).toEqual({ source, reserved: reserved[source], ok: true });
      const reported = reportedAhead(source);
      expect({ source, reported, ok: reported >= spent && reported <= 1.2 * spent }).toEqual({ source, reported, ok: true });
    }
  }, 300_000);
});
