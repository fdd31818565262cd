/**
 * Purge: a record leaves the store with every object version, its children first (a video's comments, an
 * account's videos and their comments), and what remains is a content-free tombstone pointing at the audit event
 * that holds the evidence.
 *
 * Per record the steps go: mark the purge pending in the ledger (reason + evidence, due at once) -> purge the
 * children -> delete every version and delete marker of the object -> append `record.purged` -> write the
 * tombstone (which removes the record item from every index). A crash after any step leaves either a pending
 * record, which the next sweep or `steward purge` finds at the head of the due index and completes, or a
 * tombstone: the rerun converges on the same end state. Rerunning a finished purge changes nothing.
 */
import { purgeAgeEvidence } from '../domain/attrition';
import type { AuditEvent } from '../domain/audit';
import { parseRecordKey, recordKeyOf, objectKeyOf, type ActiveRecord, type PurgeReason, type RecordKey, type RecordKind } from '../domain/records';
import type { PolicyId } from '../domain/policy';
import type { AuditChainWriter, RecordUpdate } from '../store/ports';
import { RecordNotFoundError } from '../store/retry';
import { mapLimit, newRunId, type JobContext, type ProgressSink } from './context';
import { dueRecords, sweepShards } from './due';
import { startRun } from './runs';
import type { RebuildReport } from './context';
import { rebuildExportsAfterPurge, reconcileExportsAfterPurge } from './export/after-purge';

/** Scalar evidence: platform log ids, task ids, rules, counts. Never content. */
export type Evidence = Readonly<Record<string, string | number>>;

/** One record to purge, and why. */
export interface PurgeTarget {
  readonly key: RecordKey;
  readonly reason: PurgeReason;
  readonly evidence: Evidence;
}

export interface PurgeRecordsOptions {
  /** The run the `record.purged` events belong to. @default the chain id */
  readonly runId?: string;
  /** Object deletions and tombstone writes in flight at once. @default 16 */
  readonly concurrency?: number;
  readonly progress?: ProgressSink;
}

export type CountsBy = Record<string, number>;

/** What one purgeRecords call did. Identifiers appear only as counts. */
export interface PurgeRecordsReport {
  /** Records tombstoned by this call, cascades included. */
  purged: number;
  /** Of those, children purged because their parent was. */
  cascaded: number;
  /** Targets found already tombstoned (an earlier purge finished them). */
  alreadyPurged: number;
  /** Targets with neither a record nor a tombstone. */
  notFound: number;
  /** Purges that had been left pending by an interrupted run and were completed. */
  resumed: number;
  /** Object versions and delete markers removed. */
  versionsRemoved: number;
  byReason: CountsBy;
  byKind: CountsBy;
  bySpec: CountsBy;
  /** Keys purged (for the caller's bookkeeping; never printed or logged by Steward). */
  readonly purgedKeys: Set<RecordKey>;
  /** Exports rebuilt without the purged records (counts). */
  exports?: RebuildReport;
}

export function emptyPurgeReport(): PurgeRecordsReport {
  return { purged: 0, cascaded: 0, alreadyPurged: 0, notFound: 0, resumed: 0, versionsRemoved: 0, byReason: {}, byKind: {}, bySpec: {}, purgedKeys: new Set() };
}

/** Add `b` into `a` (counts only). */
export function mergePurgeReports(a: PurgeRecordsReport, b: PurgeRecordsReport): PurgeRecordsReport {
  a.purged += b.purged;
  a.cascaded += b.cascaded;
  a.alreadyPurged += b.alreadyPurged;
  a.notFound += b.notFound;
  a.resumed += b.resumed;
  a.versionsRemoved += b.versionsRemoved;
  for (const field of ['byReason', 'byKind', 'bySpec'] as const) for (const [k, n] of Object.entries(b[field])) bump(a[field], k, n);
  for (const key of b.purgedKeys) a.purgedKeys.add(key);
  return a;
}

function bump(counts: CountsBy, key: string, n = 1): void {
  counts[key] = (counts[key] ?? 0) + n;
}

