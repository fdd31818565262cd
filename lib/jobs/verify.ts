/**
 * Verify: is the audit log intact, and do the ledger and storage agree with it and with each other?
 *
 * 1. The audit log: every chain recomputed (`verifyChain`), every chain held against the seal log, the seal log
 *    recomputed, the registry checked (domain/audit.ts `verifyAuditLog`: edits, deletions, insertions and
 *    reorderings of any event, a whole chain deleted, a seal deleted or edited).
 * 2. Ledger against storage: no object without a ledger item, no active record without its object, no purged
 *    (tombstoned) record with any object version left.
 * 3. Ledger against the audit log: every `record.purged` event has its tombstone, whose `evidenceRef` names a
 *    purge event of the same record; no purged record is active again.
 * 4. Obligations: no active record past its refresh deadline or expiry, no pending purge past the policy's
 *    `purgeWithinHours` (domain/overdue.ts).
 *
 * Nothing is written and nothing is Scanned: chains through the registry and the seal log, active records through
 * the due index, purged records through their audit events, objects through listings. Violations name records by
 * keyed hash (and storage problems by object key, which is what has to be deleted); never content.
 */
import { type ChainedAuditEvent, verifyAuditLog } from '../domain/audit';
import { overdueObligations } from '../domain/overdue';
import { recordKeyOf, type ActiveRecord } from '../domain/records';
import { staleCopyText } from '../domain/exports';
import type { JobContext, ProgressSink } from './context';
import { exportStoreOf, verifyExports } from './export';
import { allActiveRecords, eventRef, eventsOf, readAuditLog, recordRefOfObjectKey, RECORDS_PREFIX } from './audit-read';

export const VIOLATION_KINDS = [
  'audit-log',
  'object-without-record',
  'record-without-object',
  'purged-object-left',
  'purge-without-tombstone',
  'tombstone-evidence',
  'purged-record-active',
  'overdue',
  'export-holds-purged',
  'export-manifest-mismatch',
  'export-file-left',
  'export-copy-overdue',
] as const;
export type ViolationKind = (typeof VIOLATION_KINDS)[number];

export interface Violation {
  readonly kind: ViolationKind;
  readonly message: string;
  readonly recordHash?: string;
  readonly objectKey?: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly checkedAt: string;
  readonly audit: {
    readonly chains: number;
    readonly events: number;
    readonly seals: number;
    /** The seal log's head: keep a copy outside Steward to pin the log (tail truncation). */
    readonly head?: { readonly seq: number; readonly hash: string };
  };
  readonly ledger: { readonly active: number; readonly tombstoned: number; readonly pendingPurges: number };
  readonly storage: { readonly objects: number; readonly versions: number };
  /** Exports checked, and the pulled copies holding purged records (their holders' obligations). */
  readonly exports?: { readonly exports: number; readonly rows: number; readonly staleCopies: readonly string[] };
  readonly violations: readonly Violation[];
}

export interface VerifyOptions {
  readonly progress?: ProgressSink;
}

