/** Shared builders for the store tests (unit and integ). */
import type { AuditEvent } from '../../../lib/domain/audit';
import { hmacHasher } from '../../../lib/domain/hashing';
import { recordKeyOf, type ActiveRecord, type RecordRef, type Tombstone } from '../../../lib/domain/records';

export const hasher = hmacHasher('test-secret-0123456789abcdef');

export function ref(id: string, kind: RecordRef['kind'] = 'video'): RecordRef {
  return { platform: 'tiktok', kind, id };
}

export function activeRecord(id: string, overrides: Partial<ActiveRecord> = {}): ActiveRecord {
  const r = overrides.ref ?? ref(id);
  return {
    ref: r,
    status: 'active',
    objectKey: `records/tiktok/${r.kind}/${r.id}.json`,
    contentSha256: 'a'.repeat(64),
    sizeBytes: 1234,
    provenance: {
      runId: 'collect-20260101T000000Z-abc123',
      specName: 'climate-videos',
      queryFingerprint: 'f'.repeat(64),
      endpoint: 'https://open.tiktokapis.com/v2/research/video/query/',
      logId: '20260101000000ABCDEF',
      retrievedAt: '2026-01-01T00:00:00.000Z',
      collectorVersion: '0.1.0',
      collectedBy: 'schedule',
    },
    firstCollectedAt: '2026-01-01T00:00:00.000Z',
    lastSeenAt: '2026-01-01T00:00:00.000Z',
    policyId: 'tiktok-research',
    policyVersion: 1,
    refreshDueAt: '2026-01-16T00:00:00.000Z',
    expiresAt: '2027-01-01T00:00:00.000Z',
    missCount: 0,
    ...overrides,
  };
}

export function tombstoneFor(id: string, overrides: Partial<Tombstone> = {}): Tombstone {
  return {
    platform: 'tiktok',
    kind: 'video',
    recordHash: hasher.hash(recordKeyOf(ref(id))),
    status: 'tombstoned',
    reason: 'unavailable',
    purgedAt: '2026-01-10T00:00:00.000Z',
    evidenceRef: 'chain#purge-1/3',
    policyId: 'tiktok-research',
    policyVersion: 1,
    ...overrides,
  };
}

export function auditEvent(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    at: '2026-01-01T00:00:00.000Z',
    action: 'record.collected',
    actor: { type: 'schedule', name: 'schedule' },
    runId: 'collect-1',
    ...overrides,
  };
}
