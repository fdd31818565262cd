/**
 * purgeRecords over the real S3ObjectStore (versioning 'required') on a mocked, versioned bucket: every version and
 * delete marker of the purged objects goes, over several pages of ListObjectVersions, keys that merely share the
 * prefix stay, and the audit event and the tombstone carry how many were removed. The ledger and the audit log are
 * small in-memory stand-ins; the S3 side is aws-sdk-client-mock.
 */
import { IN_PROCESS_EXPORT_PORTS } from '../../../lib/jobs/export/in-process';
import 'aws-sdk-client-mock-jest';
import { DeleteObjectsCommand, ListObjectsV2Command, ListObjectVersionsCommand, S3Client, type ListObjectVersionsCommandInput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { effectivePolicies } from '../../../lib/config/load';
import { linkEvents, GENESIS_HASH, type AuditEvent, type ChainedAuditEvent } from '../../../lib/domain/audit';
import { ManualClock } from '../../../lib/domain/clock';
import { hmacHasher } from '../../../lib/domain/hashing';
import { objectKeyOf, recordKeyOf, type ActiveRecord, type LedgerRecord, type RecordKey, type RecordRef, type Tombstone } from '../../../lib/domain/records';
import type { JobContext } from '../../../lib/jobs/context';
import { purgeRecords } from '../../../lib/jobs/purge';
import type { AuditChainWriter, AuditLog, Ledger, RecordUpdate } from '../../../lib/store/ports';
import { S3ObjectStore } from '../../../lib/store/s3-object-store';
import { testConfig } from '../../support/job-context';

const s3Mock = mockClient(S3Client);
const BUCKET = 'steward-test-data';
const hasher = hmacHasher('unit-test-secret-0123456789');

/** A versioned bucket in memory: per key, its versions and delete markers, newest first. */
class VersionedBucket {
  readonly entries = new Map<string, Array<{ id: string; marker: boolean }>>();
  listCalls = 0;

  constructor(private readonly pageSize: number) {}

  add(key: string, versions: number, markers: number): void {
    const list = [...Array.from({ length: versions }, (_, i) => ({ id: `${key}#v${i}`, marker: false })), ...Array.from({ length: markers }, (_, i) => ({ id: `${key}#m${i}`, marker: true }))];
    this.entries.set(key, list);
  }

  /** ListObjectVersions: keys in order, `pageSize` entries per page, with Next*Marker continuation. */
  list(input: ListObjectVersionsCommandInput) {
    this.listCalls += 1;
    const all = [...this.entries.entries()]
      .filter(([key]) => key.startsWith(input.Prefix ?? ''))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .flatMap(([key, list]) => list.map((v) => ({ key, ...v })));
    let start = 0;
    if (input.KeyMarker !== undefined) start = all.findIndex((e) => e.key === input.KeyMarker && e.id === input.VersionIdMarker) + 1;
    const page = all.slice(start, start + this.pageSize);
    const truncated = start + this.pageSize < all.length;
    const last = page[page.length - 1];
    return {
      IsTruncated: truncated,
      ...(truncated && last ? { NextKeyMarker: last.key, NextVersionIdMarker: last.id } : {}),
      Versions: page.filter((e) => !e.marker).map((e) => ({ Key: e.key, VersionId: e.id })),
      DeleteMarkers: page.filter((e) => e.marker).map((e) => ({ Key: e.key, VersionId: e.id })),
    };
  }

  delete(objects: ReadonlyArray<{ Key?: string; VersionId?: string }>) {
    for (const o of objects) {
      const list = this.entries.get(o.Key!) ?? [];
      this.entries.set(
        o.Key!,
        list.filter((v) => v.id !== o.VersionId),
      );
      if (this.entries.get(o.Key!)!.length === 0) this.entries.delete(o.Key!);
    }
    return { Deleted: objects.map((o) => ({ Key: o.Key, VersionId: o.VersionId })) };
  }
}

/** The ledger calls a purge makes, in memory. */
class MemoryLedger implements Pick<Ledger, 'getRecords' | 'updateRecords' | 'children' | 'tombstone'> {
  readonly records = new Map<RecordKey, ActiveRecord>();
  readonly tombstones = new Map<RecordKey, Tombstone>();
  readonly updates: RecordUpdate[] = [];

  async getRecords(refs: readonly RecordRef[]): Promise<Map<RecordKey, LedgerRecord>> {
    const out = new Map<RecordKey, LedgerRecord>();
    for (const ref of refs) {
      const key = recordKeyOf(ref);
      const found = this.tombstones.get(key) ?? this.records.get(key);
      if (found) out.set(key, found);
    }
    return out;
  }

  async updateRecords(updates: readonly RecordUpdate[]): Promise<void> {
    for (const u of updates) {
      this.updates.push(u);
      const r = this.records.get(u.key)!;
      if (u.kind === 'purge-pending') this.records.set(u.key, { ...r, purgePending: r.purgePending ?? { reason: u.reason, evidence: u.evidence, requestedAt: u.at } });
    }
  }

  async *children(parent: RecordKey): AsyncIterable<ActiveRecord> {
    for (const r of this.records.values()) if (r.parentKey === parent) yield r;
  }

  async tombstone(key: RecordKey, tombstone: Tombstone): Promise<void> {
    this.records.delete(key);
    if (!this.tombstones.has(key)) this.tombstones.set(key, tombstone);
  }
}

function memoryChain(chainId: string): AuditChainWriter & { events: ChainedAuditEvent[] } {
  const events: ChainedAuditEvent[] = [];
  return {
    chainId,
    events,
    async append(batch: readonly AuditEvent[]) {
      const last = events[events.length - 1];
      const linked = linkEvents(batch, chainId, last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: GENESIS_HASH });
      events.push(...linked);
      return linked;
    },
    async seal() {
      throw new Error('not used');
    },
  } as AuditChainWriter & { events: ChainedAuditEvent[] };
}

