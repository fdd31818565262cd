/**
 * Attrition on DynamoDB Local and s3rver, against a ledger built for it: records put with known posting times,
 * seen again at known times, purged through purgeRecords (unavailable, erasure, expired, a cascade), so every share
 * and every Kaplan-Meier step below was computed by hand. The purge events carry ages only.
 */
import { BadInputError } from '../../../lib/domain/errors';
import { nextActionAt, obligationsFor } from '../../../lib/domain/obligations';
import { newActiveRecord, objectKeyOf, parseRecordKey, type ActiveRecord, type RecordKey } from '../../../lib/domain/records';
import { attritionCsv, attritionReport, attritionText, type AttritionReport } from '../../../lib/jobs/attrition';
import { eventsOf, readAuditLog } from '../../../lib/jobs/audit-read';
import { purgeRecords } from '../../../lib/jobs/purge';
import { commentKey, DAY, run, userKey, videoKey } from '../../support/compliance-world';
import { localJobContext, type LocalJobFixture } from '../../support/job-context';

let fx: LocalJobFixture;
let report: AttritionReport;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const V = Array.from({ length: 7 }, (_, i) => videoKey(100 + i));
const C = [commentKey(100), commentKey(101)];
const U = userKey(100);

/** Put records collected at T0, posted `postedDaysBefore` days earlier (none for accounts). */
async function put(fx: LocalJobFixture, key: RecordKey, spec: string, postedDaysBefore?: number, parentKey?: RecordKey): Promise<void> {
  const { ctx } = fx;
  const ref = parseRecordKey(key);
  const at = new Date(T0).toISOString();
  const policy = ctx.policies['tiktok-research'];
  const o = obligationsFor(new Date(T0), new Date(T0), policy, new Date(`${ctx.config.project.endDate}T00:00:00Z`));
  await ctx.objects.put(objectKeyOf(ref), '{}');
  const record = newActiveRecord({
    ref,
    contentSha256: 'a'.repeat(64),
    sizeBytes: 2,
    provenance: { runId: 'r', specName: spec, queryFingerprint: 'f'.repeat(64), endpoint: 'e', logId: 'L', retrievedAt: at, collectorVersion: 'test', collectedBy: 'schedule' },
    at,
    policy,
    obligations: o,
    platformCreatedAt: postedDaysBefore !== undefined ? (T0 - postedDaysBefore * DAY) / 1000 : undefined,
    parentKey,
  });
  await ctx.ledger.putRecords([record], () => o.refreshDueAt.toISOString());
}

async function at(daysAfterT0: number, work: () => Promise<unknown>): Promise<void> {
  fx.clock.set(new Date(T0 + daysAfterT0 * DAY));
  await work();
}
const seen = (key: RecordKey) => fx.ctx.ledger.updateRecords([{ kind: 'seen', key, at: fx.clock.now().toISOString() }]);
const purgeAt = (key: RecordKey, reason: 'unavailable' | 'erasure' | 'expired') =>
  run(fx.ctx, `purge-${key.slice(-3)}-${reason}`, (chain) => purgeRecords(fx.ctx, [{ key, reason, evidence: { rule: 'test' } }], chain).then(() => undefined));

/**
 * Videos (spec climate-videos), age since posting at the end of follow-up:
 * V0 unavailable at 2 d; V1 seen at 3 d, erased later (censored at 3 d); V2, V3 unavailable at 5 d; V4 seen at 8 d,
 * active (censored); V5 unavailable at 10 d; V6 never seen again, active (censored at 2 d, its collection).
 * Comments (spec climate-comments): C0 under V5, removed with it (censored at 1 d); C1 active (censored at 10 d).
 * Account U (no posting time, spec climate-authors): expired.
 */
beforeAll(async () => {
  fx = await localJobContext({ now: new Date(T0).toISOString() });
  for (const [i, posted] of [1, 1, 2, 3, 1, 5, 2].entries()) await put(fx, V[i]!, 'climate-videos', posted);
  await put(fx, C[0]!, 'climate-comments', 1, V[5]);
  await put(fx, C[1]!, 'climate-comments', 10);
  await put(fx, U, 'climate-authors');
  await at(1, () => purgeAt(V[0]!, 'unavailable'));
  await at(2, async () => {
    await seen(V[1]!);
    await purgeAt(V[3]!, 'unavailable');
  });
  await at(3, () => purgeAt(V[2]!, 'unavailable'));
  await at(4, () => purgeAt(V[1]!, 'erasure'));
  await at(5, () => purgeAt(V[5]!, 'unavailable'));
  await at(6, () => purgeAt(U, 'expired'));
  await at(7, () => seen(V[4]!));
  fx.clock.set(new Date(T0 + 8 * DAY));
  report = await attritionReport(fx.ctx);
});
afterAll(() => fx?.destroy());

