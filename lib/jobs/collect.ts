/**
 * Collect: run collection specs, store each record once, register provenance and obligations, audit it.
 *
 * Per page the writes go: checkpoint (page in flight) -> objects -> ledger -> audit -> quota book. A crash
 * anywhere leaves a checkpoint from which the next run converges: in-flight objects without a ledger item are
 * removed (the page is fetched again), ledger items whose object was rewritten are re-stamped from the object.
 */
import { MS_PER_DAY, utcDayKey } from '../domain/clock';
import type { AuditEvent } from '../domain/audit';
import { BadInputError } from '../domain/errors';
import { mergeAnswer } from '../domain/answer-merge';
import { sha256Hex } from '../domain/hashing';
import { nextActionAt, obligationsFor } from '../domain/obligations';
import type { Policy } from '../domain/policy';
import { newActiveRecord, objectKeyOf, parseRecordKey, recordKeyOf, type ActiveRecord, type LedgerRecord, type RecordRef } from '../domain/records';
import { policyIdForApi, projectEnd } from '../config/load';
import type { Spec } from '../config/schema';
import type { AuditChainWriter, Checkpoint, RecordUpdate } from '../store/ports';
import { collectedHashes } from './audit-read';
import { collectedEvents, recordEvent } from './collect-events';
import { mapLimit, newRunId, type JobContext, type ProgressSink } from './context';
import { sweepShards } from './due';
import { readPolicyMarkers } from './policy-change';
import { refreshNeedToday } from './quota-plan';
import { startRun } from './runs';
import { QuotaExhaustedError, type CollectedItem, type SourceUsage, type SpecSource } from './sources';

const OBJECT_WRITE_CONCURRENCY = 16;

export interface SpecSourceBinding {
  readonly source: SpecSource;
  readonly usage: SourceUsage;
}

export interface CollectOptions {
  /** Run only this spec (even if not due). Default: every due spec. */
  readonly specName?: string;
  /** Connect a spec to its platform source. */
  readonly sourceFor: (spec: Spec) => SpecSourceBinding;
  readonly progress?: ProgressSink;
}

export type SpecOutcome = 'finished' | 'quota-exhausted' | 'reserve-reached' | 'not-due';

export interface SpecReport {
  readonly spec: string;
  readonly outcome: SpecOutcome;
  readonly pages: number;
  readonly newRecords: number;
  readonly changed: number;
  readonly unchanged: number;
  /** Records the platform still serves but that were purged (erasure): never collected again. */
  readonly skippedPurged: number;
  readonly requests: number;
  /** In-flight writes of a crashed run that were repaired before resuming. */
  readonly repaired: number;
  readonly resumed: boolean;
  readonly resetsAt?: string;
}

export interface CollectReport {
  readonly runId: string;
  readonly specs: readonly SpecReport[];
  /** Set when collection was refused (deployed, after the project end): why; nothing was collected. */
  readonly refused?: string;
}

/** Interval between runs of a spec, from its EventBridge schedule (cron schedules count as daily locally). */
export function scheduleIntervalMs(schedule: string): number {
  const rate = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/.exec(schedule);
  if (!rate) return MS_PER_DAY;
  const unit = rate[2]!.startsWith('minute') ? 60_000 : rate[2]!.startsWith('hour') ? 3_600_000 : MS_PER_DAY;
  return Number(rate[1]) * unit;
}

/** A spec is due when its last run finished at least one interval ago (less 5%: schedules fire with jitter). */
function isDue(spec: Spec, checkpoint: Checkpoint | undefined, now: Date): boolean {
  if (!checkpoint || !checkpoint.done) return true;
  return now.getTime() - Date.parse(checkpoint.updatedAt) >= scheduleIntervalMs(spec.schedule) * 0.95;
}

/** Parents before children: comments and authors are found through the videos of their parent spec. */
function inDependencyOrder(specs: readonly Spec[]): Spec[] {
  const rank = (s: Spec) => (s.kind === 'video' || s.kind === 'ad' ? 0 : 1);
  return [...specs].sort((a, b) => rank(a) - rank(b));
}

/**
 * Why collection must not run now, or undefined: after `project.endDate` the terms allow no new data (the
 * expiry purges what is left).
 */
