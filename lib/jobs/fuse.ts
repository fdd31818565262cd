/**
 * The purge fuse in a sweep (rules in domain/purge-fuse.ts). After each step has judged its records and before it
 * purges, `FuseGate.screen` adds the step's counts to the source's 24 h window in the ledger (shared by every
 * worker and sweep), checks both rules, and holds, instead of purging, what a tripped source confirmed: the
 * records keep their object and ledger item, marked `held`, and leave the sweep until the PI decides.
 */
import type { AuditEvent } from '../domain/audit';
import type { Observation } from '../domain/evidence';
import { allMissingTrip, NOTHING_FOUND_LOOKBACK_HOURS, nothingFoundTrip, rateTrip, type FuseWindow, type Hold, type HoldEvidence, type HoldRule, type LookupAnswer } from '../domain/purge-fuse';
import type { Policy } from '../domain/policy';
import { recordKeyOf, type ActiveRecord, type RecordKey } from '../domain/records';
import { policyIdForApi } from '../config/load';
import type { AuditChainWriter } from '../store/ports';
import type { JobContext } from './context';
import type { PurgeTarget } from './purge';
import { sourceOfRecord } from './quota-plan';

/** What a sweep learned about one record, as far as the fuse cares (refresh.ts `Outcome` has this shape). */
export type FuseOutcome =
  | { readonly kind: 'found'; readonly logId: string }
  | { readonly kind: 'valid'; readonly taskId: string }
  | { readonly kind: 'observed'; readonly observation: Observation }
  | { readonly kind: 'orphaned' };

export interface ScreenResult {
  /** What may be purged now (cascades and sources whose fuse holds). */
  readonly purge: PurgeTarget[];
  /** Records held instead. */
  readonly held: number;
  /** Holds opened by this step. */
  readonly opened: readonly Hold[];
}

/** A record's share of one lookup request, grouped to find lookups that came back empty. */
function lookupReference(record: ActiveRecord, outcome: FuseOutcome | undefined): { reference: string; found: boolean } | undefined {
  if (!outcome) return undefined;
  if (outcome.kind === 'valid') return { reference: `task:${outcome.taskId}`, found: true };
  if (outcome.kind === 'found') return record.ref.kind === 'video' ? { reference: `log:${outcome.logId}`, found: true } : undefined;
  if (outcome.kind !== 'observed') return undefined;
  const o = outcome.observation;
  if (o.kind === 'invalid-in-compliance-task') return { reference: `task:${o.taskId}`, found: false };
  // Id lookups only: a comment listing of a deleted video is rightly empty, and accounts and ads are single-id.
  if (o.kind === 'absent-from-lookup' && record.ref.kind === 'video') return { reference: `log:${o.logId}`, found: o.peersFound > 0 };
  return undefined;
}

export class FuseGate {
  constructor(
    private readonly ctx: JobContext,
    private readonly chain: AuditChainWriter,
    private readonly runId: string,
  ) {}