/** Records handled per ledger batch. */
const PURGE_BATCH = 100;
const CASCADE_KINDS: readonly RecordKind[] = ['user', 'video'];

/** A child goes for its parent's reason; a deleted video's comments are a cascade of that unavailability. */
function childReason(parent: PurgeReason): PurgeReason {
  return parent === 'unavailable' ? 'cascade' : parent;
}

/** Tombstones of records never stored still need a policy stamp: the policy that would have covered them. */
function policyIdOfKind(kind: RecordKind): PolicyId {
  return kind === 'ad' ? 'tiktok-commercial' : 'tiktok-research';
}

interface LevelTarget extends PurgeTarget {
  /** Keyed hash of the parent, for cascades. */
  readonly parentHash?: string;
}

/**
 * Purge `targets` and, recursively, their children. Idempotent: a target already tombstoned is counted and left;
 * a target with no record is skipped, except for erasures, which leave a tombstone whatever was stored (so the
 * erased account or video is never collected again) and still cascade to children that name it.
 */
export async function purgeRecords(
  ctx: JobContext,
  targets: readonly PurgeTarget[],
  chain: AuditChainWriter,
  options: PurgeRecordsOptions = {},
): Promise<PurgeRecordsReport> {
  const report = emptyPurgeReport();
  const seen = new Set<RecordKey>();
  const unique = targets.filter((t) => {
    parseRecordKey(t.key);
    if (seen.has(t.key)) return false;
    seen.add(t.key);
    return true;
  });
  const state: PurgeState = { ctx, chain, runId: options.runId ?? chain.chainId, concurrency: options.concurrency ?? 16, report, progress: options.progress, claimed: new Set() };
  for (let i = 0; i < unique.length; i += PURGE_BATCH) {
    await purgeLevel(state, unique.slice(i, i + PURGE_BATCH), 0);
  }
  // Deletion reaches every copy: exports holding a purged record are rebuilt without it, in this run.
  report.exports = await rebuildExportsAfterPurge(ctx, report.purgedKeys, chain, state.runId);
  return report;
}

interface PurgeState {
  readonly ctx: JobContext;
  readonly chain: AuditChainWriter;
  readonly runId: string;
  readonly concurrency: number;
  readonly report: PurgeRecordsReport;
  readonly progress?: ProgressSink;
  /** Keys some level of this call has taken on: a record that is both a target and a child is handled once. */
  readonly claimed: Set<RecordKey>;
}