export function collectionRefusal(ctx: Pick<JobContext, 'config' | 'clock'>): string | undefined {
  if (ctx.clock.now().getTime() <= projectEnd(ctx.config).getTime()) return undefined;
  return `the project ended on ${ctx.config.project.endDate} (project.endDate): no new data may be collected after it; expire purges what is left`;
}

/** Collection refused (after the project end); bad input for the command that asked. */
export class CollectionRefusedError extends BadInputError {}

/**
 * Record a refused collection in the audit log (`collect.refused` with the reason, in a chain of its own, sealed),
 * writing nothing else: what a scheduled invocation does when it fires after the project end.
 */
export async function auditCollectRefusal(ctx: JobContext, reason: string): Promise<string> {
  const runId = newRunId('collect', ctx.clock.now());
  const at = ctx.clock.now().toISOString();
  // Listed among the open runs before its chain opens (runs.ts), so a crash here is closed by the next run.
  const chain = await startRun(ctx, 'collect', runId, at);
  await chain.append([
    { at, action: 'collect.refused', actor: ctx.actor, runId, reason: reason.slice(0, 256) },
    { at, action: 'run.finished', actor: ctx.actor, runId, counts: {} },
  ]);
  await ctx.ledger.putRun({ runId, job: 'collect', startedAt: at, finishedAt: at, actor: ctx.actor.name, status: 'stopped', counts: {}, stopReason: 'project-ended' });
  return runId;
}

export async function collect(ctx: JobContext, options: CollectOptions): Promise<CollectReport> {
  const { config, clock } = ctx;
  const refused = collectionRefusal(ctx);
  if (refused) throw new CollectionRefusedError(refused);
  const selected = options.specName ? config.specs.filter((s) => s.name === options.specName) : config.specs;
  if (options.specName && selected.length === 0) {
    throw new RangeError(`no spec named "${options.specName}" (specs: ${config.specs.map((s) => s.name).join(', ')})`);
  }
  // New records are stamped with the policies in force: one that changed a duty but kept its version is refused
  // here, before anything is written, as the refresh sweep refuses it.
  await readPolicyMarkers(ctx, sweepShards(ctx.ledger));
  const runId = newRunId('collect', clock.now());
  const startedAt = clock.now().toISOString();
  const chain = await startRun(ctx, 'collect', runId, startedAt);
  await chain.append([{ at: startedAt, action: 'run.started', actor: ctx.actor, runId, counts: { specs: selected.length } }]);

  const reports: SpecReport[] = [];
  let refreshNeed: Record<string, number> | undefined;
  for (const spec of inDependencyOrder(selected)) {
    const checkpoint = await ctx.ledger.getCheckpoint(spec.name);
    if (!options.specName && !isDue(spec, checkpoint, clock.now())) {
      reports.push(emptyReport(spec.name, 'not-due'));
      continue;
    }
    // What the refresh sweeps still need today comes first (read once per run, from what is due today).
    refreshNeed ??= await refreshNeedToday(ctx);
    reports.push(await collectSpec(ctx, spec, runId, chain, checkpoint, options, refreshNeed[spec.source] ?? 0));
  }

  const counts = totals(reports);
  const stopped = reports.find((r) => r.outcome === 'quota-exhausted' || r.outcome === 'reserve-reached');
  const finishedAt = clock.now().toISOString();
  await chain.append([
    { at: finishedAt, action: 'run.finished', actor: ctx.actor, runId, counts, ...(stopped ? { reason: stopped.outcome } : {}) },
  ]);
  await ctx.ledger.putRun({
    runId,
    job: 'collect',
    startedAt,
    finishedAt,
    actor: ctx.actor.name,
    status: stopped ? 'stopped' : 'finished',
    counts,
    ...(stopped ? { stopReason: stopped.outcome } : {}),
  });
  return { runId, specs: reports };
}

function emptyReport(spec: string, outcome: SpecOutcome): SpecReport {
  return { spec, outcome, pages: 0, newRecords: 0, changed: 0, unchanged: 0, skippedPurged: 0, requests: 0, repaired: 0, resumed: false };
}

function totals(reports: readonly SpecReport[]): Record<string, number> {
  const sum = (f: (r: SpecReport) => number) => reports.reduce((n, r) => n + f(r), 0);
  return {
    pages: sum((r) => r.pages),
    newRecords: sum((r) => r.newRecords),
    changed: sum((r) => r.changed),
    unchanged: sum((r) => r.unchanged),
    skippedPurged: sum((r) => r.skippedPurged),
    requests: sum((r) => r.requests),
  };
}

