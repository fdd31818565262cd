/**
 * The refresh sweep: re-fetch every record whose next action is due, before its platform deadline.
 *
 * Work comes from the due index only (a Query per shard, never a Scan), so a sweep costs what is due, not the
 * corpus. Due records are handled in steps of `batchSize`: videos are looked up by id, 100 per request, grouped by
 * ≤30-day creation windows (or checked with batch compliance tasks when the policy says so), ads by id, comments by
 * re-listing their video's comments, accounts by `user/info` with the username read from one of their videos.
 * Steps are grouped across the whole sweep (lib/domain/sweep-groups.ts): videos by creation window, comments by
 * video, so each video is listed once per sweep for every kept comment it has (comment-listing.ts).
 * Then, per record:
 * - changed content: the object is rewritten, the ledger gets the new hash and due date, `record.changed`;
 * - unchanged content: only the due date moves (no S3 write), `record.refreshed`;
 * - not returned: `judge` decides. Purge only on confirmed evidence (absent from a completed lookup that returned
 *   other ids of its batch, invalid in a completed compliance task, or N consecutive misses at least
 *   `missSpacingHours` apart); otherwise a miss is counted and the record is looked at again `missSpacingHours`
 *   later (never past its deadline), so the hourly sweeps of one outage that answers empty add up to one miss, not
 *   N. A failure (5xx after retries, timeout, throttle, quota stop, cut-short listing) changes nothing: the record
 *   stays due and the next sweep retries it, well before its deadline (sweeps start `refreshLeadHours` early).
 *
 * Writes per step go objects -> ledger -> audit, like collect: a crash leaves records due (the next sweep redoes
 * them; a rewritten object whose ledger hash is stale is found "changed" again and re-stamped) or pending purges
 * (completed by the next sweep). Refresh has first call on the daily quota; its usage is booked in the ledger's
 * quota book, where collection reads what is left (see quota-plan.ts).
 */
import type { AuditEvent } from '../domain/audit';
import { utcDayKey } from '../domain/clock';
import { judge, type MissHistory, type Observation } from '../domain/evidence';
import { mergeAnswer } from '../domain/answer-merge';
import { sha256Hex } from '../domain/hashing';
// The sweep's step, page and page-limit sizes are the ones the quota plan prices it with: one definition for both.
import { COMMENTS_PER_PAGE, MAX_COMMENT_PAGES, SWEEP_STEP } from '../domain/quota-plan';
import { parseJson, stringifyJson } from '../domain/json';
import { nextActionAt, obligationsFor } from '../domain/obligations';
import type { Policy, PolicyId } from '../domain/policy';
import { parseRecordKey, recordKeyOf, type ActiveRecord, type RecordKey } from '../domain/records';
import { projectEnd } from '../config/load';
import {
  AD_FIELDS,
  COMMENT_FIELDS,
  DailyQuotaExceededError,
  TikTokApiError,
  planLookupBatches,
  USER_INFO_FIELDS,
  isUserInfoUnavailable,
  isUserNotFound,
  MAX_IDS_PER_VALIDATION_TASK,
  type CommercialContentClient,
  type ResearchApiClient,
} from '../platforms/tiktok';
import type { AuditChainWriter, RecordUpdate } from '../store/ports';
import { RecordNotFoundError } from '../store/retry';
import { mapLimit, newRunId, type JobContext, type ProgressSink } from './context';
import { dueRecords, sweepShards } from './due';
import { FuseGate } from './fuse';
import { readPolicyMarkers, reconcilePolicies } from './policy-change';
import { startRun } from './runs';
import { sourceOfRecord } from './quota-plan';
import { emptyPurgeReport, mergePurgeReports, purgeRecords, type PurgeTarget } from './purge';
import { STORED_VIDEO_FIELDS, storedUserBody } from './tiktok-sources';
import { ListingSiblings } from './comment-listing';
import { creationDay, SweepGroups, type Lane } from '../domain/sweep-groups';

/** The platform clients a sweep uses, by source name (config `sources`). */
export interface RefreshClients {
  research(sourceName: string): ResearchApiClient;
  commercial(sourceName: string): CommercialContentClient;
}

export interface RefreshOptions {
  readonly clients: RefreshClients;
  /** Sweep only these due-index shards (the Lambda fan-out runs one shard per worker). Default: every shard. */
  readonly shards?: readonly number[];
  /** Start no new work after this instant (a Lambda's remaining time); what is left stays due. */
  readonly deadline?: Date;
  /** Spend at most this many API requests in this run. */
  readonly maxRequests?: number;
  /** Refresh records whose next action is at or before this instant. @default now */
  readonly dueBefore?: Date;
  /** Due records handled per step. @default SWEEP_STEP (1000) */
  readonly batchSize?: number;
  /** Wait between batch-compliance status polls. @default 15000 */
  readonly pollIntervalMs?: number;
  readonly progress?: ProgressSink;
}

export type RefreshStop = 'quota' | 'deadline' | 'max-requests';