async function purgeLevel(state: PurgeState, targets: readonly LevelTarget[], depth: number): Promise<void> {
  const { ctx, report } = state;
  const { ledger, objects, hasher, clock } = ctx;
  if (depth > 4) throw new Error('purge cascade deeper than 4 levels: the ledger has a parent cycle');
  targets = targets.filter((t) => !state.claimed.has(t.key));
  for (const target of targets) state.claimed.add(target.key);
  if (targets.length === 0) return;
  const known = await ledger.getRecords(targets.map((t) => parseRecordKey(t.key)));

  // What each target is now, and the reason + evidence that will be recorded (a pending purge keeps its own).
  interface Work {
    readonly target: LevelTarget;
    readonly record?: ActiveRecord;
    readonly reason: PurgeReason;
    readonly evidence: Evidence;
    readonly resumed: boolean;
  }
  const work: Work[] = [];
  const cascadeFrom: LevelTarget[] = [];
  for (const target of targets) {
    const found = known.get(target.key);
    if (found?.status === 'tombstoned' && target.reason === 'erasure' && found.reason !== 'erasure') {
      // Purged before for another reason: the erasure is recorded on top (its tombstone supersedes).
      work.push({ target, reason: target.reason, evidence: { ...target.evidence, previously: found.reason }, resumed: false });
      continue;
    }
    if (found?.status === 'tombstoned') {
      report.alreadyPurged += 1;
      // Children written after the parent's purge (a concurrent collect) still go.
      cascadeFrom.push(target);
      continue;
    }
    if (!found) {
      if (target.reason !== 'erasure') {
        report.notFound += 1;
        continue;
      }
      work.push({ target, reason: target.reason, evidence: target.evidence, resumed: false });
      continue;
    }
    const pending = found.purgePending;
    work.push({
      target,
      record: found,
      reason: pending?.reason ?? target.reason,
      evidence: pending?.evidence ?? target.evidence,
      resumed: pending !== undefined,
    });
  }

  // 1. Pending first: from here on a crash leaves a record that the next sweep finds due and finishes.
  const at = clock.now().toISOString();
  const marks: RecordUpdate[] = work
    .filter((w) => w.record && !w.resumed)
    .map((w) => ({ kind: 'purge-pending', key: w.target.key, at, reason: w.reason, evidence: w.evidence }));
  if (marks.length > 0) {
    try {
      await ledger.updateRecords(marks);
    } catch (error) {
      // Tombstoned meanwhile by another worker: that purge owns them.
      if (!(error instanceof RecordNotFoundError)) throw error;
      const gone = new Set(error.keys);
      for (let i = work.length - 1; i >= 0; i--) {
        if (gone.has(work[i]!.target.key) && work[i]!.record && !work[i]!.resumed) {
          report.alreadyPurged += 1;
          work.splice(i, 1);
        }
      }
    }
  }

  // 2. Children before their parent: a parent's tombstone must never leave an active child behind.
  const parents = [...work.map((w) => ({ ...w.target, reason: w.reason })), ...cascadeFrom];
  const children: LevelTarget[] = [];
  for (const parent of parents) {
    const kind = parseRecordKey(parent.key).kind;
    if (!CASCADE_KINDS.includes(kind)) continue;
    const parentHash = hasher.hash(parent.key);
    for await (const child of ledger.children(parent.key)) {
      if (state.claimed.has(recordKeyOf(child.ref))) continue;
      children.push({
        key: recordKeyOf(child.ref),
        reason: childReason(parent.reason),
        evidence: { rule: 'cascade', parent: parentHash, parentKind: kind, cause: parent.reason },
        parentHash,
      });
    }
  }
  for (let i = 0; i < children.length; i += PURGE_BATCH) {
    await purgeLevel(state, children.slice(i, i + PURGE_BATCH), depth + 1);
  }
  if (work.length === 0) return;

  // 3. Every version and delete marker of each object.
  const removed = await mapLimit(work, state.concurrency, (w) => objects.deleteAllVersions(w.record?.objectKey ?? objectKeyOf(parseRecordKey(w.target.key))));

  // 4. The audit event that holds the evidence. A resumed purge whose event was written before the crash reuses it.
  const purgedAt = clock.now().toISOString();
  const refs: Array<string | undefined> = await mapLimit(work, state.concurrency, async (w) =>
    w.resumed ? existingPurgeEvent(ctx, hasher.hash(w.target.key)) : undefined,
  );
  const events: AuditEvent[] = [];
  const eventIndex: number[] = [];
  work.forEach((w, i) => {
    if (refs[i] !== undefined) return;
    const ref = parseRecordKey(w.target.key);
    eventIndex.push(i);
    events.push({
      at: purgedAt,
      action: 'record.purged',
      actor: ctx.actor,
      runId: state.runId,
      recordHash: hasher.hash(w.target.key),
      kind: ref.kind,
      ...(w.record ? { specName: w.record.provenance.specName } : {}),
      reason: w.reason,
      // `collectedIn`: the run whose chain logged the collection (a page event no per-record index holds), so
      // the history of a purged record still finds it once the ledger item and its provenance are gone.
      evidence: { ...w.evidence, versionsRemoved: removed[i]!, ...(w.record ? { ...purgeAgeEvidence(w.record, purgedAt), collectedIn: w.record.provenance.runId } : { stored: 'no' }) },
    });
  });
  if (events.length > 0) {
    const linked = await state.chain.append(events);
    linked.forEach((event, j) => {
      refs[eventIndex[j]!] = `${event.chainId}#${event.seq}`;
    });
  }

  // 5. The tombstone replaces the record item (and drops it from every index) in one transaction.
  await mapLimit(
    work.map((w, i) => ({ w, i })),
    state.concurrency,
    async ({ w, i }) => {
      const ref = parseRecordKey(w.target.key);
      const policyId = (w.record?.policyId ?? policyIdOfKind(ref.kind)) as PolicyId;
      await ledger.tombstone(w.target.key, {
        platform: ref.platform,
        kind: ref.kind,
        recordHash: hasher.hash(w.target.key),
        status: 'tombstoned',
        reason: w.reason,
        purgedAt,
        evidenceRef: refs[i]!,
        policyId,
        policyVersion: w.record?.policyVersion ?? ctx.policies[policyId].version,
      });
    },
  );

  work.forEach((w, i) => {
    const kind = parseRecordKey(w.target.key).kind;
    report.purged += 1;
    if (w.target.parentHash !== undefined) report.cascaded += 1;
    if (w.resumed) report.resumed += 1;
    report.versionsRemoved += removed[i]!;
    bump(report.byReason, w.reason);
    bump(report.byKind, kind);
    if (w.record) bump(report.bySpec, w.record.provenance.specName);
    report.purgedKeys.add(w.target.key);
  });
  state.progress?.({ job: 'purge', phase: 'purge', done: report.purged, counts: { purged: report.purged, cascaded: report.cascaded } });
}