function record(ref: RecordRef, parentKey?: RecordKey): ActiveRecord {
  const at = '2026-03-01T12:00:00.000Z';
  return {
    ref,
    status: 'active',
    objectKey: objectKeyOf(ref),
    contentSha256: 'a'.repeat(64),
    sizeBytes: 10,
    provenance: { runId: 'r', specName: 'climate-videos', queryFingerprint: 'f'.repeat(64), endpoint: '/v2/research/video/query/', logId: 'L', retrievedAt: at, collectorVersion: 't', collectedBy: 'schedule' },
    firstCollectedAt: at,
    lastSeenAt: at,
    policyId: 'tiktok-research',
    policyVersion: 1,
    refreshDueAt: '2026-03-16T12:00:00.000Z',
    expiresAt: '2027-06-30T23:59:59.999Z',
    missCount: 0,
    ...(parentKey ? { parentKey } : {}),
  };
}

afterEach(() => {
  s3Mock.reset();
});

describe('Function: purgeRecords (versioned S3, mocked)', () => {
  it('removes every version and delete marker over several listing pages, cascades, and records the counts', async () => {
    // Prepare: a video with 4 versions and 2 delete markers, its comment with 2 versions, and a longer key that
    // shares the video's prefix; listings come 3 entries per page.
    const bucket = new VersionedBucket(3);
    const video: RecordRef = { platform: 'tiktok', kind: 'video', id: '7320768196569599275' };
    const comment: RecordRef = { platform: 'tiktok', kind: 'comment', id: '7320768196569599999' };
    const sibling = `${objectKeyOf(video)}.bak`;
    bucket.add(objectKeyOf(video), 4, 2);
    bucket.add(objectKeyOf(comment), 2, 0);
    bucket.add(sibling, 1, 0);
    s3Mock.on(ListObjectVersionsCommand).callsFake((input: ListObjectVersionsCommandInput) => bucket.list(input));
    s3Mock.on(DeleteObjectsCommand).callsFake((input) => bucket.delete(input.Delete.Objects));
    // No export exists: the purge's export rebuild lists the manifests and finds none.
    s3Mock.on(ListObjectsV2Command).resolves({});
    const ledger = new MemoryLedger();
    ledger.records.set(recordKeyOf(video), record(video));
    ledger.records.set(recordKeyOf(comment), record(comment, recordKeyOf(video)));
    const config = testConfig();
    const ctx = {
      clock: new ManualClock('2026-03-17T12:00:00Z'),
      config,
      policies: effectivePolicies(config),
      ledger: ledger as unknown as Ledger,
      objects: new S3ObjectStore(new S3Client({ region: 'us-east-1' }), BUCKET, { versioning: 'required' }),
      audit: {} as AuditLog,
      hasher,
      actor: { type: 'schedule', name: 'schedule' },
      collectorVersion: 'test',
      ...IN_PROCESS_EXPORT_PORTS,
    } satisfies JobContext;
    const chain = memoryChain('refresh-test');

    // Act
    const report = await purgeRecords(ctx, [{ key: recordKeyOf(video), reason: 'unavailable', evidence: { rule: 'batch-lookup', logId: 'LOG7', peersFound: 12 } }], chain);

    // Assess: nothing of either object is left, the sibling is untouched
    expect([...bucket.entries.keys()]).toEqual([sibling]);
    expect(report).toMatchObject({ purged: 2, cascaded: 1, versionsRemoved: 8, byReason: { unavailable: 1, cascade: 1 } });
    const deleted = s3Mock.commandCalls(DeleteObjectsCommand).flatMap((c) => c.args[0].input.Delete!.Objects!.map((o) => o.VersionId));
    expect(deleted.sort()).toEqual([...['v0', 'v1', 'v2', 'v3', 'm0', 'm1'].map((v) => `${objectKeyOf(video)}#${v}`), ...['v0', 'v1'].map((v) => `${objectKeyOf(comment)}#${v}`)].sort());
    // the video's listing took several pages (6 entries of its own plus the sibling, 3 per page), then a confirmation
    expect(bucket.listCalls).toBeGreaterThanOrEqual(5);

    // Pending first, with the evidence, then the event, then the tombstone that points at it
    expect(ledger.updates.map((u) => [u.kind, u.key])).toEqual([
      ['purge-pending', recordKeyOf(video)],
      ['purge-pending', recordKeyOf(comment)],
    ]);
    const [commentEvent, videoEvent] = chain.events;
    expect(videoEvent).toMatchObject({
      action: 'record.purged',
      kind: 'video',
      reason: 'unavailable',
      recordHash: hasher.hash(recordKeyOf(video)),
      evidence: { rule: 'batch-lookup', logId: 'LOG7', peersFound: 12, versionsRemoved: 6 },
    });
    expect(commentEvent).toMatchObject({
      action: 'record.purged',
      kind: 'comment',
      reason: 'cascade',
      evidence: { rule: 'cascade', parent: hasher.hash(recordKeyOf(video)), cause: 'unavailable', versionsRemoved: 2 },
    });
    expect(ledger.tombstones.get(recordKeyOf(video))).toEqual({
      platform: 'tiktok',
      kind: 'video',
      recordHash: hasher.hash(recordKeyOf(video)),
      status: 'tombstoned',
      reason: 'unavailable',
      purgedAt: '2026-03-17T12:00:00.000Z',
      evidenceRef: `refresh-test#${videoEvent!.seq}`,
      policyId: 'tiktok-research',
      policyVersion: 1,
    });
    expect(JSON.stringify([...ledger.tombstones.values(), ...chain.events])).not.toContain('7320768196569599275');
  });

  it('fails, and leaves the record pending, when the bucket cannot list versions', async () => {
    // Prepare
    s3Mock.on(ListObjectVersionsCommand).rejects(Object.assign(new Error('not allowed'), { name: 'MethodNotAllowed', $metadata: { httpStatusCode: 405 } }));
    const video: RecordRef = { platform: 'tiktok', kind: 'video', id: '7320768196569599275' };
    const ledger = new MemoryLedger();
    ledger.records.set(recordKeyOf(video), record(video));
    const config = testConfig();
    const ctx = {
      clock: new ManualClock('2026-03-17T12:00:00Z'),
      config,
      policies: effectivePolicies(config),
      ledger: ledger as unknown as Ledger,
      objects: new S3ObjectStore(new S3Client({ region: 'us-east-1' }), BUCKET, { versioning: 'required' }),
      audit: {} as AuditLog,
      hasher,
      actor: { type: 'schedule', name: 'schedule' },
      collectorVersion: 'test',
      ...IN_PROCESS_EXPORT_PORTS,
    } satisfies JobContext;

    // Act
    const result = purgeRecords(ctx, [{ key: recordKeyOf(video), reason: 'expired', evidence: { rule: 'project-end' } }], memoryChain('c'));

    // Assess: no tombstone without proof the versions are gone; the pending mark lets the next sweep retry
    await expect(result).rejects.toThrow(/cannot list object versions/);
    expect(ledger.tombstones.size).toBe(0);
    expect(ledger.records.get(recordKeyOf(video))?.purgePending).toMatchObject({ reason: 'expired' });
  });
});