export interface RefreshReport {
  readonly runId: string;
  readonly shards: readonly number[];
  /** Due records read from the index. */
  due: number;
  /** Re-fetched and found unchanged: only the due date moved. */
  unchanged: number;
  /** Re-fetched with new content: object rewritten. */
  changed: number;
  /** Still served per a batch compliance task (existence only): due date moved. */
  validated: number;
  /** Not returned, without confirmation yet: miss counted. */
  missed: number;
  /** Nothing learned (errors, throttles, cut-short answers): still due, retried next sweep. */
  failed: number;
  readonly failures: Record<string, number>;
  /** Confirmed unavailable and purged (cascades counted apart). */
  purged: number;
  cascaded: number;
  /** Confirmed unavailable while the source's purge fuse was tripped: held for the PI, not purged (fuse.ts). */
  held: number;
  /** Purges left pending by an interrupted run, completed now. */
  completedPending: number;
  /** Past their expiry: left to the expiry sweep. */
  skippedExpired: number;
  /** Records re-stamped after a policy change. */
  restamped: number;
  /** API requests this run sent, by source. */
  readonly requests: Record<string, number>;
  /** Due records read but not handled because the run stopped. */
  unprocessed: number;
  /** Comments not yet due, refreshed by the listing of their video that the due ones needed (not in `due`). */
  alongside: number;
  stopped?: RefreshStop;
  /** When the daily quota comes back (quota stop). */
  resetsAt?: string;
}

/**
 * TikTok serves only about the first 1,000 comments of a video: a listing that long may have left out a comment
 * that is still there, so an absence from it is only a miss, never confirmation.
 */
const PLATFORM_COMMENT_CAP = 1_000;
const LOOKUP_CONCURRENCY = 4;
/** Videos and ads first: a video confirmed gone takes its comments along; accounts last (see `orphaned`). */
const KIND_ORDER = ['video', 'ad', 'comment', 'user'] as const;
const OBJECT_WRITE_CONCURRENCY = 16;

class StopSweep extends Error {
  constructor(readonly reason: RefreshStop, readonly resetsAt?: Date) {
    super(`sweep stopped: ${reason}`);
  }
}

/** What one attempt learned about one record. */
type Outcome =
  | { readonly kind: 'found'; readonly body: string; readonly logId: string }
  | { readonly kind: 'valid'; readonly taskId: string }
  | { readonly kind: 'observed'; readonly observation: Observation }
  /**
   * An account that no collected video names any more, under the policy `orphanedAccounts: purge` (the default):
   * Steward collected it as the author of videos it no longer keeps, so it goes with the last of them (reason
   * `cascade`, rule `orphaned`, distinct from a confirmed unavailability). Under `keep` it is looked up through the
   * username in its own stored copy instead.
   */
  | { readonly kind: 'orphaned' };

const failed = (reason: string): Outcome => ({ kind: 'observed', observation: { kind: 'failed', reason } });

/** A failure's short name for reports and evidence (never a message that could quote content). */
function failureReason(error: unknown): string {
  if (error instanceof TikTokApiError) return error.code;
  if (error instanceof Error) return error.name;
  return 'error';
}

export async function refresh(ctx: JobContext, options: RefreshOptions): Promise<RefreshReport> {
  const { clock, ledger } = ctx;
  const shards = sweepShards(ledger, options.shards);
  const batchSize = options.batchSize ?? SWEEP_STEP;
  // A policy that changed a duty but kept its version is refused here, before the run writes anything.
  const markers = await readPolicyMarkers(ctx, shards);
  const start = clock.now();
  const runId = newRunId('refresh', start);
  const startedAt = start.toISOString();
  const chain = await startRun(ctx, 'refresh', runId, startedAt);
  await chain.append([{ at: startedAt, action: 'run.started', actor: ctx.actor, runId, counts: { shards: shards.length } }]);

  const report: RefreshReport = {
    runId,
    shards,
    due: 0,
    unchanged: 0,
    changed: 0,
    validated: 0,
    missed: 0,
    failed: 0,
    failures: {},
    purged: 0,
    cascaded: 0,
    held: 0,
    completedPending: 0,
    skippedExpired: 0,
    restamped: 0,
    requests: {},
    unprocessed: 0,
    alongside: 0,
  };
  const sweep = new Sweep(ctx, options, runId, chain, report);

  // A policy whose version changed: records it covers get their due dates recomputed (see policy-change.ts).
  report.restamped = await reconcilePolicies(ctx, shards, chain, runId, markers);

  const before = options.dueBefore ?? clock.now();
  sweep.before = before;
  // Steps grouped across the whole sweep (sweep-groups.ts): videos by creation window, comments by parent video (one
  // listing per video per sweep), compliance-task records in steps as large as one task may be; none waits behind a
  // lookup step.
  const groups = new SweepGroups<ActiveRecord>((r) => sweep.laneOf(r), {
    stepSize: batchSize,
    checkStepSize: Math.max(batchSize, MAX_IDS_PER_VALIDATION_TASK),
  });
  let stepped = 0;
  const runStep = async (records: ActiveRecord[]) => {
    // A step may count due comments it found through their video (comment-listing.ts): they were handed over too.
    const counted = report.due;
    stepped += records.length;
    try {
      await sweep.step(records);
    } finally {
      stepped += report.due - counted;
    }
  };
  try {
    for await (const page of dueRecords(ledger, before, shards)) {
      for (const record of page.records) {
        // Already refreshed (or tried) this sweep with its video's listing, and counted then.
        if (sweep.countedWithListing(record)) continue;
        report.due += 1;
        const { steps, covered } = groups.add(record);
        if (covered) {
          // Its video was listed in this sweep without it (stored since, or not yet in the index): next sweep.
          stepped += 1;
          sweep.coveredLater();
        }
        for (const step of steps) await runStep(step);
      }
    }
    for (const step of groups.finish()) await runStep(step);
  } catch (error) {
    if (!(error instanceof StopSweep)) throw error;
    // The stopping step counted what it left; records read but never handed to a step are left too.
    report.unprocessed += report.due - stepped;
    report.stopped = error.reason;
    if (error.resetsAt) report.resetsAt = error.resetsAt.toISOString();
  }
  await sweep.bookUsage();

  const counts = countsOf(report);
  const finishedAt = clock.now().toISOString();
  await chain.append([{ at: finishedAt, action: 'run.finished', actor: ctx.actor, runId, counts, ...(report.stopped ? { reason: report.stopped } : {}) }]);
  await ledger.putRun({
    runId,
    job: 'refresh',
    startedAt,
    finishedAt,
    actor: ctx.actor.name,
    status: report.stopped ? 'stopped' : 'finished',
    counts,
    ...(report.stopped ? { stopReason: report.stopped } : {}),
  });
  return report;
}