  /**
   * Screen the purges one step decided. `records` are the records the step judged, `outcomes` what was learned of
   * each, `purges` the purges decided (reason `unavailable` counts as confirmed by the record's own lookup; a
   * cascade does not).
   */
  async screen(records: readonly ActiveRecord[], outcomes: ReadonlyMap<RecordKey, FuseOutcome>, purges: readonly PurgeTarget[]): Promise<ScreenResult> {
    const now = this.ctx.clock.now();
    const bySource = new Map<string, { checked: number; found: number; confirmed: PurgeTarget[]; lookups: Map<string, { asked: number; found: number }> }>();
    const recordOf = new Map<RecordKey, ActiveRecord>();
    const sourceOf = new Map<RecordKey, string>();
    const entry = (source: string) => {
      let e = bySource.get(source);
      if (!e) bySource.set(source, (e = { checked: 0, found: 0, confirmed: [], lookups: new Map() }));
      return e;
    };
    for (const record of records) {
      const key = recordKeyOf(record.ref);
      const source = sourceOfRecord(this.ctx.config, record);
      if (source === undefined) continue;
      recordOf.set(key, record);
      sourceOf.set(key, source);
      const outcome = outcomes.get(key);
      const answered = outcome !== undefined && outcome.kind !== 'orphaned' && !(outcome.kind === 'observed' && outcome.observation.kind === 'failed');
      if (!answered) continue;
      const e = entry(source);
      // Absent again after a counted miss: it was counted as checked at its first miss.
      if (!(outcome.kind === 'observed' && record.missCount > 0)) e.checked += 1;
      if (outcome.kind === 'found' || outcome.kind === 'valid') e.found += 1;
      const lookup = lookupReference(record, outcome);
      if (lookup) {
        const counts = e.lookups.get(lookup.reference) ?? { asked: 0, found: 0 };
        counts.asked += 1;
        if (lookup.found) counts.found += 1;
        e.lookups.set(lookup.reference, counts);
      }
    }
    const passed: PurgeTarget[] = [];
    for (const target of purges) {
      const source = sourceOf.get(target.key);
      if (target.reason !== 'unavailable' || source === undefined) passed.push(target);
      else entry(source).confirmed.push(target);
    }

    let held = 0;
    const opened: Hold[] = [];
    for (const [source, e] of bySource) {
      const fuse = this.policyOfSource(source).purgeFuse;
      const step: FuseWindow = { checked: e.checked, confirmed: e.confirmed.length, found: e.found };
      await this.ctx.ledger.holds.addFuseCounts(source, now, step);
      let trip: HoldEvidence | undefined;
      for (const [reference, counts] of e.lookups) {
        const answer: LookupAnswer = { reference: reference.slice(reference.indexOf(':') + 1), asked: counts.asked, found: counts.found };
        trip ??= allMissingTrip(answer, fuse);
      }
      if (trip === undefined && e.confirmed.length > 0) {
        const window: FuseWindow = await this.ctx.ledger.holds.fuseWindow(source, now);
        trip = rateTrip(window, fuse, step);
        if (trip === undefined && window.found === 0 && window.confirmed >= 2) {
          trip = nothingFoundTrip(window, await this.ctx.ledger.holds.fuseWindow(source, now, NOTHING_FOUND_LOOKBACK_HOURS));
        }
      }
      let hold: Hold | undefined;
      if (trip !== undefined) {
        const result = await this.ctx.ledger.holds.openHold(source, now, trip.rule as HoldRule, trip);
        hold = result.hold;
        if (result.opened) {
          opened.push(hold);
          await this.chain.append([this.holdOpenedEvent(hold, now)]);
        }
      } else if (e.confirmed.length > 0) {
        // A fuse that tripped earlier (another worker, an earlier sweep) stays tripped until the PI decides.
        hold = await this.ctx.ledger.holds.openHoldOf(source);
      }
      if (!hold) {
        passed.push(...e.confirmed);
        continue;
      }
      held += await this.holdRecords(source, hold, e.confirmed, recordOf, now);
    }
    return { purge: passed, held, opened };
  }

  private policyOfSource(source: string): Policy {
    const api = this.ctx.config.sources[source]?.api ?? 'tiktok-research';
    return this.ctx.policies[policyIdForApi(api)];
  }

  private holdOpenedEvent(hold: Hold, now: Date): AuditEvent {
    return {
      at: now.toISOString(),
      action: 'purge.held',
      actor: this.ctx.actor,
      runId: this.runId,
      reason: `purge fuse tripped (${hold.reason}): hold ${hold.id} opened for source ${hold.source}`.slice(0, 256),
      evidence: { hold: hold.id, source: hold.source, ...hold.evidence },
    };
  }

  /**
   * Hold `targets` in `hold` (re-opening one if the PI closed it meanwhile); returns how many were held. The store
   * holds them in batches (one transaction each), not a transaction per record.
   */
  private async holdRecords(source: string, hold: Hold, targets: readonly PurgeTarget[], recordOf: ReadonlyMap<RecordKey, ActiveRecord>, now: Date): Promise<number> {
    const at = now.toISOString();
    let current = hold;
    const events: AuditEvent[] = [];
    let held = 0;
    let pending = targets;
    for (let attempt = 0; attempt < 2 && pending.length > 0; attempt++) {
      if (attempt > 0) {
        // Decided while this step ran: the fuse is still tripped, so a new hold takes the records.
        const reopened = await this.ctx.ledger.holds.openHold(source, now, current.reason, current.evidence);
        current = reopened.hold;
        if (reopened.opened) events.push(this.holdOpenedEvent(current, now));
      }
      const holdId = current.id;
      const entries = pending.map((target) => ({ key: target.key, mark: { holdId, heldAt: at, evidence: { ...target.evidence } }, nextActionAt: recordOf.get(target.key)!.expiresAt }));
      const results = await this.ctx.ledger.holds.holdRecords(holdId, entries);
      const closed: PurgeTarget[] = [];
      for (const target of pending) {
        const result = results.get(target.key);
        if (result === 'hold-closed') closed.push(target);
        if (result !== 'held') continue;
        const record = recordOf.get(target.key)!;
        held += 1;
        events.push({
          at,
          action: 'purge.held',
          actor: this.ctx.actor,
          runId: this.runId,
          recordHash: this.ctx.hasher.hash(target.key),
          kind: record.ref.kind,
          specName: record.provenance.specName,
          reason: `held by the purge fuse instead of purged (${target.reason})`,
          evidence: { hold: holdId, ...target.evidence },
        });
      }
      pending = closed;
    }
    if (events.length > 0) await this.chain.append(events);
    return held;
  }
}