/** `chainId#seq` of a `record.purged` event already written for this record, if any. */
async function existingPurgeEvent(ctx: JobContext, recordHash: string): Promise<string | undefined> {
  let cursor: string | undefined;
  do {
    const page = await ctx.audit.byRecord(recordHash, { limit: 100, ...(cursor ? { cursor } : {}) });
    const event = page.events.find((e) => e.action === 'record.purged');
    if (event) return `${event.chainId}#${event.seq}`;
    cursor = page.cursor;
  } while (cursor);
  return undefined;
}

// ------------------------------------------------------------------------------------------------ dry run

/** What a purge of `targets` would remove (cascades included), counted, without touching anything. */
export async function planPurge(ctx: JobContext, targets: readonly PurgeTarget[]): Promise<PurgePlan> {
  const plan: PurgePlan = { records: 0, cascaded: 0, byReason: {}, byKind: {}, bySpec: {} };
  const seen = new Set<RecordKey>();
  let level: Array<PurgeTarget & { cascade: boolean }> = targets.map((t) => ({ ...t, cascade: false }));
  for (let depth = 0; level.length > 0 && depth <= 4; depth++) {
    const next: Array<PurgeTarget & { cascade: boolean }> = [];
    for (let i = 0; i < level.length; i += PURGE_BATCH) {
      const part = level.slice(i, i + PURGE_BATCH).filter((t) => !seen.has(t.key));
      part.forEach((t) => seen.add(t.key));
      const known = await ctx.ledger.getRecords(part.map((t) => parseRecordKey(t.key)));
      for (const target of part) {
        const record = known.get(target.key);
        const active = record?.status === 'active' ? record : undefined;
        const reason = active?.purgePending?.reason ?? target.reason;
        if (active || (!record && target.reason === 'erasure')) {
          const kind = parseRecordKey(target.key).kind;
          plan.records += 1;
          if (target.cascade) plan.cascaded += 1;
          bump(plan.byReason, reason);
          bump(plan.byKind, kind);
          if (active) bump(plan.bySpec, active.provenance.specName);
        }
        if (record?.status === 'active' || target.reason === 'erasure') {
          if (!CASCADE_KINDS.includes(parseRecordKey(target.key).kind)) continue;
          for await (const child of ctx.ledger.children(target.key)) {
            next.push({ key: recordKeyOf(child.ref), reason: childReason(reason), evidence: {}, cascade: true });
          }
        }
      }
    }
    level = next;
  }
  return plan;
}