/** What a fresh lookup said of a record: served again, absent, or nothing learned. */
export type LookupVerdict = 'served' | 'absent' | 'failed';

/**
 * Look records up exactly as a sweep does, judging and writing nothing but the quota book: a purge hold's release
 * re-checks its records with it (holds.ts), so a record the platform serves again is kept.
 */
export async function lookUpRecords(
  ctx: JobContext,
  options: Pick<RefreshOptions, 'clients' | 'pollIntervalMs'>,
  records: readonly ActiveRecord[],
  chain: AuditChainWriter,
): Promise<Map<RecordKey, LookupVerdict>> {
  const report: RefreshReport = {
    ...{ runId: chain.chainId, shards: [], due: 0, unchanged: 0, changed: 0, validated: 0, missed: 0, failed: 0, failures: {} },
    ...{ purged: 0, cascaded: 0, held: 0, completedPending: 0, skippedExpired: 0, restamped: 0, requests: {}, unprocessed: 0, alongside: 0 },
  };
  const sweep = new Sweep(ctx, options, chain.chainId, chain, report);
  const outcomes = await sweep.lookUp(records);
  const out = new Map<RecordKey, LookupVerdict>();
  for (const record of records) {
    const key = recordKeyOf(record.ref);
    const outcome = outcomes.get(key);
    if (outcome === undefined || (outcome.kind === 'observed' && outcome.observation.kind === 'failed')) out.set(key, 'failed');
    else out.set(key, outcome.kind === 'found' || outcome.kind === 'valid' ? 'served' : 'absent');
  }
  return out;
}

function countsOf(report: RefreshReport): Record<string, number> {
  const { due, unchanged, changed, validated, missed, failed: f, purged, cascaded, held, completedPending, skippedExpired, restamped, unprocessed, alongside } = report;
  const requests = Object.values(report.requests).reduce((a, b) => a + b, 0);
  return { due, unchanged, changed, validated, missed, failed: f, purged, cascaded, held, completedPending, skippedExpired, restamped, unprocessed, alongside, requests };
}

/** Usage of one source's client since the run began, booked to the ledger's quota book as it grows. */
interface SourceMeter {
  readonly usage: () => { day: string; requests: number; records: number };
  booked: { day: string; requests: number; records: number };
}

/** The state of one sweep: clients, quota meters, stop conditions. */
class Sweep {
  private readonly meters = new Map<string, SourceMeter>();
  private readonly end: Date;
  private readonly fuse: FuseGate;
  private stop: StopSweep | undefined;
  /** Records whose next action is at or before this are due in this sweep. */
  before = new Date(0);
  /** Comments of a video's listing, with their listings' outcomes and counts (comment-listing.ts). */
  private readonly listings = new ListingSiblings();

  constructor(
    private readonly ctx: JobContext,
    private readonly options: RefreshOptions,
    private readonly runId: string,
    private readonly chain: AuditChainWriter,
    private readonly report: RefreshReport,
  ) {
    this.end = projectEnd(ctx.config);
    this.fuse = new FuseGate(ctx, chain, runId);
  }

  // ------------------------------------------------------------------------------------------ one step

  async step(records: readonly ActiveRecord[]): Promise<void> {
    const now = this.ctx.clock.now();
    const purge = emptyPurgeReport();
    const pending: PurgeTarget[] = [];
    const live: ActiveRecord[] = [];
    for (const record of records) {
      if (record.purgePending) pending.push({ key: recordKeyOf(record.ref), reason: record.purgePending.reason, evidence: record.purgePending.evidence });
      else if (Date.parse(record.expiresAt) <= now.getTime()) this.report.skippedExpired += 1;
      else if (!record.hold) live.push(record); // held: left for the PI (holds.ts)
    }
    if (pending.length > 0) {
      const done = await purgeRecords(this.ctx, pending, this.chain, { runId: this.runId });
      this.report.completedPending += done.purged - done.cascaded;
      this.report.cascaded += done.cascaded;
      mergePurgeReports(purge, done);
    }

    const byKind = (kind: ActiveRecord['ref']['kind']) => live.filter((r) => r.ref.kind === kind && !purge.purgedKeys.has(recordKeyOf(r.ref)));
    // Videos and ads first: a video confirmed gone takes its comments along, so they need no listing; accounts last,
    // so one whose last collected video just went is recognised as orphaned.
    for (const kind of KIND_ORDER) {
      const due = byKind(kind);
      if (due.length === 0) continue;
      // Comments: the other kept comments of their videos go along, so one listing refreshes them all.
      const group = kind === 'comment' ? await this.listings.withSiblings(this.ctx, due, this.siblingFilter(), (r) => this.dueThisSweep(r)) : due;
      const outcomes = new Map<RecordKey, Outcome>();
      let stop: StopSweep | undefined;
      try {
        await this.observe(kind, group, outcomes);
      } catch (error) {
        if (!(error instanceof StopSweep)) throw error;
        stop = error;
      }
      // A sibling the listing said nothing about (cut short, failed) waits for its own deadline.
      for (const [key, outcome] of outcomes) if (this.listings.isSibling(key) && outcome.kind === 'observed' && outcome.observation.kind === 'failed') outcomes.delete(key);
      const handled = group.filter((r) => outcomes.has(recordKeyOf(r.ref)));
      this.report.alongside += this.listings.countAlongside(handled);
      this.report.due += this.listings.countDue(handled);
      mergePurgeReports(purge, await this.apply(handled, outcomes));
      await this.bookUsage();
      if (stop) {
        const order = KIND_ORDER.indexOf(kind);
        const unhandled = due.filter((r) => !outcomes.has(recordKeyOf(r.ref))).length;
        this.report.unprocessed += unhandled + KIND_ORDER.slice(order + 1).reduce((n, later) => n + byKind(later).length, 0);
        throw stop;
      }
      this.listings.clearStep();
    }
    this.options.progress?.({
      job: 'refresh',
      phase: 'sweep',
      done: this.report.unchanged + this.report.changed + this.report.validated + this.report.missed + this.report.failed + this.report.purged,
      counts: { changed: this.report.changed, purged: this.report.purged, failed: this.report.failed },
    });
  }