async function collectSpec(
  ctx: JobContext,
  spec: Spec,
  runId: string,
  chain: AuditChainWriter,
  checkpoint: Checkpoint | undefined,
  options: CollectOptions,
  refreshNeed: number,
): Promise<SpecReport> {
  const { clock, ledger } = ctx;
  const sourceConfig = ctx.config.sources[spec.source]!;
  const policy = ctx.policies[policyIdForApi(sourceConfig.api)];
  const { source, usage } = options.sourceFor(spec);
  const resumed = Boolean(checkpoint && !checkpoint.done);
  const report = { ...emptyReport(spec.name, 'finished'), resumed };

  if (checkpoint?.inFlight && !checkpoint.done) {
    report.repaired = await repairInFlight(ctx, spec, policy, checkpoint, chain, runId);
  }

  // Collection may use the quota that refreshes do not need: the configured reserve, or what the records due today
  // need if that is more (quota-plan.ts). Usage is booked per UTC day in the ledger.
  const allowance = Math.max(0, Math.min(Math.floor(sourceConfig.dailyRequests * (1 - sourceConfig.refreshReserve)), sourceConfig.dailyRequests - refreshNeed));
  let day = utcDayKey(clock.now());
  let usedToday = (await ledger.getQuotaUsage(spec.source, day)).requests;
  let booked = { requests: usage.requests(), records: usage.records() };
  const bookUsage = async () => {
    const spent = { requests: usage.requests(), records: usage.records() };
    const delta = { requests: spent.requests - booked.requests, records: spent.records - booked.records };
    day = utcDayKey(clock.now());
    if (delta.requests > 0 || delta.records > 0) usedToday = (await ledger.addQuotaUsage(spec.source, day, delta)).requests;
    else usedToday = (await ledger.getQuotaUsage(spec.source, day)).requests;
    // Counted as booked only once the ledger has it: after a failed write the next call books the same requests.
    booked = spent;
    report.requests += delta.requests;
  };

  let stateBefore: unknown = resumed ? checkpoint!.state : undefined;
  const pages = source.pages(stateBefore)[Symbol.asyncIterator]();
  try {
    for (;;) {
      if (usedToday >= allowance) {
        report.outcome = 'reserve-reached';
        break;
      }
      const next = await pages.next();
      if (next.done) break;
      const page = next.value;
      const counts = await writePage(ctx, spec, policy, runId, chain, source.queryFingerprint, page, stateBefore);
      report.pages += 1;
      report.newRecords += counts.newRecords;
      report.changed += counts.changed;
      report.unchanged += counts.unchanged;
      report.skippedPurged += counts.skippedPurged;
      stateBefore = page.stateAfter;
      await bookUsage();
      options.progress?.({ job: 'collect', phase: spec.name, done: report.pages, counts: { new: report.newRecords, changed: report.changed } });
    }
  } catch (error) {
    await bookUsage();
    if (!(error instanceof QuotaExhaustedError)) throw error;
    report.outcome = 'quota-exhausted';
    (report as { resetsAt?: string }).resetsAt = error.resetsAt.toISOString();
  }
  const done = report.outcome === 'finished';
  await ledger.putCheckpoint({ specName: spec.name, runId, state: stateBefore, updatedAt: clock.now().toISOString(), done });
  return report;
}

interface PageCounts {
  newRecords: number;
  changed: number;
  unchanged: number;
  skippedPurged: number;
}