/** Counts of what would go. */
export interface PurgePlan {
  records: number;
  cascaded: number;
  byReason: CountsBy;
  byKind: CountsBy;
  bySpec: CountsBy;
}

// ------------------------------------------------------------------------------------------------ the job

export interface PurgeJobOptions {
  /** Count what would go, by reason, spec and kind; change nothing. */
  readonly dryRun?: boolean;
  /** Sweep only these due-index shards (one Lambda per shard). Default: all. */
  readonly shards?: readonly number[];
  readonly progress?: ProgressSink;
}

export interface PurgeJobReport {
  readonly runId?: string;
  readonly dryRun: boolean;
  /** Pending purges found in the due index. */
  readonly pending: number;
  /** Records purged (or, on a dry run, that would be), cascades included. */
  readonly purged: number;
  readonly cascaded: number;
  readonly versionsRemoved: number;
  readonly byReason: CountsBy;
  readonly byKind: CountsBy;
  readonly bySpec: CountsBy;
  /**
   * Exports rebuilt because they still held a purged record (a purge that died between its tombstones and its
   * rebuild left them so): a full sweep (no `shards`) checks every current export against the tombstones.
   */
  readonly exportsRepaired?: number;
  /** Export part files no current version listed (left by a build or rebuild that died), deleted. */
  readonly exportFilesLeftDeleted?: number;
}

/**
 * Complete the purges that were decided and not finished (an interrupted refresh, expiry or erasure), found at the
 * head of the due index: a pending purge is due from the instant it was decided. A full sweep (no `shards`: the
 * hourly schedule, `steward purge`) then rebuilds any export that still holds a tombstoned record
 * (lib/jobs/export/reconcile.ts): what a purge that died between its tombstones and its rebuild left.
 */
export async function purge(ctx: JobContext, options: PurgeJobOptions = {}): Promise<PurgeJobReport> {
  const now = ctx.clock.now();
  const shards = sweepShards(ctx.ledger, options.shards);
  const targets: PurgeTarget[] = [];
  for await (const page of dueRecords(ctx.ledger, now, shards)) {
    for (const record of page.records) {
      if (!record.purgePending) continue;
      targets.push({ key: recordKeyOf(record.ref), reason: record.purgePending.reason, evidence: record.purgePending.evidence });
    }
  }
  if (options.dryRun) {
    const plan = await planPurge(ctx, targets);
    return { dryRun: true, pending: targets.length, purged: plan.records, cascaded: plan.cascaded, versionsRemoved: 0, byReason: plan.byReason, byKind: plan.byKind, bySpec: plan.bySpec };
  }
  const runId = newRunId('purge', now);
  const startedAt = now.toISOString();
  const chain = await startRun(ctx, 'purge', runId, startedAt);
  await chain.append([{ at: startedAt, action: 'run.started', actor: ctx.actor, runId, counts: { pending: targets.length } }]);
  const report = await purgeRecords(ctx, targets, chain, { runId, progress: options.progress });
  // Deletion reaches every copy even after a crash: exports that still hold a tombstoned record are rebuilt.
  const reconciled = options.shards === undefined ? await reconcileExportsAfterPurge(ctx, chain, runId) : undefined;
  const counts = {
    pending: targets.length,
    purged: report.purged,
    cascaded: report.cascaded,
    versionsRemoved: report.versionsRemoved,
    ...(reconciled ? { exportsRepaired: reconciled.exportsRebuilt, exportFilesLeftDeleted: reconciled.leftoverFilesDeleted } : {}),
  };
  const finishedAt = ctx.clock.now().toISOString();
  await chain.append([{ at: finishedAt, action: 'run.finished', actor: ctx.actor, runId, counts }]);
  await ctx.ledger.putRun({ runId, job: 'purge', startedAt, finishedAt, actor: ctx.actor.name, status: 'finished', counts });
  return { runId, dryRun: false, ...counts, byReason: report.byReason, byKind: report.byKind, bySpec: report.bySpec };
}
