/**
 * Quota planning over the ledger, without a Scan: everything comes from the due index.
 *
 * - `refreshNeedToday` reads only what is due by the end of today (what the sweeps must still do today), so
 *   collection can leave that much of the quota alone. It costs what is due, like a sweep.
 * - `quotaPlan` answers `steward quota plan`: it reads every active record once through the due index (Queries,
 *   shard by shard) and counts them by source, kind, deadline day and collection day. That is a read of the
 *   whole corpus by nature (the plan is about the whole corpus), made by an occasional command, never by a sweep.
 */
import { MS_PER_DAY, utcDayKey } from '../domain/clock';
import type { Policy, PolicyId } from '../domain/policy';
import { laneOfItem, planQuota, SWEEP_MARGIN_DAYS, SweepCost, type KindCounts, type QuotaPlan, type SweepItem } from '../domain/quota-plan';
import type { ActiveRecord, RecordKind } from '../domain/records';
import { policyIdForApi, projectEnd } from '../config/load';
import type { ProjectConfig } from '../config/schema';
import type { JobContext } from './context';
import { dueRecords, sweepShards } from './due';

/** The source a record's refreshes are billed to: its spec's source, or the first source of its policy's API. */
export function sourceOfRecord(config: ProjectConfig, record: ActiveRecord): string | undefined {
  const spec = config.specs.find((s) => s.name === record.provenance.specName);
  if (spec && config.sources[spec.source]) return spec.source;
  return Object.entries(config.sources).find(([, s]) => policyIdForApi(s.api) === record.policyId)?.[0];
}

function policyOfSource(ctx: Pick<JobContext, 'config' | 'policies'>, source: string): Policy {
  return ctx.policies[policyIdForApi(ctx.config.sources[source]!.api) as PolicyId];
}

/** A due record as the sweep prices it; undefined when the sweep spends nothing on it (pending purge, expired, no source). */
export function sweepItemOf(ctx: Pick<JobContext, 'config' | 'policies'>, record: ActiveRecord, now: Date): SweepItem | undefined {
  if (record.purgePending || Date.parse(record.expiresAt) <= now.getTime()) return undefined;
  const source = sourceOfRecord(ctx.config, record);
  if (source === undefined) return undefined;
  // The sweep goes by the record's own policy (refresh.ts `policyOf`).
  const policy = ctx.policies[record.policyId as PolicyId] ?? ctx.policies['tiktok-research'];
  return {
    source,
    kind: record.ref.kind,
    method: policy.refreshBy,
    ...(record.parentKey !== undefined ? { parentKey: record.parentKey } : {}),
    ...(record.platformCreatedAt !== undefined ? { platformCreatedAt: record.platformCreatedAt } : {}),
  };
}

function endOfUtcDay(instant: Date): Date {
  return new Date((Math.floor(instant.getTime() / MS_PER_DAY) + 1) * MS_PER_DAY - 1);
}

/**
 * Requests the refresh sweeps still need today, per source: the records whose next action falls before the end of
 * the UTC day, priced as the sweep spends them (`SweepCost`, in the sweep's read order). Stops reading once every
 * source needs more than its whole daily quota.
 */
export async function refreshNeedToday(ctx: Pick<JobContext, 'config' | 'policies' | 'ledger' | 'clock'>): Promise<Record<string, number>> {
  const now = ctx.clock.now();
  const sweep = new SweepCost();
  const saturated = () => Object.entries(ctx.config.sources).every(([name, s]) => sweep.requests(name) >= s.dailyRequests);
  const end = endOfUtcDay(now);
  for await (const page of dueRecords(ctx.ledger, end, sweepShards(ctx.ledger))) {
    for (const record of page.records) {
      const item = sweepItemOf(ctx, record, now);
      if (item) sweep.add(item);
    }
    if (saturated()) break;
  }
  return Object.fromEntries(Object.keys(ctx.config.sources).map((source) => [source, Math.ceil(sweep.requests(source))]));
}

/** One source's plan, with what it was computed from. */
export interface SourcePlan extends QuotaPlan {
  readonly source: string;
  readonly policyId: PolicyId;
  readonly policyVersion: number;
  readonly refreshWithinDays: number;
  readonly refreshBy: Policy['refreshBy'];
  readonly activeByKind: KindCounts;
  /** Requests booked today (refresh and collection), from the ledger's quota book. */
  readonly usedToday: number;
  /** What each spec's records cost to keep fresh, most first. */
  readonly specs: readonly SpecLoad[];
  /** When keeping every record fresh needs more than the daily quota: the spec that costs most, and the excess. */
  readonly unsustainable: Unsustainable | null;
}