  /** Observe records of every kind, writing nothing but the quota book (see `lookUpRecords`). */
  async lookUp(records: readonly ActiveRecord[]): Promise<Map<RecordKey, Outcome>> {
    const out = new Map<RecordKey, Outcome>();
    try {
      for (const kind of KIND_ORDER) {
        const group = records.filter((r) => r.ref.kind === kind);
        if (group.length > 0) await this.observe(kind, group, out);
      }
    } catch (error) {
      if (!(error instanceof StopSweep)) throw error;
    } finally {
      await this.bookUsage();
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------ observing

  private async observe(kind: ActiveRecord['ref']['kind'], records: readonly ActiveRecord[], out: Map<RecordKey, Outcome>): Promise<void> {
    for (const [source, group] of this.bySource(records, out)) {
      switch (kind) {
        case 'video':
          await this.observeVideos(source, group, out);
          break;
        case 'comment':
          await this.observeComments(source, group, out);
          break;
        case 'user':
          await this.observeUsers(source, group, out);
          break;
        case 'ad':
          await this.observeAds(source, group, out);
          break;
      }
    }
  }

  /** Records grouped by the source that collected them (their spec's source, or the first of their API). */
  private bySource(records: readonly ActiveRecord[], out: Map<RecordKey, Outcome>): Map<string, ActiveRecord[]> {
    const groups = new Map<string, ActiveRecord[]>();
    for (const record of records) {
      const source = sourceOfRecord(this.ctx.config, record);
      if (source === undefined) {
        out.set(recordKeyOf(record.ref), failed('no-source'));
        continue;
      }
      const group = groups.get(source);
      if (group) group.push(record);
      else groups.set(source, [record]);
    }
    return groups;
  }

  /** Whether the record's policy refreshes it by batch compliance task (existence only). */
  checksExistence(record: ActiveRecord): boolean {
    return this.policyOf(record).refreshBy === 'existence-check';
  }

  /** Where a due record goes in the sweep's grouping (sweep-groups.ts). */
  laneOf(record: ActiveRecord): Lane {
    if (record.purgePending || Date.parse(record.expiresAt) <= this.ctx.clock.now().getTime()) return { lane: 'other' };
    if (this.checksExistence(record) && (record.ref.kind === 'video' || record.ref.kind === 'comment')) return { lane: 'check' };
    if (record.ref.kind === 'video') {
      const day = creationDay(record.platformCreatedAt);
      return day === undefined ? { lane: 'video' } : { lane: 'video', day };
    }
    if (record.ref.kind === 'comment' && record.parentKey?.startsWith('tiktok:video:')) return { lane: 'comment', parent: record.parentKey };
    return { lane: 'other' };
  }

  /** A due comment refreshed (or tried) earlier in this sweep with its video's listing, and counted then. */
  countedWithListing(record: ActiveRecord): boolean {
    return this.listings.wasCounted(recordKeyOf(record.ref));
  }

  /** A due comment whose video was listed in this sweep without it: it waits for the next sweep. */
  coveredLater(): void {
    this.report.failed += 1;
    this.report.failures[LISTED_THIS_SWEEP] = (this.report.failures[LISTED_THIS_SWEEP] ?? 0) + 1;
  }

  /** Whether a record read from elsewhere than the due index (a video's comments) is due in this sweep. */
  private dueThisSweep(record: ActiveRecord): boolean {
    const policy = this.policyOf(record);
    const o = { refreshDueAt: new Date(record.refreshDueAt), expiresAt: new Date(record.expiresAt) };
    return nextActionAt(o, policy).getTime() <= this.before.getTime();
  }

  /** Which stored comments may go along with a listing: live, by lookup, not expired. */
  private siblingFilter(): (record: ActiveRecord) => boolean {
    const now = this.ctx.clock.now().getTime();
    return (r) => !r.purgePending && Date.parse(r.expiresAt) > now && !this.checksExistence(r) && sourceOfRecord(this.ctx.config, r) !== undefined;
  }

  private policyOf(record: ActiveRecord): Policy {
    return this.ctx.policies[record.policyId as PolicyId] ?? this.ctx.policies['tiktok-research'];
  }

  private async observeVideos(source: string, records: readonly ActiveRecord[], out: Map<RecordKey, Outcome>): Promise<void> {
    const client = this.research(source);
    const byCheck = records.filter((r) => this.policyOf(r).refreshBy === 'existence-check');
    if (byCheck.length > 0) await this.observeByComplianceTask(source, client, 'video', byCheck, out);
    const byLookup = records.filter((r) => this.policyOf(r).refreshBy !== 'existence-check');
    if (byLookup.length === 0) return;

    const items: Array<{ id: string; createTime: number }> = [];
    for (const record of byLookup) {
      const createTime = record.platformCreatedAt ?? (await this.storedCreateTime(record));
      // Unix seconds only: a time in milliseconds would put the lookup window in the far future.
      if (createTime === undefined || !(createTime >= 0 && createTime < 1e11)) out.set(recordKeyOf(record.ref), failed('no-create-time'));
      else items.push({ id: record.ref.id, createTime });
    }
    // One call per planned batch, so a batch that fails after its retries leaves the others unaffected.
    for (const planned of planLookupBatches(items)) {
      this.checkStop();
      const batchItems = items.filter((i) => planned.ids.includes(i.id));
      try {
        for await (const batch of client.lookupVideosByIds(batchItems, STORED_VIDEO_FIELDS)) {
          const found = new Set<string>();
          for (const video of batch.found) {
            found.add(video.id);
            out.set(`tiktok:video:${video.id}`, { kind: 'found', body: stringifyJson(video.raw), logId: batch.logId });
          }
          for (const id of batch.missingIds) {
            out.set(`tiktok:video:${id}`, { kind: 'observed', observation: { kind: 'absent-from-lookup', peersFound: found.size, logId: batch.logId } });
          }
        }
      } catch (error) {
        this.rethrowStop(error);
        const reason = failureReason(error);
        for (const id of planned.ids) if (!out.has(`tiktok:video:${id}`)) out.set(`tiktok:video:${id}`, failed(reason));
      }
    }
  }

  /** A record collected without its creation time: read it from the stored object. */
  private async storedCreateTime(record: ActiveRecord): Promise<number | undefined> {
    const stored = await this.ctx.objects.get(record.objectKey);
    if (!stored) return undefined;
    try {
      const value = (parseJson(stored.body.toString('utf8')) as { create_time?: unknown }).create_time;
      return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
    } catch {
      return undefined;
    }
  }

  private async observeByComplianceTask(
    source: string,
    client: ResearchApiClient,
    category: 'video' | 'comment',
    records: readonly ActiveRecord[],
    out: Map<RecordKey, Outcome>,
  ): Promise<void> {
    this.checkStop();
    const ids = [...new Set(records.map((r) => r.ref.id))];
    try {
      const result = await client.checkExistence(ids, category, { pollIntervalMs: this.options.pollIntervalMs ?? 15_000 });
      // checkExistence splits ids in order into tasks of `idCount` each.
      const taskOf = new Map<string, string>();
      let offset = 0;
      for (const task of result.tasks) {
        for (const id of ids.slice(offset, offset + task.idCount)) taskOf.set(id, task.taskId);
        offset += task.idCount;
      }
      for (const id of ids) {
        const taskId = taskOf.get(id) ?? '';
        const key = `tiktok:${category}:${id}`;
        if (result.validIds.has(id)) out.set(key, { kind: 'valid', taskId });
        else out.set(key, { kind: 'observed', observation: { kind: 'invalid-in-compliance-task', taskId } });
      }
    } catch (error) {
      this.rethrowStop(error);
      const reason = failureReason(error);
      for (const id of ids) out.set(`tiktok:${category}:${id}`, failed(reason));
    }
  }

  private async observeComments(source: string, records: readonly ActiveRecord[], out: Map<RecordKey, Outcome>): Promise<void> {
    const client = this.research(source);
    const byCheck = records.filter((r) => this.policyOf(r).refreshBy === 'existence-check');
    if (byCheck.length > 0) await this.observeByComplianceTask(source, client, 'comment', byCheck, out);
    const byVideo = new Map<RecordKey, ActiveRecord[]>();
    for (const record of records) {
      if (this.policyOf(record).refreshBy === 'existence-check') continue;
      const parent = record.parentKey;
      if (parent === undefined || !parent.startsWith('tiktok:video:')) out.set(recordKeyOf(record.ref), failed('no-parent-video'));
      else {
        const group = byVideo.get(parent);
        if (group) group.push(record);
        else byVideo.set(parent, [record]);
      }
    }
    // One listing per video: every page until has_more is false, unless every due comment was found earlier.
    await this.inParallel([...byVideo.entries()], async ([videoKey, comments]) => {
      const wanted = new Set(comments.map((c) => c.ref.id));
      const videoId = parseRecordKey(videoKey).id;
      let returned = 0;
      let pages = 0;
      let complete = false;
      let logId = '';
      try {
        for await (const page of client.videoComments({ videoId }, { fields: COMMENT_FIELDS, maxCount: COMMENTS_PER_PAGE })) {
          pages += 1;
          logId = page.logId;
          returned += page.comments.length;
          for (const comment of page.comments) {
            if (!wanted.delete(comment.id)) continue;
            out.set(`tiktok:comment:${comment.id}`, { kind: 'found', body: stringifyJson(comment.raw), logId: page.logId });
          }
          if (!page.hasMore) complete = true;
          if (wanted.size === 0 || complete || pages >= MAX_COMMENT_PAGES) break;
        }
      } catch (error) {
        this.rethrowStop(error);
        const reason = failureReason(error);
        for (const id of wanted) out.set(`tiktok:comment:${id}`, failed(reason));
        return;
      }
      // Only a listing read to its end says anything about the comments it did not return; one that reached the
      // platform's cap counts a miss at most (its peers do not confirm anything).
      const peersFound = returned >= PLATFORM_COMMENT_CAP ? 0 : returned;
      for (const id of wanted) {
        out.set(`tiktok:comment:${id}`, complete ? { kind: 'observed', observation: { kind: 'absent-from-lookup', peersFound, logId } } : failed('listing-cut-short'));
      }
    });
  }

  private async observeUsers(source: string, records: readonly ActiveRecord[], out: Map<RecordKey, Outcome>): Promise<void> {
    const client = this.research(source);
    await this.inParallel(records, async (record) => {
      const key = recordKeyOf(record.ref);
      const username = await this.usernameOf(key, this.policyOf(record).orphanedAccounts === 'keep' ? record : undefined);
      if (username === 'orphaned' || username === 'unknown') {
        out.set(key, username === 'orphaned' ? { kind: 'orphaned' } : failed('no-username'));
        return;
      }
      try {
        const { user, logId } = await client.userInfo(username, USER_INFO_FIELDS);
        out.set(key, { kind: 'found', body: storedUserBody(username, user.raw), logId });
      } catch (error) {
        this.rethrowStop(error);
        // "cannot find the user" is an answer, not an error: one miss (a single-id lookup has no peers).
        if (isUserNotFound(error) || isUserInfoUnavailable(error)) {
          out.set(key, { kind: 'observed', observation: { kind: 'absent-from-lookup', peersFound: 0, logId: error.logId } });
        } else {
          out.set(key, failed(failureReason(error)));
        }
      }
    });
  }

  /**
   * The username of an account, from the stored object of one of its active videos; `orphaned` when no active
   * video names the account any more, `unknown` when those that do cannot be read.
   */
  private async usernameOf(userKey: RecordKey, keptAccount?: ActiveRecord): Promise<string | 'orphaned' | 'unknown'> {
    let videos = 0;
    for await (const child of this.ctx.ledger.children(userKey)) {
      if (child.ref.kind !== 'video' || child.purgePending) continue;
      videos += 1;
      const stored = await this.ctx.objects.get(child.objectKey);
      if (stored) {
        try {
          const username = (parseJson(stored.body.toString('utf8')) as { username?: unknown }).username;
          if (typeof username === 'string' && username !== '') return username;
        } catch {
          // an unreadable object: try another video
        }
      }
      if (videos >= 3) break;
    }
    if (videos > 0) return 'unknown';
    if (!keptAccount) return 'orphaned';
    // Policy `orphanedAccounts: keep`: the account's own stored copy names it (storedUserBody).
    const own = await this.ctx.objects.get(keptAccount.objectKey);
    try {
      const username = own ? (parseJson(own.body.toString('utf8')) as { username?: unknown }).username : undefined;
      return typeof username === 'string' && username !== '' ? username : 'unknown';
    } catch {
      return 'unknown';
    }
  }

  private async observeAds(source: string, records: readonly ActiveRecord[], out: Map<RecordKey, Outcome>): Promise<void> {
    const client = this.commercial(source);
    await this.inParallel(records, async (record) => {
      const key = recordKeyOf(record.ref);
      try {
        const { ad, logId } = await client.adDetail(record.ref.id, AD_FIELDS);
        // The detail endpoint answers with more than the ad query that collected the ad (reach by country):
        // compare and keep the fields that were collected, so an unchanged ad is not rewritten.
        const stored = await this.ctx.objects.get(record.objectKey);
        const body = stored ? stringifyJson(shapedLike(parseJson(stored.body.toString('utf8')), ad.raw)) : stringifyJson(ad.raw);
        out.set(key, { kind: 'found', body, logId });
      } catch (error) {
        this.rethrowStop(error);
        if (error instanceof TikTokApiError && error.code === 'invalid_params' && /cannot find/i.test(error.apiMessage)) {
          out.set(key, { kind: 'observed', observation: { kind: 'absent-from-lookup', peersFound: 0, logId: error.logId } });
        } else {
          out.set(key, failed(failureReason(error)));
        }
      }
    });
  }

  /** Single-record lookups a few at a time; the first stop (quota, deadline, budget) ends them all. */
  private async inParallel<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
    let stop: StopSweep | undefined;
    await mapLimit(items, LOOKUP_CONCURRENCY, async (item) => {
      if (stop) return;
      try {
        this.checkStop();
        await fn(item);
      } catch (error) {
        if (error instanceof StopSweep) stop ??= error;
        else throw error;
      }
    });
    if (stop) throw stop;
  }

  // ------------------------------------------------------------------------------------------ applying

  private async apply(records: readonly ActiveRecord[], outcomes: ReadonlyMap<RecordKey, Outcome>): Promise<ReturnType<typeof emptyPurgeReport>> {
    const { ctx, report } = this;
    const now = ctx.clock.now();
    const at = now.toISOString();
    const updates: RecordUpdate[] = [];
    const events: AuditEvent[] = [];
    const writes: Array<{ record: ActiveRecord; body: string }> = [];
    const purges: PurgeTarget[] = [];
    const history = await this.missHistories(records, outcomes);
    const bodies = await this.mergedBodies(records, outcomes);

    for (const record of records) {
      const key = recordKeyOf(record.ref);
      const outcome = outcomes.get(key)!;
      const policy = this.policyOf(record);
      const o = obligationsFor(now, new Date(record.firstCollectedAt), policy, this.end);
      const due = { refreshDueAt: o.refreshDueAt.toISOString(), nextActionAt: nextActionAt(o, policy).toISOString() };
      const restamp = { policyVersion: policy.version, expiresAt: o.expiresAt.toISOString() };
      const base = { at, actor: ctx.actor, runId: this.runId, recordHash: ctx.hasher.hash(key), kind: record.ref.kind, specName: record.provenance.specName };
      // A comment's due entry goes to its video's shard (entries written before that rule move now).
      const placed = record.ref.kind === 'comment' && record.parentKey !== undefined ? { parentKey: record.parentKey } : {};
      if (outcome.kind === 'found') {
        const body = bodies.get(key) ?? outcome.body;
        const sha = sha256Hex(body);
        if (sha === record.contentSha256) {
          updates.push({ kind: 'seen', key, at, ...due, restamp, ...placed });
          events.push({ ...base, action: 'record.refreshed', evidence: { method: 'lookup', logId: outcome.logId } });
          report.unchanged += 1;
        } else {
          writes.push({ record, body });
          updates.push({ kind: 'changed', key, at, contentSha256: sha, sizeBytes: Buffer.byteLength(body), ...due, logId: outcome.logId, restamp, ...placed });
          events.push({ ...base, action: 'record.changed', evidence: { method: 'lookup', logId: outcome.logId } });
          report.changed += 1;
        }
        continue;
      }
      if (outcome.kind === 'valid') {
        updates.push({ kind: 'seen', key, at, ...due, restamp, ...placed });
        events.push({ ...base, action: 'record.refreshed', evidence: { method: 'compliance-task', taskId: outcome.taskId } });
        report.validated += 1;
        continue;
      }
      if (outcome.kind === 'orphaned') {
        purges.push({ key, reason: 'cascade', evidence: { rule: 'orphaned' } });
        continue;
      }
      const observation = outcome.observation;
      const verdict = judge(observation, history.get(key) ?? { missCount: record.missCount }, policy, now);
      switch (verdict.kind) {
        case 'keep':
          break;
        case 'retry':
          report.failed += 1;
          report.failures[verdict.reason] = (report.failures[verdict.reason] ?? 0) + 1;
          break;
        case 'miss': {
          // Deferred first, counted second: a crash between the two loses a miss, never the spacing.
          const deferred = deferredUntil(record, verdict.notBefore, at);
          updates.push(deferred, { kind: 'missed', key, at, missCount: verdict.missCount });
          events.push({ ...base, action: 'record.missed', evidence: { ...evidenceOf(observation), ...verdict.evidence, nextCheckAt: deferred.nextActionAt } });
          report.missed += 1;
          break;
        }
        case 'too-soon':
          // Nothing new learned: not counted, not audited; looked at again once the spacing has passed.
          updates.push(deferredUntil(record, verdict.notBefore, at));
          report.failed += 1;
          report.failures[TOO_SOON] = (report.failures[TOO_SOON] ?? 0) + 1;
          break;
        case 'purge':
          purges.push({ key, reason: 'unavailable', evidence: verdict.evidence });
          break;
      }
    }

    await mapLimit(writes, OBJECT_WRITE_CONCURRENCY, ({ record, body }) => ctx.objects.put(record.objectKey, body, { contentType: 'application/json' }));
    // The log first, then the ledger: a crash between the two leaves a ledger that promises no later deadline than
    // the log allows (verify recomputes deadlines from the log), and the record is simply looked at again.
    if (events.length > 0) await this.chain.append(events);
    if (updates.length > 0) {
      try {
        await ctx.ledger.updateRecords(updates);
      } catch (error) {
        // Purged meanwhile (another shard's worker cascaded from a parent): nothing left to update.
        if (!(error instanceof RecordNotFoundError)) throw error;
      }
    }
    // The purge fuse holds, instead of purging, what a source confirms while it is tripped (fuse.ts).
    const screened = await this.fuse.screen(records, outcomes, purges);
    report.held += screened.held;
    const purged = screened.purge.length > 0 ? await purgeRecords(ctx, screened.purge, this.chain, { runId: this.runId }) : emptyPurgeReport();
    report.purged += purged.purged - purged.cascaded;
    report.cascaded += purged.cascaded;
    return purged;
  }

  /**
   * Answers that differ from the stored copy, merged with it (domain/answer-merge.ts): a field the answer omits keeps
   * its stored value, so an answer with fields left out never thins the record. Only records whose answer hashes
   * differently are read (one GET each); an unchanged answer costs nothing.
   */
  private async mergedBodies(records: readonly ActiveRecord[], outcomes: ReadonlyMap<RecordKey, Outcome>): Promise<Map<RecordKey, string>> {
    const out = new Map<RecordKey, string>();
    const differing = records.filter((r) => {
      const outcome = outcomes.get(recordKeyOf(r.ref));
      return outcome?.kind === 'found' && sha256Hex(outcome.body) !== r.contentSha256;
    });
    await mapLimit(differing, OBJECT_WRITE_CONCURRENCY, async (record) => {
      const key = recordKeyOf(record.ref);
      const stored = await this.ctx.objects.get(record.objectKey);
      const outcome = outcomes.get(key) as Extract<Outcome, { kind: 'found' }>;
      if (stored) out.set(key, mergeAnswer(stored.body.toString('utf8'), outcome.body));
    });
    return out;
  }

  /**
   * When each record that is absent again was last counted missing: the newest `record.missed` event since it was
   * last seen. Read only for records with misses already counted (a few), one audit Query each.
   */
  private async missHistories(records: readonly ActiveRecord[], outcomes: ReadonlyMap<RecordKey, Outcome>): Promise<Map<RecordKey, MissHistory>> {
    const out = new Map<RecordKey, MissHistory>();
    const absentAgain = records.filter((r) => {
      const outcome = outcomes.get(recordKeyOf(r.ref));
      return r.missCount > 0 && outcome?.kind === 'observed' && outcome.observation.kind !== 'failed';
    });
    await mapLimit(absentAgain, LOOKUP_CONCURRENCY, async (record) => {
      const key = recordKeyOf(record.ref);
      const recordHash = this.ctx.hasher.hash(key);
      let latest: string | undefined;
      let cursor: string | undefined;
      do {
        const page = await this.ctx.audit.byRecord(recordHash, { since: record.lastSeenAt, ...(cursor ? { cursor } : {}) });
        for (const event of page.events) if (event.action === 'record.missed' && (latest === undefined || event.at > latest)) latest = event.at;
        cursor = page.cursor;
      } while (cursor);
      out.set(key, { missCount: record.missCount, ...(latest !== undefined ? { lastMissAt: new Date(latest) } : {}) });
    });
    return out;
  }

  // ------------------------------------------------------------------------------------------ clients and quota

  private research(source: string): ResearchApiClient {
    const client = this.options.clients.research(source);
    this.meter(source, () => client.quota());
    return client;
  }

  private commercial(source: string): CommercialContentClient {
    const client = this.options.clients.commercial(source);
    this.meter(source, () => client.quota());
    return client;
  }

  private meter(source: string, usage: () => { day: string; requests: number; records: number }): void {
    if (this.meters.has(source)) return;
    const now = usage();
    this.meters.set(source, { usage, booked: { day: now.day, requests: now.requests, records: now.records } });
  }

  /** Requests this run has sent, over every source. */
  private requestsSent(): number {
    let total = 0;
    for (const [source, meter] of this.meters) {
      const now = meter.usage();
      const pending = now.day === meter.booked.day ? now.requests - meter.booked.requests : now.requests;
      total += (this.report.requests[source] ?? 0) + pending;
    }
    return total;
  }

  /** Book what each client used since the last booking in the ledger's quota book (per UTC day). */
  async bookUsage(): Promise<void> {
    for (const [source, meter] of this.meters) {
      const now = meter.usage();
      const sameDay = now.day === meter.booked.day;
      const delta = { requests: sameDay ? now.requests - meter.booked.requests : now.requests, records: sameDay ? now.records - meter.booked.records : now.records };
      meter.booked = { day: now.day, requests: now.requests, records: now.records };
      if (delta.requests <= 0 && delta.records <= 0) continue;
      this.report.requests[source] = (this.report.requests[source] ?? 0) + delta.requests;
      await this.ctx.ledger.addQuotaUsage(source, now.day || utcDayKey(this.ctx.clock.now()), delta);
    }
  }

  /** Throw StopSweep when the deadline passed or the request budget is spent. */
  private checkStop(): void {
    if (this.stop) throw this.stop;
    if (this.options.deadline && this.ctx.clock.now().getTime() >= this.options.deadline.getTime()) this.stop = new StopSweep('deadline');
    else if (this.options.maxRequests !== undefined && this.requestsSent() >= this.options.maxRequests) this.stop = new StopSweep('max-requests');
    if (this.stop) throw this.stop;
  }

  /** The daily quota is not a failure of one record: it ends the sweep. */
  private rethrowStop(error: unknown): void {
    if (error instanceof StopSweep) throw error;
    if (error instanceof DailyQuotaExceededError) {
      this.stop ??= new StopSweep('quota', error.resetsAt);
      throw this.stop;
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` restricted to the object keys `template` has (recursively, in the template's order); arrays whole. */
export function shapedLike(template: unknown, value: unknown): unknown {
  if (!isPlainObject(template) || !isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(template)) if (key in value) out[key] = shapedLike(template[key], value[key]);
  return out;
}

/** Failure reason of an absence seen again within the miss spacing. */
const TOO_SOON = 'absent-within-miss-spacing';
/** Failure reason of a due comment whose video was listed earlier in the same sweep without it. */
const LISTED_THIS_SWEEP = 'video-listed-this-sweep';

/**
 * Move a missed record's next look to `notBefore`, never past its refresh deadline or expiry; its deadline, policy
 * version and expiry stay as they are (it was not refreshed).
 */
function deferredUntil(record: ActiveRecord, notBefore: Date, at: string): Extract<RecordUpdate, { kind: 'restamped' }> {
  const next = Math.min(notBefore.getTime(), Date.parse(record.refreshDueAt), Date.parse(record.expiresAt));
  return {
    kind: 'restamped',
    key: recordKeyOf(record.ref),
    at,
    refreshDueAt: record.refreshDueAt,
    nextActionAt: new Date(next).toISOString(),
    restamp: { policyVersion: record.policyVersion, expiresAt: record.expiresAt },
  };
}

function evidenceOf(observation: Observation): Record<string, string | number> {
  switch (observation.kind) {
    case 'absent-from-lookup':
      return { rule: 'absent-from-lookup', logId: observation.logId, peersFound: observation.peersFound };
    case 'invalid-in-compliance-task':
      return { rule: 'compliance-task', taskId: observation.taskId };
    default:
      return { rule: observation.kind };
  }
}
