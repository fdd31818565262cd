/**
 * The compliance report on DynamoDB Local and s3rver: its figures equal what the ledger holds (read here with a
 * raw Scan, which only a test may do), refreshes are classified on time or late against the deadline in force,
 * the overdue case exits 1, and the HTML is one self-contained file with SVG charts that carry data.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { EXIT_OK, EXIT_VIOLATION } from '../../../lib/domain/errors';
import { RECORD_KINDS } from '../../../lib/domain/records';
import { complianceReport, refreshRequests, zeroKinds, zeroReasons, type ComplianceReport } from '../../../lib/jobs/report';
import { renderReport } from '../../../lib/jobs/report/render';
import { runReport } from '../../../bin/cli/report-command';
import { localJobContext, type LocalJobFixture } from '../../support/job-context';
import { collectRecords, DAY, ledgerTableOf, purgeRecord, rawDoc, refreshRecords, run } from '../../support/compliance-world';

const keys = {
  videos: Array.from({ length: 6 }, (_, i) => `tiktok:video:${7_320_000_000_000_000_100n + BigInt(i)}`),
  comments: Array.from({ length: 3 }, (_, i) => `tiktok:comment:${7_321_000_000_000_000_100n + BigInt(i)}`),
  users: ['tiktok:user:0123456789abcdef0123456789abcdef', 'tiktok:user:fedcba9876543210fedcba9876543210'],
  ads: ['tiktok:ad:1780000000000001', 'tiktok:ad:1780000000000002'],
};

let fx: LocalJobFixture;
const raw = rawDoc();

/**
 * Day 0: 13 records collected. Day 10: 2 videos refreshed (on time). Day 12: a video purged (unavailable), a
 * comment purged (erasure). Day 14: a pending purge begins on an ad. Day 17: a video refreshed 2 days late, a user
 * purged (expired).
 */
beforeAll(async () => {
  fx = await localJobContext({ now: '2026-03-01T06:00:00Z' });
  const { ctx, clock } = fx;
  await run(ctx, 'collect-r1', async (chain) => {
    await collectRecords(ctx, chain, [...keys.videos, ...keys.comments, ...keys.users, ...keys.ads]);
  });
  await ctx.ledger.addQuotaUsage('research', '2026-03-11', { requests: 42, records: 13 });
  clock.advance(10 * DAY);
  await run(ctx, 'refresh-r1', (chain) => refreshRecords(ctx, chain, [keys.videos[0]!, keys.videos[1]!]));
  clock.advance(2 * DAY);
  await run(ctx, 'purge-r1', async (chain) => {
    await purgeRecord(ctx, chain, keys.videos[5]!, 'unavailable');
    await purgeRecord(ctx, chain, keys.comments[2]!, 'erasure', { rule: 'erasure-request', request: 'ER-1' });
  });
  clock.advance(2 * DAY);
  await ctx.ledger.updateRecords([{ kind: 'purge-pending', key: keys.ads[1]!, at: clock.now().toISOString(), reason: 'unavailable', evidence: { rule: 'batch-lookup', logId: 'L9' } }]);
  clock.advance(3 * DAY);
  await run(ctx, 'refresh-r2', (chain) => refreshRecords(ctx, chain, [keys.videos[2]!]));
  await run(ctx, 'expire-r1', async (chain) => {
    await purgeRecord(ctx, chain, keys.users[1]!, 'expired', { rule: 'max-retention' });
  });
});
afterAll(() => {
  fx?.destroy();
  raw.destroy();
});

/** The ledger as it is, item by item (a Scan: test-only). */
async function ledgerTruth() {
  const out = await raw.doc.send(new ScanCommand({ TableName: ledgerTableOf(fx.ctx), ConsistentRead: true }));
  const items = out.Items ?? [];
  const active = items.filter((i) => String(i.pk).startsWith('rec#'));
  const tombs = items.filter((i) => String(i.pk).startsWith('tomb#'));
  const activeByKind = zeroKinds();
  for (const i of active) activeByKind[i.kind as keyof typeof activeByKind] += 1;
  const tombByKind = zeroKinds();
  const byReason = zeroReasons();
  for (const t of tombs) {
    tombByKind[t.kind as keyof typeof tombByKind] += 1;
    byReason[t.reason as keyof typeof byReason] += 1;
  }
  return { active, tombs, activeByKind, tombByKind, byReason, pending: active.filter((i) => i.purgePending).length };
}