async function writePage(
  ctx: JobContext,
  spec: Spec,
  policy: Policy,
  runId: string,
  chain: AuditChainWriter,
  queryFingerprint: string,
  page: { items: readonly CollectedItem[]; endpoint: string; logId: string },
  stateBefore: unknown,
): Promise<PageCounts> {
  const { ledger, clock } = ctx;
  const now = clock.now();
  const at = now.toISOString();
  const items = dedupe(page.items);
  // The accounts of the page's videos are read with them: an erased account's videos are never stored again.
  const parents = [...new Set(items.flatMap((i) => (i.parentKey?.startsWith('tiktok:user:') ? [i.parentKey] : [])))];
  const known = await ledger.getRecords([...items.map((i) => i.ref), ...parents.map(parseRecordKey)]);
  const erased = new Set(parents.filter((key) => {
    const parent = known.get(key);
    return parent?.status === 'tombstoned' && parent.reason === 'erasure';
  }));

  const end = projectEnd(ctx.config);
  const fresh: CollectedItem[] = [];
  const changed: Array<{ item: CollectedItem; sha: string }> = [];
  const seen: CollectedItem[] = [];
  const updates: RecordUpdate[] = [];
  // A known record fetched again with its full content is refreshed, exactly as the sweep would refresh it: its
  // deadline moves (and it is re-stamped under the policy in force), so the sweep spends no quota on it.
  const refreshedDue = (existing: ActiveRecord) => {
    const o = obligationsFor(now, new Date(existing.firstCollectedAt), policy, end);
    return {
      refreshDueAt: o.refreshDueAt.toISOString(),
      nextActionAt: nextActionAt(o, policy).toISOString(),
      restamp: { policyVersion: policy.version, expiresAt: o.expiresAt.toISOString() },
    };
  };
  let skippedPurged = 0;
  const shaOf = new Map<CollectedItem, string>();
  // A known record's answer that omits fields keeps their stored values (domain/answer-merge.ts).
  const merged = await mergeWithStored(ctx, items, known);
  for (const original of items) {
    const item = merged.get(original) ?? original;
    const key = recordKeyOf(item.ref);
    const existing = known.get(key);
    const sha = sha256Hex(item.body);
    shaOf.set(item, sha);
    if (item.parentKey !== undefined && erased.has(item.parentKey)) skippedPurged += 1;
    else if (!existing) fresh.push(item);
    else if (existing.status === 'tombstoned') skippedPurged += 1;
    else if (existing.contentSha256 === sha) {
      updates.push({ kind: 'seen', key, at, ...refreshedDue(existing), ...placedBy(existing) });
      seen.push(item);
    } else changed.push({ item, sha });
  }

  const toWrite = [...fresh, ...changed.map((c) => c.item)];
  if (toWrite.length > 0) {
    // The checkpoint still points before this page: if we crash, the page is fetched again.
    await ledger.putCheckpoint({
      specName: spec.name,
      runId,
      state: stateBefore,
      inFlight: { ids: toWrite.map((i) => recordKeyOf(i.ref)), logId: page.logId },
      updatedAt: at,
      done: false,
    });
    await mapLimit(toWrite, OBJECT_WRITE_CONCURRENCY, (item) =>
      ctx.objects.put(objectKeyOf(item.ref), item.body, { contentType: 'application/json' }),
    );
  }

  const records: ActiveRecord[] = fresh.map((item) => {
    const o = obligationsFor(now, now, policy, end);
    return newActiveRecord({
      ref: item.ref,
      contentSha256: shaOf.get(item)!,
      sizeBytes: Buffer.byteLength(item.body),
      provenance: {
        runId,
        specName: spec.name,
        queryFingerprint,
        endpoint: page.endpoint,
        logId: item.logId ?? page.logId,
        retrievedAt: at,
        collectorVersion: ctx.collectorVersion,
        collectedBy: ctx.actor.name,
      },
      at,
      policy,
      obligations: o,
      platformCreatedAt: item.platformCreatedAt,
      parentKey: item.parentKey,
    });
  });
  for (const { item, sha } of changed) {
    const existing = known.get(recordKeyOf(item.ref)) as ActiveRecord;
    updates.push({
      kind: 'changed',
      key: recordKeyOf(item.ref),
      at,
      contentSha256: sha,
      sizeBytes: Buffer.byteLength(item.body),
      ...refreshedDue(existing),
      logId: item.logId ?? page.logId,
      ...placedBy(existing),
    });
  }
  // New records: ledger, then log (a crash between is repaired from the checkpoint: repairInFlight). Changed
  // records: log, then ledger, so the ledger never promises a later deadline than the log allows.
  if (records.length > 0) await ledger.putRecords(records, (r) => nextActionAt({ refreshDueAt: new Date(r.refreshDueAt), expiresAt: new Date(r.expiresAt) }, policy).toISOString());
  const events: AuditEvent[] = [
    ...collectedEvents(ctx, fresh.map((item) => ({ ref: item.ref, logId: item.logId ?? page.logId })), runId, spec.name, at),
    ...changed.map(({ item }) => recordEvent(ctx, 'record.changed', item.ref, runId, spec.name, at, item.logId ?? page.logId)),
    ...seen.map((item) => recordEvent(ctx, 'record.refreshed', item.ref, runId, spec.name, at, item.logId ?? page.logId)),
  ];
  if (events.length > 0) await chain.append(events);
  if (updates.length > 0) await ledger.updateRecords(updates);
  return { newRecords: fresh.length, changed: changed.length, unchanged: seen.length, skippedPurged };
}

