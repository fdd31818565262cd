/**
 * The compliance report: what a principal investigator shows their institution and the platform.
 *
 * Every figure comes from the ledger or the audit log, never from a cache of its own:
 * - records by status: active records from the due index (every shard, far-future bound), tombstones found through
 *   the `record.purged` events of the audit log and read from the ledger (a tombstone's `evidenceRef` names its
 *   event; `verify` checks both ways), pending purges from the active records;
 * - refreshes on time and late: each `record.refreshed` / `record.changed` event against the deadline that was in
 *   force, i.e. the previous collection or refresh of the same record plus the policy's `refreshWithinDays` (or
 *   the event's own `evidence.dueAt`, when the writer recorded it);
 * - purges by reason and by day: the tombstones;
 * - obligations due per day against the quota: active records by the UTC day of their refresh deadline, per
 *   source, turned into the API requests a refresh sweep spends on them (domain/quota-plan.ts `SweepCost`, the
 *   pricing `steward quota plan` uses too: videos 100 per lookup within a creation window, comments one listing per
 *   parent video per sweep step, accounts and ads one request each, batch compliance tasks 3 per 10,000), next to
 *   the configured `dailyRequests` and what the quota book shows was used on past days;
 * - overdue items (domain/overdue.ts): refresh deadline or expiry passed, or a pending purge past its window.
 *
 * Reports hold no content and no platform ids: counts, keyed hashes, kinds, reasons, dates.
 */
import { MS_PER_DAY, utcDayKey } from '../../domain/clock';
import { overdueObligations, type ObligationKind } from '../../domain/overdue';
import { staleCopyText, type CopyStanding } from '../../domain/exports';
import { exportStoreOf, staleCopies } from '../export';
import type { Policy, PolicyId } from '../../domain/policy';
import { PURGE_REASONS, RECORD_KINDS, recordKeyOf, type ActiveRecord, type PurgeReason, type RecordKind, type Tombstone } from '../../domain/records';
import { policyIdForApi } from '../../config/load';
import { RECORDS_PER_REQUEST, SweepCost } from '../../domain/quota-plan';
import type { JobContext, ProgressSink } from '../context';
import { listHolds, type HoldList, type HoldView } from '../holds';
import { allActiveRecords, eventsOf, readAuditLog } from '../audit-read';
import { attritionFigures, attritionSubjects, type AttritionReport } from '../attrition';
import { refreshTimeliness, specRefreshFigures, type RefreshFigures, type SpecRefresh } from './refreshes';
import { complianceBadge, corpusTimeline, memberActivity, type ComplianceBadge, type MemberActivity, type TimelineDay } from './pi';

export type { LateRefresh, RefreshFigures, SpecRefresh } from './refreshes';
export type KindCounts = Record<RecordKind, number>;
export type ReasonCounts = Record<PurgeReason, number>;

export interface ObligationDay {
  readonly day: string;
  /** Active records whose refresh deadline falls on this day, by kind. */
  readonly due: KindCounts;
  /** API requests those refreshes cost. */
  readonly requests: number;
  /** Active records that expire (must be purged) on this day. */
  readonly expiring: number;
}

export interface QuotaDay {
  readonly day: string;
  /** Requests the quota book shows were used (collection and refresh together). */
  readonly usedRequests: number;
}

export interface SourceObligations {
  readonly source: string;
  readonly api: 'tiktok-research' | 'tiktok-commercial';
  readonly policyId: PolicyId;
  readonly dailyRequests: number;
  /** Active records by kind. */
  readonly active: KindCounts;
  /** Refresh deadlines already passed (see `overdue`). */
  readonly overdueRecords: number;
  /** From today, `horizonDays` days. */
  readonly days: readonly ObligationDay[];
  /** The `historyDays` days before today, and today. */
  readonly history: readonly QuotaDay[];
  /** Days in the horizon whose refreshes need more requests than the quota. */
  readonly daysOverQuota: number;
}

export interface OverdueItem {
  readonly recordHash: string;
  readonly kind: RecordKind;
  readonly obligation: ObligationKind;
  readonly dueAt: string;
  readonly hoursOverdue: number;
}