describe('attrition report', () => {
  it('gives each spec and kind its shares by outcome', () => {
    const row = (spec: string) => report.shares.find((s) => s.spec === spec)!;
    expect(row('climate-videos')).toMatchObject({ kind: 'video', collected: 7, counts: { active: 2, held: 0, unavailable: 4, erasure: 1, expired: 0, cascade: 0 }, removedShare: 0.7143 });
    expect(row('climate-videos').shares).toMatchObject({ active: 0.2857, unavailable: 0.5714, erasure: 0.1429 });
    expect(row('climate-comments')).toMatchObject({ kind: 'comment', collected: 2, counts: { active: 1, cascade: 1 }, removedShare: 0.5 });
    expect(row('climate-authors')).toMatchObject({ kind: 'user', collected: 1, counts: { expired: 1 }, removedShare: 1 });
    expect(report.totals.map((t) => [t.kind, t.collected])).toEqual([
      ['video', 7],
      ['comment', 2],
      ['user', 1],
    ]);
  });

  it('estimates survival with records still active, erased or removed with a parent censored at their last confirmation', () => {
    const videos = report.survival.find((c) => c.group === 'video')!;
    expect(videos.steps.map((s) => [s.ageDays, s.atRisk, s.events, s.censored, s.survival])).toEqual([
      [2, 7, 1, 1, 0.857143],
      [3, 5, 0, 1, 0.857143],
      [5, 4, 2, 0, 0.428571],
      [8, 2, 0, 1, 0.428571],
      [10, 1, 1, 0, 0],
    ]);
    expect(videos.medianDays).toBe(5);
    const all = report.survival.find((c) => c.group === 'all')!;
    expect(all).toMatchObject({ subjects: 9, events: 4, censored: 5, withoutAge: 1, medianDays: 10 });
    expect(all.steps.map((s) => [s.ageDays, s.atRisk, s.survival])).toEqual([
      [1, 9, 1],
      [2, 8, 0.875],
      [3, 6, 0.875],
      [5, 5, 0.525],
      [8, 3, 0.525],
      [10, 2, 0.2625],
    ]);
    expect(report.survival.find((c) => c.group === 'comment')).toMatchObject({ subjects: 2, events: 0, medianDays: null });
    expect(report.survival.some((c) => c.group === 'user')).toBe(false);
  });

  it('keeps only ages and reasons in the purge events', async () => {
    const purged = eventsOf(await readAuditLog(fx.ctx.audit)).filter((e) => e.action === 'record.purged');
    const v5 = purged.find((e) => e.recordHash === fx.ctx.hasher.hash(V[5]!))!;
    expect(v5.evidence).toMatchObject({ ageHours: 240, lastSeenAgeHours: 120 });
    expect(JSON.stringify(purged)).not.toMatch(/platformCreatedAt|7320000/);
  });

  it('filters by spec, and refuses an unknown spec as bad input', async () => {
    const only = await attritionReport(fx.ctx, { spec: 'climate-comments' });
    expect(only.shares.map((s) => s.spec)).toEqual(['climate-comments']);
    await expect(attritionReport(fx.ctx, { spec: 'nope' })).rejects.toThrow(BadInputError);
  });

  it('prints a table and a CSV of the same numbers', () => {
    expect(attritionText(report)).toMatch(/climate-videos \/ video\s+7\s+28\.6 %/);
    const csv = attritionCsv(report).trim().split('\n');
    expect(csv[0]).toBe('spec,kind,collected,active,held,unavailable,erasure,expired,cascade,active_share,held_share,unavailable_share,erasure_share,expired_share,cascade_share,removed_share');
    expect(csv).toContain('climate-videos,video,7,2,0,4,1,0,0,0.2857,0,0.5714,0.1429,0,0,0.7143');
  });
});