export interface SpecLoad {
  readonly spec: string;
  readonly records: number;
  /** Requests per day its records need to stay fresh (at the measured cost per record of each kind). */
  readonly requestsPerDay: number;
}

export interface Unsustainable {
  /** The spec that costs most. */
  readonly spec: string;
  readonly specRequestsPerDay: number;
  /** Requests per day needed beyond the quota. */
  readonly overBy: number;
  /** The spec's records the quota can keep fresh with every other spec kept whole (0 when even none fit). */
  readonly specRecordsThatFit: number;
}

/** Requests per day of each spec's records, from the measured cost per record of each kind. */
export function specLoads(counts: ReadonlyMap<string, KindCounts> | undefined, perRecord: Partial<Record<RecordKind, number>>, cycleDays: number): SpecLoad[] {
  const out: SpecLoad[] = [];
  for (const [spec, byKind] of counts ?? []) {
    let requests = 0;
    let records = 0;
    for (const [kind, n] of Object.entries(byKind) as Array<[RecordKind, number]>) {
      records += n;
      requests += n * (perRecord[kind] ?? 0);
    }
    out.push({ spec, records, requestsPerDay: Math.round((requests / cycleDays) * 100) / 100 });
  }
  return out.sort((a, b) => b.requestsPerDay - a.requestsPerDay);
}

/** Which spec makes the plan unsustainable and by how much; null when the quota suffices. */
export function unsustainable(specs: readonly SpecLoad[], needed: number, quota: number): Unsustainable | null {
  if (needed <= quota || specs.length === 0) return null;
  const worst = specs[0]!;
  const overBy = Math.round((needed - quota) * 100) / 100;
  const keep = worst.requestsPerDay - overBy;
  const specRecordsThatFit = keep <= 0 || worst.requestsPerDay <= 0 ? 0 : Math.floor((worst.records * keep) / worst.requestsPerDay);
  return { spec: worst.spec, specRequestsPerDay: worst.requestsPerDay, overBy, specRecordsThatFit };
}

export interface QuotaPlanReport {
  readonly at: string;
  readonly projectEnd: string;
  readonly sources: readonly SourcePlan[];
}

/** Days over which net growth is averaged. */
const GROWTH_WINDOW_DAYS = 7;