export interface ComplianceReport {
  readonly kind: 'steward.compliance-report';
  readonly version: 1;
  readonly generatedAt: string;
  readonly project: { readonly id: string; readonly title: string; readonly endDate: string };
  readonly policies: ReadonlyArray<Pick<Policy, 'id' | 'version' | 'refreshWithinDays' | 'purgeWithinHours' | 'source'>>;
  /** The seal log's head when the report was made: keep the report, and it pins the audit log (see verify). */
  readonly auditHead: { readonly seq: number; readonly hash: string } | null;
  readonly records: {
    readonly total: number;
    readonly active: number;
    readonly activeByKind: KindCounts;
    /** Active records whose purge has begun and not finished. */
    readonly pendingPurge: number;
    readonly tombstoned: number;
    readonly tombstonedByKind: KindCounts;
  };
  readonly refreshes: RefreshFigures;
  /**
   * Per spec: records, refreshes in the period, the share on time, overdue records, purges by reason (refreshes.ts).
   * Absent in reports made before it existed.
   */
  readonly specs?: readonly SpecRefresh[];
  readonly purges: {
    readonly total: number;
    readonly byReason: ReasonCounts;
    readonly byKind: KindCounts;
    /** Per UTC day with at least one purge, by reason, in day order. */
    readonly perDay: ReadonlyArray<{ readonly day: string; readonly byReason: ReasonCounts; readonly total: number }>;
  };
  readonly obligations: { readonly horizonDays: number; readonly sources: readonly SourceObligations[] };
  /** Attrition of the sample (lib/jobs/attrition.ts): shares removed by reason, survival by age since posting. */
  readonly attrition: Pick<AttritionReport, 'shares' | 'totals' | 'survival'>;
  readonly overdue: { readonly count: number; readonly byObligation: Record<ObligationKind, number>; readonly items: readonly OverdueItem[]; readonly truncated: boolean };
  /**
   * Pulled export copies that hold records purged since, not yet released: each is its holder's obligation
   * (`staleCopyText`); overdue once the purge window passed. Absent in reports made before exports existed.
   */
  readonly pulledCopies?: { readonly stale: readonly string[]; readonly overdue: number };
  /** Compliant only when nothing is overdue and every refresh was on time; else the share on time, in words. */
  readonly badge: ComplianceBadge;
  /** The corpus per UTC day over the whole project (from the audit log). */
  readonly timeline: readonly TimelineDay[];
  /** Who did what: per member, their actions from the audit log. */
  readonly members: readonly MemberActivity[];
  /** Open purge holds (lib/jobs/holds.ts): records the purge fuse kept, waiting for the PI; overdue ones fail the report. */
  readonly holds?: readonly HoldView[];
  /** False when anything is overdue, a pulled copy or a purge hold included (the CLI exits 1). */
  readonly ok: boolean;
}

export interface ReportOptions {
  /** Phases as they start (the CLI draws them on a terminal). */
  readonly progress?: ProgressSink;
  /** Days of obligations shown from today. @default the longest refresh interval of the policies (at most 60) */
  readonly horizonDays?: number;
  /** Past days of quota use shown. @default the whole project so far (from the first audit event; 14 to 731) */
  readonly historyDays?: number;
  /** Overdue items listed (all are counted). @default 1000 */
  readonly overdueListLimit?: number;
}

/** Ids per lookup request and per compliance task (see lib/jobs/refresh/). */
const IDS_PER_LOOKUP = RECORDS_PER_REQUEST;
const IDS_PER_TASK = 10_000;
const REQUESTS_PER_TASK = 3;

export function zeroKinds(): KindCounts {
  return Object.fromEntries(RECORD_KINDS.map((k) => [k, 0])) as KindCounts;
}

export function zeroReasons(): ReasonCounts {
  return Object.fromEntries(PURGE_REASONS.map((r) => [r, 0])) as ReasonCounts;
}

/**
 * A lower bound on the API requests to refresh `due` once, from counts alone (comments as if 100 shared a listing).
 * The report prices with `SweepCost`, which knows each comment's video and the sweep's steps.
 */
export function refreshRequests(due: KindCounts, refreshBy: 'lookup' | 'existence-check'): number {
  const batched = (n: number) => (n === 0 ? 0 : refreshBy === 'existence-check' ? Math.ceil(n / IDS_PER_TASK) * REQUESTS_PER_TASK : Math.ceil(n / IDS_PER_LOOKUP));
  return batched(due.video) + batched(due.comment) + due.user + due.ad;
}

const dayOf = (iso: string) => iso.slice(0, 10);
const addDays = (day: string, n: number) => utcDayKey(new Date(Date.parse(`${day}T00:00:00Z`) + n * MS_PER_DAY));