describe('compliance report', () => {
  let report: ComplianceReport;
  beforeAll(async () => {
    report = await complianceReport(fx.ctx);
  });

  it('counts records by status exactly as the ledger holds them', async () => {
    const truth = await ledgerTruth();
    expect(report.records).toEqual({
      total: truth.active.length + truth.tombs.length,
      active: truth.active.length,
      activeByKind: truth.activeByKind,
      pendingPurge: truth.pending,
      tombstoned: truth.tombs.length,
      tombstonedByKind: truth.tombByKind,
    });
    // and the world is what we think it is, so the comparison above is not vacuous
    expect(report.records).toMatchObject({ active: 10, tombstoned: 3, pendingPurge: 1 });
  });

  it('counts purges by reason and by day as the tombstones say', async () => {
    const truth = await ledgerTruth();
    expect(report.purges.byReason).toEqual(truth.byReason);
    expect(report.purges.total).toBe(truth.tombs.length);
    expect(report.purges.perDay).toEqual([
      { day: '2026-03-13', byReason: { ...zeroReasons(), unavailable: 1, erasure: 1 }, total: 2 },
      { day: '2026-03-18', byReason: { ...zeroReasons(), expired: 1 }, total: 1 },
    ]);
  });

  it('classifies refreshes against the deadline in force: 2 on time, 1 late by two days', () => {
    expect(report.refreshes).toMatchObject({ total: 3, onTime: 2, late: 1, unknown: 0 });
    expect(report.refreshes.byKind.video).toEqual({ onTime: 2, late: 1 });
    expect(report.refreshes.lateItems).toEqual([
      expect.objectContaining({ recordHash: fx.ctx.hasher.hash(keys.videos[2]!), kind: 'video', hoursLate: 48, event: 'refresh-r2#2' }),
    ]);
  });

  it('breaks refreshes, overdue records and purges down per spec (climate-videos: videos, comments, users; eu-ads: ads)', async () => {
    const truth = await ledgerTruth();
    const none = zeroReasons();
    expect(report.specs).toEqual([
      // 11 collected, 3 purged (a video unavailable, a comment erased, a user expired); 3 refreshes, 2 on time;
      // overdue on day 17: the 5 records collected on day 0 and never refreshed (videos 3-4, comments 0-1, user 0).
      { spec: 'climate-videos', records: 11, active: 8, refreshes: 3, onTime: 2, late: 1, onTimeShare: 0.6667, overdue: 5, purgedByReason: { ...none, unavailable: 1, erasure: 1, expired: 1 } },
      // 2 ads, none refreshed (30-day policy), one pending purge past its 24 h window.
      { spec: 'eu-ads', records: 2, active: 2, refreshes: 0, onTime: 0, late: 0, onTimeShare: null, overdue: 1, purgedByReason: none },
    ]);
    // The same records as the ledger, split by spec.
    expect(report.specs!.reduce((a, sp) => a + sp.records, 0)).toBe(truth.active.length + truth.tombs.length);
    expect(report.specs!.reduce((a, sp) => a + sp.onTime + sp.late, 0)).toBe(report.refreshes.onTime + report.refreshes.late);
  });

  it('lists every overdue obligation (and so is not ok), from the active records', async () => {
    const truth = await ledgerTruth();
    // Every active record collected on day 0 and not refreshed is past its 15-day deadline on day 17; the pending
    // purge (begun day 14) is past its 24 h; the commercial-policy ads have 30 days.
    const refreshed = new Set([keys.videos[0], keys.videos[1], keys.videos[2]].map((k) => fx.ctx.hasher.hash(k!)));
    const expectedRefresh = truth.active.filter((i) => i.kind !== 'ad' && !i.purgePending).length - refreshed.size;
    expect(report.overdue.byObligation).toEqual({ refresh: expectedRefresh, expiry: 0, purge: 1 });
    expect(report.overdue.count).toBe(expectedRefresh + 1);
    expect(report.overdue.items.every((o) => !refreshed.has(o.recordHash))).toBe(true);
    expect(report.ok).toBe(false);
  });

  it('spreads the refresh deadlines of the active records over the days, per source, against the quota', async () => {
    const research = report.obligations.sources.find((s) => s.source === 'research')!;
    const ads = report.obligations.sources.find((s) => s.source === 'ads')!;
    expect(research.dailyRequests).toBe(fx.ctx.config.sources.research!.dailyRequests);
    // Each active record is counted once: overdue, or on the day of its deadline, or pending.
    const dueInDays = (s: typeof research) => s.days.reduce((n, d) => n + RECORD_KINDS.reduce((m, k) => m + d.due[k], 0), 0);
    const activeIn = (s: typeof research) => RECORD_KINDS.reduce((n, k) => n + s.active[k], 0);
    expect(dueInDays(research) + research.overdueRecords).toBe(activeIn(research));
    expect(dueInDays(ads) + ads.overdueRecords + 1).toBe(activeIn(ads)); // + the pending purge
    // The 3 refreshed videos fall due 15 days after their refresh.
    const day26 = research.days.find((d) => d.day === '2026-03-26')!;
    expect(day26.due.video).toBe(2);
    expect(day26.requests).toBe(1); // 2 videos, one lookup request
    expect(research.history.find((h) => h.day === '2026-03-11')?.usedRequests).toBe(42);
    expect(refreshRequests({ ...zeroKinds(), video: 250, comment: 1, user: 3, ad: 2 }, 'lookup')).toBe(3 + 1 + 3 + 2);
    expect(refreshRequests({ ...zeroKinds(), video: 25_000 }, 'existence-check')).toBe(9);
  });

  it('exits 1 while anything is overdue, 0 once nothing is', async () => {
    // Prepare: a fresh project where everything was just collected
    const fresh = await localJobContext({ now: '2026-03-01T06:00:00Z' });
    try {
      await run(fresh.ctx, 'collect-f', async (chain) => {
        await collectRecords(fresh.ctx, chain, keys.videos.slice(0, 2));
      });

      // Act
      const now = await runReport(fresh.ctx, { format: 'md' });
      fresh.clock.advance(16 * DAY);
      const later = await runReport(fresh.ctx, { format: 'json' });

      // Assess
      expect(now.exitCode).toBe(EXIT_OK);
      expect(now.text).toMatch(/\*\*Status: Compliant: nothing is overdue and every refresh was on time/);
      expect(later.exitCode).toBe(EXIT_VIOLATION);
      expect(JSON.parse(later.text)).toMatchObject({ ok: false, overdue: { count: 2 } });
    } finally {
      fresh.destroy();
    }
  });

  it('renders one self-contained HTML file: no external reference, no script, two kinds of SVG chart with data', () => {
    const html = renderReport(report, 'html');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\((?!#)|\bsrc=|\bhref=/i);
    // The only url() references are to clip paths inside the same file.
    for (const [, id] of html.matchAll(/url\(#([^)]+)\)/g)) expect(html).toContain(`id="${id}"`);
    expect(html).toMatch(/<h2>Refreshes and purges per spec<\/h2>[\s\S]*<table class="specs">[\s\S]*<td>climate-videos<\/td><td class="n">11<\/td>/);
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs.length).toBe(3 + report.obligations.sources.length); // timeline, purges, survival, one quota chart per source
    const purges = svgs.find((s) => s.includes('id="purges"'))!;
    // Bars drawn (ECharts marks its chart shapes): 2 reasons on day 13, 1 on day 18, in the reasons' colours.
    const bars = (svg: string) => svg.match(/<path [^>]*fill="#[0-9a-f]{6}"[^>]*ecmeta_ssr_type="chart"/g) ?? [];
    expect(bars(purges)).toHaveLength(3);
    for (const reason of ['unavailable', 'expired', 'erasure', 'cascade']) expect(purges).toContain(`>${reason}</text>`);
    const quota = svgs.find((s) => s.includes('Source research:'))!;
    expect(quota).toMatch(/stroke="#c0392b"[^>]*stroke-dasharray/); // the quota line
    expect(quota).toMatch(/>quota [\d.]+k?<\/text>/);
    expect(bars(quota).length).toBeGreaterThan(1);
    expect(html).toContain('Not compliant');
    // Per-day tables scroll on screen and print in full: none hides in a collapsed block.
    expect(html).not.toContain('<details');
    expect(html).toMatch(/@media print \{.*\.perday \{ max-height: none; overflow: visible;/);
  });

  it('says compliant only when every refresh was on time: else the share on time, in words', () => {
    expect(report.badge).toMatchObject({ compliant: false, onTimeShare: 2 / 3 });
    expect(report.badge.text).toMatch(/^Not compliant: 66\.7 % of refreshes were on time \(2 of 3\); \d+ obligation\(s\) overdue\.$/);
    expect(renderReport(report, 'md')).toContain(`**Status: ${report.badge.text}**`);
  });

  it('draws the corpus over the whole project from the audit log: collected, refreshed, purged by reason, active per kind', () => {
    const days = report.timeline;
    expect(days[0]!.day).toBe('2026-03-01');
    expect(days[days.length - 1]!.day).toBe(report.generatedAt.slice(0, 10));
    expect(days).toHaveLength(18);
    const total = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
    expect(total(days[0]!.collected)).toBe(13);
    expect(days.find((d) => d.day === '2026-03-13')).toMatchObject({ purgedByReason: { unavailable: 1, erasure: 1 }, purged: { video: 1, comment: 1 } });
    expect(total(days.find((d) => d.day === '2026-03-11')!.refreshed)).toBe(2);
    expect(days[days.length - 1]!.active).toEqual(report.records.activeByKind);
    // The quota axis covers the whole project too.
    expect(report.obligations.sources[0]!.history[0]!.day).toBe('2026-03-01');
  });

  it('renders Markdown and JSON with the same figures', () => {
    const md = renderReport(report, 'md');
    expect(md).toContain(`| active | ${RECORD_KINDS.map((k) => report.records.activeByKind[k]).join(' | ')} | ${report.records.active} |`);
    expect(md).toContain('| unavailable | 1 |');
    expect(md).toContain('| climate-videos | 11 | 8 | 3 | 2 | 1 | 66.7 % | 5 | 1 | 1 | 1 | 0 |');
    expect(md).toContain('| eu-ads | 2 | 2 | 0 | 0 | 0 | – | 1 | 0 | 0 | 0 | 0 |');
    expect(JSON.parse(renderReport(report, 'json'))).toEqual(JSON.parse(JSON.stringify(report)));
  });
});