export async function quotaPlan(ctx: JobContext): Promise<QuotaPlanReport> {
  const now = ctx.clock.now();
  const end = projectEnd(ctx.config);
  const endOfToday = endOfUtcDay(now).getTime();
  const growthSince = now.getTime() - GROWTH_WINDOW_DAYS * MS_PER_DAY;
  interface Tally {
    active: KindCounts;
    dueByDay: Record<string, KindCounts>;
    dueToday: KindCounts;
    recent: KindCounts;
    overdue: number;
  }
  // What each deadline day's records cost a sweep, and what today's due records cost, read in the sweep's order.
  const sweepsByDay = new Map<string, SweepCost>();
  const sweepToday = new SweepCost();
  const tallies = new Map<string, Tally>();
  const inc = (counts: KindCounts, kind: RecordKind) => {
    counts[kind] = (counts[kind] ?? 0) + 1;
  };
  const sweepOf = (dueDay: string) => {
    let sweep = sweepsByDay.get(dueDay);
    if (!sweep) sweepsByDay.set(dueDay, (sweep = new SweepCost()));
    return sweep;
  };
  // A video's comments are listed once for all of them, on the earliest deadline among them (the listing moves the
  // others' deadlines with it): gathered per video here, priced after the walk.
  const videoComments = new Map<string, { item: SweepItem; dueDay: string; kept: number }>();
  const bySpec = new Map<string, Map<string, KindCounts>>();
  for await (const page of dueRecords(ctx.ledger, new Date('9999-12-31T00:00:00Z'), sweepShards(ctx.ledger), 1000)) {
    for (const record of page.records) {
      if (record.purgePending) continue;
      const source = sourceOfRecord(ctx.config, record);
      if (source === undefined) continue;
      let t = tallies.get(source);
      if (!t) tallies.set(source, (t = { active: {}, dueByDay: {}, dueToday: {}, recent: {}, overdue: 0 }));
      const kind = record.ref.kind;
      inc(t.active, kind);
      let specs = bySpec.get(source);
      if (!specs) bySpec.set(source, (specs = new Map()));
      const specCounts = specs.get(record.provenance.specName) ?? {};
      inc(specCounts, kind);
      specs.set(record.provenance.specName, specCounts);
      const item = sweepItemOf(ctx, record, now);
      const dueDay = record.refreshDueAt.slice(0, 10);
      if (item && laneOfItem(item).lane === 'comment') {
        const seen = videoComments.get(item.parentKey!);
        if (!seen) videoComments.set(item.parentKey!, { item, dueDay, kept: 1 });
        else {
          seen.kept += 1;
          if (dueDay < seen.dueDay) seen.dueDay = dueDay;
        }
      } else if (item) sweepOf(dueDay).add(item);
      if (Date.parse(record.refreshDueAt) <= now.getTime()) t.overdue += 1;
      inc((t.dueByDay[record.refreshDueAt.slice(0, 10)] ??= {}), kind);
      if (Date.parse(record.firstCollectedAt) > growthSince) inc(t.recent, kind);
    }
  }
  for (const { item, dueDay, kept } of videoComments.values()) {
    const sweep = sweepOf(dueDay);
    for (let i = 0; i < kept; i++) sweep.add(item);
  }
  // What is due today, read as the sweeps read it (the due index up to the end of the day); a video's listing reads
  // for all its kept comments.
  for await (const page of dueRecords(ctx.ledger, new Date(endOfToday), sweepShards(ctx.ledger), 1000)) {
    for (const record of page.records) {
      const source = record.purgePending ? undefined : sourceOfRecord(ctx.config, record);
      const t = source === undefined ? undefined : tallies.get(source);
      if (t) inc(t.dueToday, record.ref.kind);
      const item = sweepItemOf(ctx, record, now);
      const kept = item?.parentKey === undefined ? undefined : videoComments.get(item.parentKey)?.kept;
      if (item) sweepToday.add(kept === undefined ? item : { ...item, keptWithParent: kept });
    }
  }
  const day = utcDayKey(now);
  const sources: SourcePlan[] = [];
  for (const [source, sourceConfig] of Object.entries(ctx.config.sources)) {
    const policy = policyOfSource(ctx, source);
    const t = tallies.get(source) ?? { active: {}, dueByDay: {}, dueToday: {}, recent: {}, overdue: 0 };
    // Requests per record by kind, as the sweeps of each deadline day would spend them.
    const spent: KindCounts = {};
    const priced: KindCounts = {};
    const requestsDueByDay: Record<string, number> = {};
    for (const [dueDay, sweep] of sweepsByDay) {
      requestsDueByDay[dueDay] = sweep.requests(source);
      for (const [kind, n] of Object.entries(sweep.requestsByKind(source)) as Array<[RecordKind, number]>) spent[kind] = (spent[kind] ?? 0) + n;
      for (const [kind, n] of Object.entries(sweep.countsOf(source)) as Array<[RecordKind, number]>) priced[kind] = (priced[kind] ?? 0) + n;
    }
    const perRecordRequests = Object.fromEntries(
      (Object.entries(priced) as Array<[RecordKind, number]>).filter(([, n]) => n > 0).map(([kind, n]) => [kind, (spent[kind] ?? 0) / n]),
    ) as Partial<Record<RecordKind, number>>;
    const growthPerDay = Object.fromEntries(Object.entries(t.recent).map(([k, n]) => [k, n / GROWTH_WINDOW_DAYS])) as KindCounts;
    const plan = planQuota({
      now,
      dailyRequests: sourceConfig.dailyRequests,
      refreshWithinDays: policy.refreshWithinDays,
      refreshLeadHours: policy.refreshLeadHours,
      refreshBy: policy.refreshBy,
      perRecordRequests,
      requestsDueToday: sweepToday.requests(source),
      requestsDueByDay,
      active: t.active,
      dueByDay: t.dueByDay,
      dueToday: t.dueToday,
      overdue: t.overdue,
      growthPerDay,
      projectEnd: end,
    });
    const usedToday = (await ctx.ledger.getQuotaUsage(source, day)).requests;
    const specs = specLoads(bySpec.get(source), perRecordRequests, Math.max(1, policy.refreshWithinDays - SWEEP_MARGIN_DAYS));
    sources.push({
      source,
      policyId: policy.id,
      policyVersion: policy.version,
      refreshWithinDays: policy.refreshWithinDays,
      refreshBy: policy.refreshBy,
      activeByKind: t.active,
      usedToday,
      ...plan,
      specs,
      unsustainable: unsustainable(specs, plan.requestsPerDayNeeded, sourceConfig.dailyRequests),
    });
  }
  return { at: now.toISOString(), projectEnd: end.toISOString(), sources };
}
