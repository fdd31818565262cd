/**
 * Refresh timeliness for the compliance report: every `record.refreshed` / `record.changed` event against the
 * deadline in force (the event's own `evidence.dueAt` when the writer recorded it, else the previous collection or
 * refresh of the same record plus the policy's `refreshWithinDays`), over the whole project and per spec.
 *
 * Per spec (beside the attrition table): records (active and purged), refreshes in the report's period (the whole
 * audit log), the share on time, active records with an overdue obligation, and purges by reason. A record's spec
 * is the one its ledger item names (active) or its first `record.collected` event named (purged). Counts only.
 */
import { type ChainedAuditEvent, recordHashesOf } from '../../domain/audit';
import { MS_PER_DAY } from '../../domain/clock';
import { overdueObligations } from '../../domain/overdue';
import type { Policy, PolicyId } from '../../domain/policy';
import { PURGE_REASONS, RECORD_KINDS, recordKeyOf, type ActiveRecord, type PurgeReason, type RecordKind, type Tombstone } from '../../domain/records';

export interface LateRefresh {
  readonly recordHash: string;
  readonly kind: RecordKind | 'unknown';
  readonly at: string;
  readonly deadline: string;
  readonly hoursLate: number;
  readonly event: string;
}

export interface RefreshFigures {
  readonly total: number;
  readonly onTime: number;
  readonly late: number;
  /** Refresh events with no earlier collection of the record in the log. */
  readonly unknown: number;
  readonly byKind: Record<RecordKind, { onTime: number; late: number }>;
  /** The latest late refreshes (at most 100). */
  readonly lateItems: readonly LateRefresh[];
}

/** One spec's refresh figures (the report's `specs`). */
export interface SpecRefresh {
  readonly spec: string;
  /** Records of the spec the ledger holds: active and purged (tombstones). */
  readonly records: number;
  readonly active: number;
  /** Refresh events in the report's period (the whole audit log). */
  readonly refreshes: number;
  readonly onTime: number;
  readonly late: number;
  /** onTime / (onTime + late), 4 decimals; null without a classified refresh. */
  readonly onTimeShare: number | null;
  /** Active records with at least one obligation past due (refresh, expiry or purge). */
  readonly overdue: number;
  readonly purgedByReason: Record<PurgeReason, number>;
}

/** A refresh event, classified against its deadline. */
interface Classified {
  readonly event: ChainedAuditEvent;
  readonly outcome: 'on-time' | 'late' | 'unknown';
  readonly deadline?: number;
}

const policyIdOfKind = (kind: RecordKind): PolicyId => (kind === 'ad' ? 'tiktok-commercial' : 'tiktok-research');

/** Every refresh event in log order, with its outcome. */
function* classifiedRefreshes(events: readonly ChainedAuditEvent[], policies: Readonly<Record<PolicyId, Policy>>): Generator<Classified> {
  const lastFetch = new Map<string, string>(); // recordHash -> time of the last collection or refresh
  for (const e of events) {
    if (e.action === 'record.collected') {
      for (const hash of recordHashesOf(e)) lastFetch.set(hash, e.at);
      continue;
    }
    if (!e.recordHash) continue;
    if (e.action !== 'record.refreshed' && e.action !== 'record.changed') continue;
    const base = lastFetch.get(e.recordHash);
    lastFetch.set(e.recordHash, e.at);
    const recorded = typeof e.evidence?.dueAt === 'string' && !Number.isNaN(Date.parse(e.evidence.dueAt)) ? Date.parse(e.evidence.dueAt) : undefined;
    const deadline = recorded ?? (base !== undefined && e.kind ? Date.parse(base) + policies[policyIdOfKind(e.kind)].refreshWithinDays * MS_PER_DAY : undefined);
    if (deadline === undefined) yield { event: e, outcome: 'unknown' };
    else yield { event: e, outcome: Date.parse(e.at) <= deadline ? 'on-time' : 'late', deadline };
  }
}