export async function verify(ctx: JobContext, options: VerifyOptions = {}): Promise<VerifyReport> {
  const { ledger, objects, hasher, clock } = ctx;
  const now = clock.now();
  const violations: Violation[] = [];

  const progress = options.progress;
  // 1. The audit log.
  progress?.({ job: 'verify', phase: 'reading the audit log', done: 0 });
  const snapshot = await readAuditLog(ctx.audit);
  for (const message of verifyAuditLog(snapshot)) violations.push({ kind: 'audit-log', message });
  const events = eventsOf(snapshot);
  options.progress?.({ job: 'verify', phase: 'audit', done: events.length });

  // 4. Obligations, while reading the active records.
  progress?.({ job: 'verify', phase: 'reading the ledger', done: 0, counts: { events: events.length } });
  const active = await allActiveRecords(ledger);
  const activeByHash = new Map<string, ActiveRecord>();
  for (const record of active) {
    const hash = hasher.hash(recordKeyOf(record.ref));
    activeByHash.set(hash, record);
    for (const o of overdueObligations(record, now, ctx.policies)) {
      violations.push({
        kind: 'overdue',
        recordHash: hash,
        message: `${record.ref.kind} ${hash}: ${o.obligation} was due ${o.dueAt} (${o.hoursOverdue} h overdue)`,
      });
    }
  }
  options.progress?.({ job: 'verify', phase: 'ledger', done: active.length });

  // 3. Ledger against the audit log: purge events and tombstones.
  const purgeEvents = new Map<string, ChainedAuditEvent[]>();
  for (const event of events) {
    if (event.action !== 'record.purged' || event.recordHash === undefined) continue;
    purgeEvents.set(event.recordHash, [...(purgeEvents.get(event.recordHash) ?? []), event]);
  }
  const tombstones = await ledger.getTombstones([...purgeEvents.keys()]);
  for (const [hash, purges] of purgeEvents) {
    const tombstone = tombstones.get(hash);
    const first = purges[0]!;
    const stillActive = activeByHash.get(hash);
    if (!tombstone) {
      // A purge cut short leaves the record pending: the overdue rule covers it once it is late.
      if (stillActive?.purgePending) continue;
      violations.push({
        kind: 'purge-without-tombstone',
        recordHash: hash,
        message: `${first.kind ?? 'record'} ${hash}: purged at ${first.at} (${eventRef(first)}) but the ledger holds no tombstone`,
      });
      continue;
    }
    if (!purges.some((e) => eventRef(e) === tombstone.evidenceRef)) {
      violations.push({
        kind: 'tombstone-evidence',
        recordHash: hash,
        message: `${tombstone.kind} ${hash}: tombstone evidence ${tombstone.evidenceRef} is not a purge event of this record (purge events: ${purges.map(eventRef).join(', ')})`,
      });
    }
    if (stillActive) {
      violations.push({ kind: 'purged-record-active', recordHash: hash, message: `${tombstone.kind} ${hash}: tombstoned, yet an active ledger item remains` });
    }
  }

  // 2. Ledger against storage: two listings, of about one object per active record each (the total an ETA uses).
  const listed = { done: 0, total: 2 * active.length };
  const tick = () => {
    listed.done += 1;
    if (listed.done % 500 === 0) progress?.({ job: 'verify', phase: 'listing storage', ...listed });
  };
  progress?.({ job: 'verify', phase: 'listing storage', ...listed });
  const current = new Set<string>();
  for await (const key of objects.list(RECORDS_PREFIX)) {
    current.add(key);
    tick();
  }
  const activeKeys = new Set(active.map((r) => r.objectKey));
  for (const record of active) {
    if (current.has(record.objectKey) || record.purgePending) continue;
    const hash = hasher.hash(recordKeyOf(record.ref));
    violations.push({ kind: 'record-without-object', recordHash: hash, message: `${record.ref.kind} ${hash}: active in the ledger but its object is missing` });
  }
  let objectCount = 0;
  let versionCount = 0;
  const unknown: Array<{ key: string; versions: number; hash?: string }> = [];
  for await (const { key, versions } of objects.listVersionedKeys(RECORDS_PREFIX)) {
    tick();
    objectCount += 1;
    versionCount += versions;
    if (activeKeys.has(key)) continue;
    const ref = recordRefOfObjectKey(key);
    unknown.push({ key, versions, ...(ref ? { hash: hasher.hash(recordKeyOf(ref)) } : {}) });
  }
  const purgedLeft = await ledger.getTombstones(unknown.flatMap((u) => (u.hash ? [u.hash] : [])));
  for (const u of unknown) {
    const tombstone = u.hash ? purgedLeft.get(u.hash) : undefined;
    if (tombstone) {
      violations.push({
        kind: 'purged-object-left',
        recordHash: u.hash,
        objectKey: u.key,
        message: `${tombstone.kind} ${u.hash}: purged (${tombstone.reason}, ${tombstone.evidenceRef}) but storage still holds ${u.versions} version(s) of ${u.key}`,
      });
    } else {
      violations.push({
        kind: 'object-without-record',
        objectKey: u.key,
        ...(u.hash ? { recordHash: u.hash } : {}),
        message: `${u.key}: ${u.versions} object version(s) with no ledger item${u.hash ? '' : ' (not a record key)'}`,
      });
    }
  }
  options.progress?.({ job: 'verify', phase: 'storage', done: objectCount });

  // 3. Exports: none holds a purged record, manifests match files, stale pulled copies listed.
  const exported = await verifyExports(ctx, exportStoreOf(ctx));
  for (const v of exported.violations) violations.push({ kind: v.kind, message: v.detail });

  const head = snapshot.seals[snapshot.seals.length - 1];
  return {
    ok: violations.length === 0,
    checkedAt: now.toISOString(),
    audit: {
      chains: snapshot.chains.size,
      events: events.length,
      seals: snapshot.seals.length,
      ...(head ? { head: { seq: head.seq, hash: head.hash } } : {}),
    },
    ledger: { active: active.length, tombstoned: tombstones.size, pendingPurges: active.filter((r) => r.purgePending).length },
    storage: { objects: objectCount, versions: versionCount },
    exports: { exports: exported.exports, rows: exported.rows, staleCopies: exported.staleCopies.map(staleCopyText) },
    violations,
  };
}