/** A comment's due entry goes to its video's shard (dynamodb-ledger.ts `dueShardKey`). */
function placedBy(record: ActiveRecord): { parentKey?: string } {
  return record.ref.kind === 'comment' && record.parentKey !== undefined ? { parentKey: record.parentKey } : {};
}

/** Items of known active records whose answer differs from the stored copy, merged with it (one GET each). */
async function mergeWithStored(ctx: JobContext, items: readonly CollectedItem[], known: ReadonlyMap<string, LedgerRecord>): Promise<Map<CollectedItem, CollectedItem>> {
  const out = new Map<CollectedItem, CollectedItem>();
  const differing = items.filter((item) => {
    const existing = known.get(recordKeyOf(item.ref));
    return existing?.status === 'active' && existing.contentSha256 !== sha256Hex(item.body);
  });
  await mapLimit(differing, OBJECT_WRITE_CONCURRENCY, async (item) => {
    const stored = await ctx.objects.get(objectKeyOf(item.ref));
    if (stored) out.set(item, { ...item, body: mergeAnswer(stored.body.toString('utf8'), item.body) });
  });
  return out;
}

/** A page can list a record twice (the platform's ordering is not stable under changes): keep the first. */
function dedupe(items: readonly CollectedItem[]): CollectedItem[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = recordKeyOf(item.ref);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Repair what a crashed run left half-written on its last page. Objects without a ledger item are removed (the
 * page will be fetched again and they re-collected if still served); ledger items whose object holds newer
 * content are re-stamped from the object; records registered without their audit event get it now.
 */
async function repairInFlight(
  ctx: JobContext,
  spec: Spec,
  policy: Policy,
  checkpoint: Checkpoint,
  chain: AuditChainWriter,
  runId: string,
): Promise<number> {
  const { ledger, objects, clock } = ctx;
  const keys = checkpoint.inFlight!.ids;
  const refs = keys.map((key) => {
    return parseRecordKey(key);
  });
  const known = await ledger.getRecords(refs);
  const at = clock.now().toISOString();
  const updates: RecordUpdate[] = [];
  const unlogged: { ref: RecordRef; logId: string }[] = [];
  let repaired = 0;
  // Records the crashed run logged as collected (page events and, from older logs, one event per record).
  const logged = await collectedHashes(ctx.audit, checkpoint.runId);
  await mapLimit(refs, OBJECT_WRITE_CONCURRENCY, async (ref) => {
    const key = recordKeyOf(ref);
    const record = known.get(key);
    if (!record) {
      if ((await objects.deleteAllVersions(objectKeyOf(ref))) > 0) repaired += 1;
      return;
    }
    if (record.status !== 'active') return;
    const stored = await objects.get(record.objectKey);
    if (!stored) return;
    const sha = sha256Hex(stored.body);
    if (sha !== record.contentSha256) {
      repaired += 1;
      updates.push({
        kind: 'changed',
        key,
        at,
        contentSha256: sha,
        sizeBytes: stored.body.length,
        refreshDueAt: record.refreshDueAt,
        nextActionAt: nextActionAt({ refreshDueAt: new Date(record.refreshDueAt), expiresAt: new Date(record.expiresAt) }, policy).toISOString(),
        logId: checkpoint.inFlight!.logId,
      });
    }
    if (record.provenance.runId === checkpoint.runId && !logged.has(ctx.hasher.hash(key))) {
      repaired += 1;
      unlogged.push({ ref, logId: record.provenance.logId });
    }
  });
  if (updates.length > 0) await ledger.updateRecords(updates);
  // One event per record here (rare: only after a crash): this run's chain is not the one the records' provenance
  // names, so their history finds these on the by-record index instead.
  if (unlogged.length > 0) await chain.append(unlogged.map(({ ref, logId }) => recordEvent(ctx, 'record.collected', ref, runId, spec.name, at, logId)));
  return repaired;
}