export function refreshTimeliness(events: readonly ChainedAuditEvent[], policies: Readonly<Record<PolicyId, Policy>>): RefreshFigures {
  const byKind = Object.fromEntries(RECORD_KINDS.map((k) => [k, { onTime: 0, late: 0 }])) as Record<RecordKind, { onTime: number; late: number }>;
  const late: LateRefresh[] = [];
  let onTime = 0;
  let lateCount = 0;
  let unknown = 0;
  for (const { event: e, outcome, deadline } of classifiedRefreshes(events, policies)) {
    if (outcome === 'unknown') {
      unknown += 1;
    } else if (outcome === 'on-time') {
      onTime += 1;
      if (e.kind) byKind[e.kind].onTime += 1;
    } else {
      lateCount += 1;
      if (e.kind) byKind[e.kind].late += 1;
      late.push({
        recordHash: e.recordHash!,
        kind: e.kind ?? 'unknown',
        at: e.at,
        deadline: new Date(deadline!).toISOString(),
        hoursLate: Math.floor((Date.parse(e.at) - deadline!) / 3_600_000),
        event: `${e.chainId}#${e.seq}`,
      });
    }
  }
  return { total: onTime + lateCount + unknown, onTime, late: lateCount, unknown, byKind, lateItems: late.slice(-100) };
}

export interface SpecRefreshInput {
  readonly events: readonly ChainedAuditEvent[];
  readonly active: readonly ActiveRecord[];
  readonly tombstones: readonly Tombstone[];
  readonly policies: Readonly<Record<PolicyId, Policy>>;
  readonly now: Date;
  /** The keyed hash of a record key (the audit log's `recordHash`). */
  readonly hash: (key: string) => string;
  /** Specs of the config: listed even before they collected anything. */
  readonly configSpecs?: readonly string[];
}

/**
 * The per-spec row of tombstones no spec stored: an erasure tombstones its target even when it was never collected
 * (an account erased by username while no user spec collects accounts), so collection never stores it later.
 */
export const NEVER_STORED_ROW = '(erased, never stored)';

/** Per-spec refresh figures, in spec order (pure: the report and its tests call it). */
export function specRefreshFigures(input: SpecRefreshInput): SpecRefresh[] {
  const specOfHash = new Map<string, string>();
  const collected = new Set<string>();
  for (const e of input.events) {
    if (e.action !== 'record.collected') continue;
    for (const hash of recordHashesOf(e)) {
      collected.add(hash);
      if (e.specName && !specOfHash.has(hash)) specOfHash.set(hash, e.specName);
    }
  }
  for (const r of input.active) specOfHash.set(input.hash(recordKeyOf(r.ref)), r.provenance.specName);
  type Row = { records: number; active: number; onTime: number; late: number; unknown: number; overdue: number; purgedByReason: Record<PurgeReason, number> };
  const rows = new Map<string, Row>();
  const row = (spec: string): Row => {
    let r = rows.get(spec);
    if (!r) rows.set(spec, (r = { records: 0, active: 0, onTime: 0, late: 0, unknown: 0, overdue: 0, purgedByReason: Object.fromEntries(PURGE_REASONS.map((p) => [p, 0])) as Record<PurgeReason, number> }));
    return r;
  };
  for (const spec of input.configSpecs ?? []) row(spec);
  for (const r of input.active) {
    const s = row(r.provenance.specName);
    s.records += 1;
    s.active += 1;
    if (overdueObligations(r, input.now, input.policies).length > 0) s.overdue += 1;
  }
  for (const t of input.tombstones) {
    const s = row(specOfHash.get(t.recordHash) ?? (collected.has(t.recordHash) ? 'unknown' : NEVER_STORED_ROW));
    s.records += 1;
    s.purgedByReason[t.reason] += 1;
  }
  for (const { event, outcome } of classifiedRefreshes(input.events, input.policies)) {
    const s = row(event.specName ?? specOfHash.get(event.recordHash!) ?? 'unknown');
    if (outcome === 'on-time') s.onTime += 1;
    else if (outcome === 'late') s.late += 1;
    else s.unknown += 1;
  }
  return [...rows.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([spec, r]) => ({
      spec,
      records: r.records,
      active: r.active,
      refreshes: r.onTime + r.late + r.unknown,
      onTime: r.onTime,
      late: r.late,
      onTimeShare: r.onTime + r.late === 0 ? null : Math.round((r.onTime / (r.onTime + r.late)) * 10_000) / 10_000,
      overdue: r.overdue,
      purgedByReason: r.purgedByReason,
    }));
}
