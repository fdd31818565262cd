/**
 * Expiry by a policy's maximum retention, long before the project ends: videos collected on day 0 and day 10 under
 * a 20-day limit; a refresh on day 14 does not extend the limit (it runs from first collection); on day 21 the
 * expiry sweep purges the day-0 records (every object gone, `expired` tombstones, `record.purged` events with the
 * retention rule) and keeps the day-10 ones. Its dry run counts the same and changes nothing.
 */
import { MS_PER_DAY } from '../../../lib/domain/clock';
import type { Tombstone } from '../../../lib/domain/records';
import { collect } from '../../../lib/jobs/collect';
import { expire } from '../../../lib/jobs/expire';
import { verify } from '../../../lib/jobs/verify';
import { effectivePolicies } from '../../../lib/config/load';
import { refresh } from '../../../lib/jobs/refresh';
import { ReportingKeyManager } from '../../../lib/store/key-manager';
import { activeRecords, complianceConfig, complianceWorld, ledgerStates, storeSnapshot, type ComplianceWorld } from './compliance-support';

const RETENTION_DAYS = 20;
const config = complianceConfig((doc) => {
  doc.specs = doc.specs.filter((s: { kind: string }) => s.kind === 'video');
  doc.specs[0].window = { rollingDays: 5 };
  doc.policies = { 'tiktok-research': { version: 2, maxRetentionDays: RETENTION_DAYS } };
});

describe('expiry by maximum retention', () => {
  let w: ComplianceWorld;
  afterAll(async () => {
    await w?.close();
  });

  it('purges what is older than the limit, keeps what is younger, before the project end', async () => {
    // Prepare: collect on day 0 and day 10, refresh on day 14, then day 21
    w = await complianceWorld({ config, world: { videosPerDay: 6 } });
    const { ctx, clock } = w.fx;
    const day0 = clock.now();
    expect((await collect(ctx, { sourceFor: w.sourceFor })).specs[0]!.outcome).toBe('finished');
    const first = new Set((await activeRecords(w)).keys());
    clock.advance(10 * MS_PER_DAY);
    expect((await collect(ctx, { sourceFor: w.sourceFor })).specs[0]!.outcome).toBe('finished');
    const second = new Set([...(await activeRecords(w)).keys()].filter((k) => !first.has(k)));
    expect(first.size).toBeGreaterThan(5);
    expect(second.size).toBeGreaterThan(5);
    clock.advance(4 * MS_PER_DAY);
    const swept = await refresh(ctx, { clients: w.clients });
    expect(swept.unchanged + swept.changed).toBeGreaterThan(0);
    const limit = new Date(day0.getTime() + RETENTION_DAYS * MS_PER_DAY).toISOString();
    const beforeExpiry = await activeRecords(w);
    const old = [...beforeExpiry.values()].filter((r) => first.has(`tiktok:video:${r.ref.id}`));
    expect(old.length).toBeGreaterThan(3);
    // refreshed on day 14, yet still bound to the limit counted from day 0
    expect(old.filter((r) => r.lastRefreshedAt === clock.now().toISOString()).length).toBeGreaterThan(0);
    for (const r of old) expect({ id: r.ref.id, expiresAt: r.expiresAt, policyVersion: r.policyVersion }).toEqual({ id: r.ref.id, expiresAt: limit, policyVersion: 2 });
    clock.set(new Date(day0.getTime() + (RETENTION_DAYS + 1) * MS_PER_DAY));
    const snapshot = await storeSnapshot(ctx);

    // Act
    const dry = await expire(ctx, { dryRun: true });
    const unchanged = await storeSnapshot(ctx);
    const report = await expire(ctx, { keyManager: new ReportingKeyManager() });

    // Assess: the dry run counted the old records and touched nothing
    const oldKeys = old.map((r) => `tiktok:video:${r.ref.id}`);
    const counts = { expired: old.length, purged: old.length, cascaded: 0, byReason: { expired: old.length }, byKind: { video: old.length }, bySpec: { 'climate-videos': old.length } };
    expect(dry).toMatchObject({ dryRun: true, projectEnded: false, ...counts });
    expect(unchanged).toEqual(snapshot);
    // the real sweep purged exactly them, and no key deletion (the project goes on)
    expect(report).toMatchObject({ dryRun: false, projectEnded: false, ...counts, versionsRemoved: old.length });
    expect(report.keyDeletion).toBeUndefined();
    const states = await ledgerStates(w, [...first, ...second]);
    for (const key of oldKeys) {
      const state = states.get(key) as Tombstone;
      expect({ key, status: state.status, reason: state.reason }).toEqual({ key, status: 'tombstoned', reason: 'expired' });
      expect(await ctx.objects.countVersions(`records/${key.replaceAll(':', '/')}.json`)).toBe(0);
      const events = (await ctx.audit.byRecord(ctx.hasher.hash(key))).events.filter((e) => e.action === 'record.purged');
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ runId: report.runId, reason: 'expired', evidence: expect.objectContaining({ rule: 'max-retention', expiresAt: limit }) });
      expect(state.evidenceRef).toBe(`${events[0]!.chainId}#${events[0]!.seq}`);
    }
    for (const key of second) {
      expect({ key, status: states.get(key)?.status }).toEqual({ key, status: 'active' });
      expect(await ctx.objects.countVersions(`records/${key.replaceAll(':', '/')}.json`)).toBe(1);
    }
    // the expiry is on record with its reason
    const run = (await ctx.audit.byChain(report.runId!)).events;
    expect(run.find((e) => e.action === 'expiry.started')).toMatchObject({ reason: 'maximum retention', evidence: { projectEnded: 'no' } });
    // and a second sweep finds nothing more
    expect(await expire(ctx, {})).toMatchObject({ expired: 0, purged: 0 });
  });

  it('a shorter maximum retention acts at once: verify reports the expiry overdue and expire purges, before any refresh re-stamps', async () => {
    // Prepare: collected under a policy without a retention limit; then the config sets 2 days at a new version
    const plain = complianceConfig((doc) => {
      doc.specs = doc.specs.filter((s: { kind: string }) => s.kind === 'video');
      doc.specs[0].window = { rollingDays: 5 };
    });
    const v = await complianceWorld({ config: plain, world: { videosPerDay: 6 } });
    try {
      expect((await collect(v.fx.ctx, { sourceFor: v.sourceFor })).specs[0]!.outcome).toBe('finished');
      const collected = await activeRecords(v);
      expect(collected.size).toBeGreaterThan(2);
      v.fx.clock.advance(3 * MS_PER_DAY);
      const shorter = complianceConfig((doc) => {
        doc.specs = plain.specs;
        doc.policies = { 'tiktok-research': { version: 2, maxRetentionDays: 2 } };
      });
      const ctx = { ...v.fx.ctx, config: shorter, policies: effectivePolicies(shorter) };

      // Act
      const checked = await verify(ctx);
      const dry = await expire(ctx, { dryRun: true });
      const report = await expire(ctx, {});

      // Assess
      const overdue = checked.violations.filter((x) => x.kind === 'overdue' && /expiry was due/.test(x.message));
      expect(overdue).toHaveLength(collected.size);
      expect(dry).toMatchObject({ expired: collected.size });
      expect(report).toMatchObject({ expired: collected.size, purged: collected.size });
      expect((await activeRecords(v)).size).toBe(0);
      expect((await verify(ctx)).ok).toBe(true);
    } finally {
      await v.close();
    }
  });
});
