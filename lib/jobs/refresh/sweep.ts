/** A sweep's steps and how their outcomes are applied: evidence, misses, purges (see index.ts). */
import type { AuditEvent } from '../../domain/audit';
import { judge, type MissHistory, type Observation } from '../../domain/evidence';
import { mergeAnswer } from '../../domain/answer-merge';
import { sha256Hex } from '../../domain/hashing';
import { nextActionAt, obligationsFor } from '../../domain/obligations';
import { recordKeyOf, type ActiveRecord, type RecordKey } from '../../domain/records';
import type { RecordUpdate } from '../../store/ports';
import { RecordNotFoundError } from '../../store/retry';
import { mapLimit } from '../context';
import { sourceOfRecord } from '../quota-plan';
import { emptyPurgeReport, mergePurgeReports, purgeRecords, type PurgeTarget } from '../purge';
import { creationDay, type Lane } from '../../domain/sweep-groups';
import { SweepObserver } from './observe';
import { KIND_ORDER, LOOKUP_CONCURRENCY, OBJECT_WRITE_CONCURRENCY, StopSweep, type Outcome } from './types';

/** One sweep: steps of due records, observed, judged and written (objects -> audit -> ledger -> purges). */
export class Sweep extends SweepObserver {
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
          // Counted and deferred in one write: a miss is never stored without its spacing (nor the other way round).
          const { nextActionAt: nextCheckAt } = deferredUntil(record, verdict.notBefore, at);
          updates.push({ kind: 'missed', key, at, missCount: verdict.missCount, nextActionAt: nextCheckAt });
          events.push({ ...base, action: 'record.missed', evidence: { ...evidenceOf(observation), ...verdict.evidence, nextCheckAt } });
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
}

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
