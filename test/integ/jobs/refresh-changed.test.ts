/**
 * Refresh of changed content on the emulator: two days after collection the platform serves grown counts (views,
 * likes, comment counts), so the sweep rewrites those objects with the new content, stamps the new content hash,
 * size, log id and retrieval time in the ledger, moves the refresh deadline, and appends `record.changed` with
 * the lookup's log id. Records whose content did not change are only re-stamped, with no write.
 */
import { MS_PER_DAY } from '../../../lib/domain/clock';
import { sha256Hex } from '../../../lib/domain/hashing';
import { parseJson } from '../../../lib/domain/json';
import type { ActiveRecord, RecordKey } from '../../../lib/domain/records';
import { refresh, type RefreshReport } from '../../../lib/jobs/refresh';
import { verify } from '../../../lib/jobs/verify';
import { activeRecords, collectAll, complianceConfig, complianceWorld, countingPuts, type ComplianceWorld } from './compliance-support';

// Videos and their comments over a short window; nothing deleted, so every record is found again.
const config = complianceConfig((doc) => {
  doc.specs = doc.specs.filter((s: { kind: string }) => s.kind === 'video' || s.kind === 'comment');
  doc.specs[0].window = { rollingDays: 4 };
});
const UNCHANGING = { videoDeletionShare: 0, videoPrivateShare: 0, accountDeletionShare: 0, commentDeletionShare: 0 };
const FAR = new Date('2100-01-01T00:00:00Z');

describe('refresh of changed content', () => {
  let w: ComplianceWorld;
  let before: Map<RecordKey, ActiveRecord>;
  let bodiesBefore: Map<RecordKey, string>;
  let report: RefreshReport;
  let puts: number;
  let after: Map<RecordKey, ActiveRecord>;
  let now: Date;

  beforeAll(async () => {
    w = await complianceWorld({ config, world: UNCHANGING });
    await collectAll(w);
    before = await activeRecords(w);
    bodiesBefore = new Map(await Promise.all([...before].map(async ([k, r]) => [k, (await w.fx.ctx.objects.get(r.objectKey))!.body.toString('utf8')] as const)));
    w.fx.clock.advance(2 * MS_PER_DAY);
    now = w.fx.clock.now();
    const objects = countingPuts(w.fx.ctx.objects);
    report = await refresh({ ...w.fx.ctx, objects }, { clients: w.clients, dueBefore: FAR });
    puts = objects.puts;
    after = await activeRecords(w);
  });
  afterAll(async () => {
    await w?.close();
  });

  const changedKeys = () => [...after.keys()].filter((k) => after.get(k)!.contentSha256 !== before.get(k)!.contentSha256);

  it('finds the grown videos changed, and writes exactly those objects', () => {
    expect(before.size).toBeGreaterThan(20);
    expect(after.size).toBe(before.size);
    expect(report).toMatchObject({ due: before.size, failed: 0, missed: 0, purged: 0, cascaded: 0 });
    expect(report.changed + report.unchanged).toBe(before.size);
    const changed = changedKeys();
    expect(changed.length).toBe(report.changed);
    // every video gained views in two days
    const videos = [...before.keys()].filter((k) => k.startsWith('tiktok:video:'));
    expect(changed).toEqual(expect.arrayContaining(videos));
    expect(puts).toBe(report.changed);
  });

  it('rewrites each changed object with the new content, and the ledger with its hash, size and provenance', async () => {
    for (const key of changedKeys()) {
      const old = before.get(key)!;
      const record = after.get(key)!;
      const body = (await w.fx.ctx.objects.get(record.objectKey))!.body.toString('utf8');
      expect({ key, rewritten: body !== bodiesBefore.get(key) }).toEqual({ key, rewritten: true });
      expect({ key, sha: sha256Hex(body), size: Buffer.byteLength(body) }).toEqual({ key, sha: record.contentSha256, size: record.sizeBytes });
      expect(record.provenance).toMatchObject({ retrievedAt: now.toISOString(), runId: old.provenance.runId, specName: old.provenance.specName });
      expect(record.provenance.logId).not.toBe(old.provenance.logId);
      expect(record.firstCollectedAt).toBe(old.firstCollectedAt);
      const [was, is] = [parseJson(bodiesBefore.get(key)!), parseJson(body)] as Array<Record<string, unknown>>;
      expect(is!.id).toEqual(was!.id);
      if (key.startsWith('tiktok:video:')) expect(Number(is!.view_count)).toBeGreaterThan(Number(was!.view_count));
    }
  });

  it('moves the refresh deadline of every record to 15 days from now', () => {
    for (const [key, record] of after) {
      expect({ key, due: record.refreshDueAt, refreshed: record.lastRefreshedAt }).toEqual({
        key,
        due: new Date(now.getTime() + 15 * MS_PER_DAY).toISOString(),
        refreshed: now.toISOString(),
      });
      expect(Date.parse(record.refreshDueAt)).toBeGreaterThan(Date.parse(before.get(key)!.refreshDueAt));
    }
  });

  it('appends record.changed (lookup evidence, the new log id) for changed records, record.refreshed for the rest', async () => {
    const { audit, hasher } = w.fx.ctx;
    const changed = new Set(changedKeys());
    const run = (await audit.byChain(report.runId, { limit: 1000 })).events;
    expect(run.filter((e) => e.action === 'record.changed')).toHaveLength(changed.size);
    expect(run.filter((e) => e.action === 'record.refreshed')).toHaveLength(before.size - changed.size);
    for (const key of changed) {
      const events = (await audit.byRecord(hasher.hash(key))).events.filter((e) => e.runId === report.runId);
      expect({ key, actions: events.map((e) => e.action) }).toEqual({ key, actions: ['record.changed'] });
      expect(events[0]).toMatchObject({ kind: before.get(key)!.ref.kind, specName: before.get(key)!.provenance.specName, evidence: { method: 'lookup', logId: after.get(key)!.provenance.logId } });
    }
  });

  it('leaves storage consistent: the stored objects are what the platform serves now, and verify passes', async () => {
    const objects = countingPuts(w.fx.ctx.objects);
    const again = await refresh({ ...w.fx.ctx, objects }, { clients: w.clients, dueBefore: FAR });
    expect(again).toMatchObject({ due: before.size, changed: 0, unchanged: before.size });
    expect(objects.puts).toBe(0);
    expect((await verify(w.fx.ctx)).violations).toEqual([]);
  });
});