export async function complianceReport(ctx: JobContext, options: ReportOptions = {}): Promise<ComplianceReport> {
  const { config, ledger, hasher, clock } = ctx;
  const now = clock.now();
  const today = utcDayKey(now);
  const policies = ctx.policies;
  const horizonDays = options.horizonDays ?? Math.min(60, Math.max(...Object.values(policies).map((p) => p.refreshWithinDays)));
  const overdueListLimit = options.overdueListLimit ?? 1000;

  options.progress?.({ job: 'report', phase: 'reading the audit log', done: 0 });
  const snapshot = await readAuditLog(ctx.audit);
  const events = eventsOf(snapshot);
  options.progress?.({ job: 'report', phase: 'reading the ledger', done: 0, counts: { events: events.length } });
  // Quota use over the whole project by default: from the day of the first event (at least 14 days, at most 2 years).
  const projectDays = events.length === 0 ? 0 : Math.round((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${dayOf(events[0]!.at)}T00:00:00Z`)) / MS_PER_DAY);
  const historyDays = options.historyDays ?? Math.min(731, Math.max(14, projectDays));
  const active = await allActiveRecords(ledger);
  options.progress?.({ job: 'report', phase: 'summing up', done: active.length, counts: { events: events.length } });

  // Tombstones, found through their purge events.
  const purgedHashes = [...new Set(events.filter((e) => e.action === 'record.purged' && e.recordHash).map((e) => e.recordHash!))];
  const tombstones = [...(await ledger.getTombstones(purgedHashes)).values()];

  // Records by status.
  const activeByKind = zeroKinds();
  for (const r of active) activeByKind[r.ref.kind] += 1;
  const tombstonedByKind = zeroKinds();
  for (const t of tombstones) tombstonedByKind[t.kind] += 1;

  const head = snapshot.seals[snapshot.seals.length - 1];
  const refreshes = refreshTimeliness(events, policies);
  const standing = withHolds(withPulledCopies(overdueFigures(active, now, ctx, overdueListLimit, hasher), await staleCopies(ctx, exportStoreOf(ctx))), await listHolds(ctx, { openOnly: true }));
  return {
    kind: 'steward.compliance-report',
    version: 1,
    generatedAt: now.toISOString(),
    project: { id: config.project.id, title: config.project.title, endDate: config.project.endDate },
    policies: Object.values(policies).map((p) => ({ id: p.id, version: p.version, refreshWithinDays: p.refreshWithinDays, purgeWithinHours: p.purgeWithinHours, source: p.source })),
    auditHead: head ? { seq: head.seq, hash: head.hash } : null,
    records: {
      total: active.length + tombstones.length,
      active: active.length,
      activeByKind,
      pendingPurge: active.filter((r) => r.purgePending).length,
      tombstoned: tombstones.length,
      tombstonedByKind,
    },
    refreshes,
    specs: specRefreshFigures({ events, active, tombstones, policies, now, hash: (key) => hasher.hash(key), configSpecs: config.specs.map((sp) => sp.name) }),
    purges: purgeFigures(tombstones),
    obligations: { horizonDays, sources: await obligationsBySource(ctx, active, today, horizonDays, historyDays) },
    attrition: attritionFigures(attritionSubjects(events, active)),
    ...standing,
    badge: complianceBadge({ overdue: standing.overdue.count + (standing.pulledCopies?.overdue ?? 0) + (standing.holds?.filter((h) => h.overdue).length ?? 0), onTime: refreshes.onTime, late: refreshes.late, unknown: refreshes.unknown }),
    timeline: corpusTimeline(events, today),
    members: memberActivity(events),
  };
}

/** Open purge holds join the report; one past its decision deadline makes it not compliant. */
function withHolds<F extends Pick<ComplianceReport, 'ok'>>(figures: F, holds: HoldList): F & Pick<ComplianceReport, 'holds'> {
  return { ...figures, ok: figures.ok && holds.overdue === 0, holds: holds.holds };
}

/** Stale pulled copies join the report; an overdue one makes it not compliant. */
function withPulledCopies(figures: Pick<ComplianceReport, 'overdue' | 'ok'>, stale: readonly CopyStanding[]): Pick<ComplianceReport, 'overdue' | 'ok' | 'pulledCopies'> {
  const overdue = stale.filter((s) => s.overdue).length;
  return { ...figures, ok: figures.ok && overdue === 0, pulledCopies: { stale: stale.map(staleCopyText), overdue } };
}

function purgeFigures(tombstones: readonly Tombstone[]): ComplianceReport['purges'] {
  const byReason = zeroReasons();
  const byKind = zeroKinds();
  const perDay = new Map<string, ReasonCounts>();
  for (const t of tombstones) {
    byReason[t.reason] += 1;
    byKind[t.kind] += 1;
    const day = dayOf(t.purgedAt);
    const counts = perDay.get(day) ?? zeroReasons();
    counts[t.reason] += 1;
    perDay.set(day, counts);
  }
  return {
    total: tombstones.length,
    byReason,
    byKind,
    perDay: [...perDay.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([day, counts]) => ({ day, byReason: counts, total: Object.values(counts).reduce((a, b) => a + b, 0) })),
  };
}

async function obligationsBySource(ctx: JobContext, active: readonly ActiveRecord[], today: string, horizonDays: number, historyDays: number): Promise<SourceObligations[]> {
  const { config, policies, ledger } = ctx;
  const sourceOfSpec = new Map(config.specs.map((s) => [s.name, s.source]));
  const sourceNames = Object.keys(config.sources).sort();
  const nowMs = ctx.clock.now().getTime();
  // A record whose spec was removed from the config is counted under the first source of its policy's API.
  const fallback = (policyId: string) => sourceNames.find((n) => policyIdForApi(config.sources[n]!.api) === policyId) ?? sourceNames[0]!;
  const recordsBySource = new Map<string, ActiveRecord[]>();
  for (const r of active) {
    const source = sourceOfSpec.get(r.provenance.specName) ?? fallback(r.policyId);
    recordsBySource.set(source, [...(recordsBySource.get(source) ?? []), r]);
  }
  // What each deadline day's records cost a sweep, read in the sweep's order (`active` comes from the due index,
  // shard after shard): one pricing across sources, as the sweep's steps hold records of every source.
  const sweepsByDay = new Map<string, SweepCost>();
  for (const r of active) {
    if (r.purgePending || Date.parse(r.refreshDueAt) < nowMs || Date.parse(r.expiresAt) <= nowMs) continue;
    const day = dayOf(r.refreshDueAt);
    let sweep = sweepsByDay.get(day);
    if (!sweep) sweepsByDay.set(day, (sweep = new SweepCost()));
    const policy = policies[r.policyId as PolicyId] ?? policies['tiktok-research'];
    sweep.add({
      source: sourceOfSpec.get(r.provenance.specName) ?? fallback(r.policyId),
      kind: r.ref.kind,
      method: policy.refreshBy,
      ...(r.parentKey !== undefined ? { parentKey: r.parentKey } : {}),
      ...(r.platformCreatedAt !== undefined ? { platformCreatedAt: r.platformCreatedAt } : {}),
    });
  }
  const out: SourceObligations[] = [];
  for (const name of sourceNames) {
    const source = config.sources[name]!;
    const policyId = policyIdForApi(source.api);
    const records = recordsBySource.get(name) ?? [];
    const days = Array.from({ length: horizonDays }, (_, i) => addDays(today, i));
    const due = new Map(days.map((d) => [d, zeroKinds()]));
    const expiring = new Map(days.map((d) => [d, 0]));
    const activeKinds = zeroKinds();
    let overdueRecords = 0;
    for (const r of records) {
      activeKinds[r.ref.kind] += 1;
      const expiryDay = dayOf(r.expiresAt);
      if (expiring.has(expiryDay)) expiring.set(expiryDay, expiring.get(expiryDay)! + 1);
      if (r.purgePending) continue;
      if (Date.parse(r.refreshDueAt) < nowMs) {
        overdueRecords += 1;
        continue;
      }
      const counts = due.get(dayOf(r.refreshDueAt));
      if (counts) counts[r.ref.kind] += 1;
    }
    const obligationDays = days.map((day) => {
      const counts = due.get(day)!;
      return { day, due: counts, requests: sweepsByDay.get(day)?.requests(name) ?? 0, expiring: expiring.get(day)! };
    });
    const history: QuotaDay[] = [];
    for (let i = historyDays; i >= 0; i--) {
      const day = addDays(today, -i);
      history.push({ day, usedRequests: (await ledger.getQuotaUsage(name, day)).requests });
    }
    out.push({
      source: name,
      api: source.api,
      policyId,
      dailyRequests: source.dailyRequests,
      active: activeKinds,
      overdueRecords,
      days: obligationDays,
      history,
      daysOverQuota: obligationDays.filter((d) => d.requests > source.dailyRequests).length,
    });
  }
  return out;
}

function overdueFigures(
  active: readonly ActiveRecord[],
  now: Date,
  ctx: JobContext,
  limit: number,
  hasher: JobContext['hasher'],
): Pick<ComplianceReport, 'overdue' | 'ok'> {
  const items: OverdueItem[] = [];
  const byObligation: Record<ObligationKind, number> = { refresh: 0, expiry: 0, purge: 0 };
  for (const r of active) {
    for (const o of overdueObligations(r, now, ctx.policies)) {
      byObligation[o.obligation] += 1;
      items.push({ recordHash: hasher.hash(recordKeyOf(r.ref)), kind: r.ref.kind, obligation: o.obligation, dueAt: o.dueAt, hoursOverdue: o.hoursOverdue });
    }
  }
  items.sort((a, b) => b.hoursOverdue - a.hoursOverdue || (a.recordHash < b.recordHash ? -1 : 1));
  return { overdue: { count: items.length, byObligation, items: items.slice(0, limit), truncated: items.length > limit }, ok: items.length === 0 };
}
