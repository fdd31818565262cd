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
import { planQuota, requestsFor, type KindCounts, type QuotaPlan } from '../domain/quota-plan';
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

function endOfUtcDay(instant: Date): Date {
  return new Date((Math.floor(instant.getTime() / MS_PER_DAY) + 1) * MS_PER_DAY - 1);
}

/**
 * Requests the refresh sweeps still need today, per source: the records whose next action falls before the end of
 * the UTC day, priced by kind (comments by listing: each video with due comments costs a listing). Stops reading
 * once every source needs more than its whole daily quota.
 */
export async function refreshNeedToday(ctx: Pick<JobContext, 'config' | 'policies' | 'ledger' | 'clock'>): Promise<Record<string, number>> {
  const counts = new Map<string, KindCounts>();
  const listings = new Map<string, Map<string, number>>();
  const need = (source: string) => {
    const method = policyOfSource(ctx, source).refreshBy;
    const { comment = 0, ...rest } = counts.get(source) ?? {};
    if (method === 'existence-check') return requestsFor({ ...rest, comment }, method);
    let commentRequests = 0;
    for (const n of listings.get(source)?.values() ?? []) commentRequests += Math.ceil(n / 100);
    return requestsFor(rest, method) + commentRequests;
  };
  const saturated = () => Object.entries(ctx.config.sources).every(([name, s]) => need(name) >= s.dailyRequests);
  const end = endOfUtcDay(ctx.clock.now());
  for await (const page of dueRecords(ctx.ledger, end, sweepShards(ctx.ledger))) {
    for (const record of page.records) {
      if (record.purgePending) continue;
      const source = sourceOfRecord(ctx.config, record);
      if (source === undefined) continue;
      const c = counts.get(source) ?? {};
      c[record.ref.kind] = (c[record.ref.kind] ?? 0) + 1;
      counts.set(source, c);
      if (record.ref.kind === 'comment') {
        const perVideo = listings.get(source) ?? new Map<string, number>();
        perVideo.set(record.parentKey ?? '', (perVideo.get(record.parentKey ?? '') ?? 0) + 1);
        listings.set(source, perVideo);
      }
    }
    if (saturated()) break;
  }
  return Object.fromEntries(Object.keys(ctx.config.sources).map((source) => [source, Math.ceil(need(source))]));
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
    /** Videos whose comments are kept: each is one listing per refresh. */
    commentParents: Set<string>;
    overdue: number;
  }
  const tallies = new Map<string, Tally>();
  const inc = (counts: KindCounts, kind: RecordKind) => {
    counts[kind] = (counts[kind] ?? 0) + 1;
  };
  for await (const page of dueRecords(ctx.ledger, new Date('9999-12-31T00:00:00Z'), sweepShards(ctx.ledger), 1000)) {
    for (const record of page.records) {
      if (record.purgePending) continue;
      const source = sourceOfRecord(ctx.config, record);
      if (source === undefined) continue;
      let t = tallies.get(source);
      if (!t) tallies.set(source, (t = { active: {}, dueByDay: {}, dueToday: {}, recent: {}, commentParents: new Set(), overdue: 0 }));
      const kind = record.ref.kind;
      inc(t.active, kind);
      if (kind === 'comment' && record.parentKey) t.commentParents.add(record.parentKey);
      if (Date.parse(record.refreshDueAt) <= now.getTime()) t.overdue += 1;
      inc((t.dueByDay[record.refreshDueAt.slice(0, 10)] ??= {}), kind);
      if (Date.parse(record.firstCollectedAt) > growthSince) inc(t.recent, kind);
    }
  }
  // What is due today, read as the sweeps read it (the due index up to the end of the day).
  for await (const page of dueRecords(ctx.ledger, new Date(endOfToday), sweepShards(ctx.ledger), 1000)) {
    for (const record of page.records) {
      const source = record.purgePending ? undefined : sourceOfRecord(ctx.config, record);
      const t = source === undefined ? undefined : tallies.get(source);
      if (t) inc(t.dueToday, record.ref.kind);
    }
  }
  const day = utcDayKey(now);
  const sources: SourcePlan[] = [];
  for (const [source, sourceConfig] of Object.entries(ctx.config.sources)) {
    const policy = policyOfSource(ctx, source);
    const t = tallies.get(source) ?? { active: {}, dueByDay: {}, dueToday: {}, recent: {}, commentParents: new Set<string>(), overdue: 0 };
    const growthPerDay = Object.fromEntries(Object.entries(t.recent).map(([k, n]) => [k, n / GROWTH_WINDOW_DAYS])) as KindCounts;
    const plan = planQuota({
      now,
      dailyRequests: sourceConfig.dailyRequests,
      refreshWithinDays: policy.refreshWithinDays,
      refreshLeadHours: policy.refreshLeadHours,
      refreshBy: policy.refreshBy,
      ...(t.commentParents.size > 0 ? { commentsPerListing: (t.active.comment ?? 0) / t.commentParents.size } : {}),
      active: t.active,
      dueByDay: t.dueByDay,
      dueToday: t.dueToday,
      overdue: t.overdue,
      growthPerDay,
      projectEnd: end,
    });
    const usedToday = (await ctx.ledger.getQuotaUsage(source, day)).requests;
    sources.push({
      source,
      policyId: policy.id,
      policyVersion: policy.version,
      refreshWithinDays: policy.refreshWithinDays,
      refreshBy: policy.refreshBy,
      activeByKind: t.active,
      usedToday,
      ...plan,
    });
  }
  return { at: now.toISOString(), projectEnd: end.toISOString(), sources };
}
