/**
 * The rest of the lifecycle on the emulator and the local services, in one collected world whose content carries a
 * canary: an unchanged refresh writes nothing to S3, an erasure by account cascades to its videos and comments and
 * keeps them out of later collection, expiry at project end leaves no object and no content, and no audit event
 * or ledger item ever holds content. None of it Scans.
 */
import { MS_PER_DAY } from '../../../lib/domain/clock';
import type { Tombstone } from '../../../lib/domain/records';
import { collect } from '../../../lib/jobs/collect';
import { erase } from '../../../lib/jobs/erase';
import { expire } from '../../../lib/jobs/expire';
import { refresh } from '../../../lib/jobs/refresh';
import type { DynamoDbAuditLog } from '../../../lib/store/dynamodb-audit-log';
import type { DynamoDbLedger } from '../../../lib/store/dynamodb-ledger';
import { ReportingKeyManager } from '../../../lib/store/key-manager';
import {
  activeRecords,
  CANARY,
  collectAll,
  complianceWorld,
  countingPuts,
  ledgerStates,
  scanTable,
  usernameOfVideo,
  type ComplianceWorld,
} from './compliance-support';

describe('lifecycle on the emulator: unchanged refresh, erasure, expiry, no content outside the objects', () => {
  let w: ComplianceWorld;
  beforeAll(async () => {
    w = await complianceWorld({ world: { contentCanary: CANARY } });
    await collectAll(w);
  });
  afterAll(async () => {
    await w.close();
  });

  it('an unchanged refresh moves due dates only: no S3 PUT', async () => {
    // Prepare: the platform serves exactly what was collected (same instant), every record is refreshed now
    const objects = countingPuts(w.fx.ctx.objects);
    const before = await activeRecords(w);

    // Act
    const report = await refresh({ ...w.fx.ctx, objects }, { clients: w.clients, dueBefore: new Date('2100-01-01T00:00:00Z') });

    // Assess
    expect(report.due).toBe(before.size);
    expect(report.unchanged).toBe(before.size);
    expect(report).toMatchObject({ changed: 0, missed: 0, failed: 0, purged: 0 });
    expect(objects.puts).toBe(0);
    const after = await activeRecords(w);
    for (const [key, record] of after) expect({ key, refreshed: record.lastRefreshedAt }).toEqual({ key, refreshed: w.fx.clock.now().toISOString() });
  });

  it('erasure of an account cascades to its videos and their comments; collection never stores them again', async () => {
    // Prepare: an author with collected videos that have comments
    const records = await activeRecords(w);
    const videos = [...records.values()].filter((r) => r.ref.kind === 'video');
    const withComments = videos.find((v) => [...records.values()].some((r) => r.parentKey === `tiktok:video:${v.ref.id}`) && v.parentKey)!;
    const userKey = withComments.parentKey!;
    const username = (await usernameOfVideo(w.fx.ctx.objects, withComments.objectKey))!;
    const theirVideos = videos.filter((v) => v.parentKey === userKey).map((v) => `tiktok:video:${v.ref.id}`);
    const theirComments = [...records.entries()].filter(([, r]) => r.parentKey && theirVideos.includes(r.parentKey)).map(([k]) => k);
    const everythingTheirs = [userKey, ...theirVideos, ...theirComments];
    expect(records.has(userKey)).toBe(true);
    const w0 = w.fx.ctx.actor;

    // Act
    const report = await erase({ ...w.fx.ctx, actor: { type: 'researcher', name: 'ada' } }, { user: username });
    const recollect = await collect(w.fx.ctx, { sourceFor: w.sourceFor, specName: 'climate-videos' });
    await collect(w.fx.ctx, { sourceFor: w.sourceFor, specName: 'climate-comments' });
    await collect(w.fx.ctx, { sourceFor: w.sourceFor, specName: 'climate-authors' });

    // Assess: everything of theirs is a content-free erasure tombstone with no object left
    expect(report).toMatchObject({ kind: 'user', wasStored: true, purged: everythingTheirs.length, cascaded: everythingTheirs.length - 1 });
    const states = await ledgerStates(w, everythingTheirs);
    for (const key of everythingTheirs) {
      const state = states.get(key) as Tombstone;
      expect({ key, status: state.status, reason: state.reason }).toEqual({ key, status: 'tombstoned', reason: 'erasure' });
      expect(await w.fx.ctx.objects.countVersions(`records/${key.replaceAll(':', '/')}.json`)).toBe(0);
    }
    // the request is on record, by the researcher, naming the account only by its keyed hash
    const requests = await w.fx.ctx.audit.byActor('ada');
    expect(requests.events.find((e) => e.action === 'erasure.requested')).toMatchObject({ recordHash: w.fx.ctx.hasher.hash(userKey), kind: 'user' });
    expect(JSON.stringify(requests.events)).not.toContain(username);
    // the platform still serves their videos: collection skips them
    expect(recollect.specs[0]!.skippedPurged).toBeGreaterThanOrEqual(theirVideos.length);
    expect([...(await ledgerStates(w, everythingTheirs)).values()].every((s) => s.status === 'tombstoned')).toBe(true);
    const activeNow = await activeRecords(w);
    expect([...activeNow.values()].some((r) => r.parentKey === userKey)).toBe(false);
    expect(w0).toEqual({ type: 'schedule', name: 'schedule' });
  });

  it('expiry at project end purges everything: no object, no content, key deletion reported; nothing ever Scanned', async () => {
    // Prepare: objects hold the canary (so the content checks below can fail)
    const keys: string[] = [];
    for await (const key of w.fx.ctx.objects.list('records/')) keys.push(key);
    const bodies = await Promise.all(keys.slice(0, 40).map(async (k) => (await w.fx.ctx.objects.get(k))!.body.toString('utf8')));
    expect(bodies.some((b) => b.includes(CANARY))).toBe(true);
    const active = await activeRecords(w);
    w.fx.clock.set(new Date(Date.parse('2027-06-30T23:59:59.999Z') + MS_PER_DAY));

    // Act
    const dry = await expire(w.fx.ctx, { dryRun: true });
    const report = await expire(w.fx.ctx, { keyManager: new ReportingKeyManager() });

    // Assess: the bucket is empty, every record is an `expired` tombstone
    expect(dry).toMatchObject({ dryRun: true, projectEnded: true, expired: active.size, purged: active.size });
    expect(report).toMatchObject({ projectEnded: true, purged: active.size, remaining: 0 });
    expect(report.expired + report.cascaded).toBe(active.size);
    expect(report.keyDeletion).toMatchObject({ scheduled: false, detail: expect.stringContaining('ScheduleKeyDeletion') });
    const left: string[] = [];
    for await (const key of w.fx.ctx.objects.list('')) left.push(key);
    expect(left).toEqual([]);
    const states = await ledgerStates(w, active.keys());
    for (const [key, state] of states) expect({ key, status: state.status, reason: (state as Tombstone).reason }).toEqual({ key, status: 'tombstoned', reason: 'expired' });

    // No ledger item and no audit event holds content: not the canary, not a username, not an id of a user
    const ledgerItems = await scanTable((w.fx.ctx.ledger as DynamoDbLedger).tableName);
    const auditItems = await scanTable((w.fx.ctx.audit as DynamoDbAuditLog).tableName);
    expect(auditItems.length).toBeGreaterThan(active.size);
    const dump = JSON.stringify([...ledgerItems, ...auditItems], (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    expect(dump).not.toContain(CANARY);
    const tombstones = ledgerItems.filter((i) => i.sk === 'tomb');
    expect(tombstones.length).toBeGreaterThanOrEqual(active.size);
    for (const t of tombstones) expect(Object.keys(t).sort()).toEqual(['evidenceRef', 'kind', 'pk', 'platform', 'policyId', 'policyVersion', 'purgedAt', 'reason', 'recordHash', 'sk', 'status']);
    expect(auditItems.filter((i) => i.action === 'key.deletion-scheduled')).toHaveLength(1);

    // Sweeps, purges, erasure and expiry found their work through Queries only
    expect(w.fx.meter.count('ScanCommand')).toBe(0);
  });
});
