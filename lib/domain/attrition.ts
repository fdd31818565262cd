/**
 * Attrition: how much of a collected sample left the store, why, and how fast by age since posting.
 *
 * The platform's deletion duty changes the data under a study: removals are not at random, so a paper written on a
 * refreshed corpus must say how much of its sample vanished, of what kind, and when. Two figures, content-free
 * (counts and ages only):
 *
 * - shares: per spec and kind, of the records collected, the share still active, held by the purge fuse, and
 *   removed by each reason (unavailable = deleted or made private on the platform, erasure, expired, cascade =
 *   removed with its parent);
 * - survival by age since posting: a Kaplan-Meier estimate of the probability that a record is still available on
 *   the platform at age `t`. The event is a confirmed unavailability (purge reason `unavailable`), timed at the age
 *   when the purge found it (the deletion happened between the last confirmation and then: the estimate is a little
 *   late, never early). Every other record is censored at its last confirmation: still active or held (the fuse
 *   holds what may be an outage), erased, expired or removed with its parent (their own availability was no longer
 *   observed). Records without a posting time (accounts, ads) count in the shares only.
 *
 * Ties: at one age, events are counted before censorings (the usual convention: a record censored at `t` was at
 * risk at `t`). Greenwood's formula gives the standard error.
 */
import type { PurgeReason, RecordKind } from './records';

export const ATTRITION_OUTCOMES = ['active', 'held', 'unavailable', 'erasure', 'expired', 'cascade'] as const;
export type AttritionOutcome = (typeof ATTRITION_OUTCOMES)[number];

/** One collected record as attrition sees it: no id, no content. */
export interface AttritionSubject {
  readonly spec: string;
  readonly kind: RecordKind;
  readonly outcome: AttritionOutcome;
  /**
   * Hours from posting to the observation that ends the record's follow-up: the purge that found it unavailable
   * (event), else its last confirmation (censored). Undefined without a posting time.
   */
  readonly ageHours?: number;
}

export type OutcomeCounts = Record<AttritionOutcome, number>;

export interface AttritionShare {
  readonly spec: string;
  readonly kind: RecordKind;
  readonly collected: number;
  readonly counts: OutcomeCounts;
  /** counts / collected (0 when nothing was collected), rounded to 4 decimals. */
  readonly shares: OutcomeCounts;
  /** Removed for any reason (unavailable, erasure, expired, cascade), as a share of collected. */
  readonly removedShare: number;
}

/** One step of a Kaplan-Meier curve: at `ageDays`, `events` of `atRisk` records were found unavailable. */
export interface SurvivalStep {
  readonly ageDays: number;
  readonly atRisk: number;
  readonly events: number;
  /** Censored at this age (follow-up ended without an event). */
  readonly censored: number;
  /** S(t) just after this age. */
  readonly survival: number;
  /** Greenwood standard error of `survival`. */
  readonly standardError: number;
}

export interface SurvivalCurve {
  /** `all` or one kind. */
  readonly group: string;
  readonly subjects: number;
  readonly events: number;
  readonly censored: number;
  /** Records of the group without a posting time (not in the curve). */
  readonly withoutAge: number;
  readonly steps: readonly SurvivalStep[];
  /** S(t) at fixed ages, for tables (null past the last observed age). */
  readonly at: ReadonlyArray<{ readonly ageDays: number; readonly survival: number | null }>;
  /** The age where S(t) first falls to 0.5 or below, or null if it never does. */
  readonly medianDays: number | null;
}

/** Where a purge reason falls among the outcomes. */
export function outcomeOfReason(reason: PurgeReason | string): AttritionOutcome | undefined {
  return (ATTRITION_OUTCOMES as readonly string[]).includes(reason) && reason !== 'active' && reason !== 'held' ? (reason as AttritionOutcome) : undefined;
}

export const zeroOutcomes = (): OutcomeCounts => Object.fromEntries(ATTRITION_OUTCOMES.map((o) => [o, 0])) as OutcomeCounts;

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;
const REMOVED: readonly AttritionOutcome[] = ['unavailable', 'erasure', 'expired', 'cascade'];

/** Shares per spec and kind (sorted by spec, then kind). */
export function attritionShares(subjects: Iterable<AttritionSubject>): AttritionShare[] {
  const groups = new Map<string, { spec: string; kind: RecordKind; counts: OutcomeCounts }>();
  for (const s of subjects) {
    const key = `${s.spec}\u0000${s.kind}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { spec: s.spec, kind: s.kind, counts: zeroOutcomes() }));
    g.counts[s.outcome] += 1;
  }
  return [...groups.values()]
    .sort((a, b) => (a.spec !== b.spec ? (a.spec < b.spec ? -1 : 1) : a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0))
    .map(({ spec, kind, counts }) => shareOf(spec, kind, counts));
}

/** Sum shares into one row (e.g. all specs of a kind). */
export function totalShare(spec: string, kind: RecordKind, rows: readonly AttritionShare[]): AttritionShare {
  const counts = zeroOutcomes();
  for (const r of rows) for (const o of ATTRITION_OUTCOMES) counts[o] += r.counts[o];
  return shareOf(spec, kind, counts);
}

function shareOf(spec: string, kind: RecordKind, counts: OutcomeCounts): AttritionShare {
  const collected = ATTRITION_OUTCOMES.reduce((n, o) => n + counts[o], 0);
  const share = (n: number) => (collected === 0 ? 0 : round(n / collected));
  const shares = Object.fromEntries(ATTRITION_OUTCOMES.map((o) => [o, share(counts[o])])) as OutcomeCounts;
  return { spec, kind, collected, counts, shares, removedShare: share(REMOVED.reduce((n, o) => n + counts[o], 0)) };
}

/** Fixed ages (days) at which curves are read for tables. */
export const SURVIVAL_READ_AGES = [1, 7, 15, 30, 90, 180, 365] as const;

/**
 * The Kaplan-Meier estimate over `subjects` (those with an age): event = `unavailable`, everything else censored.
 * Steps are at every age where something happened (events or censorings), in hours rounded to whole hours.
 */
export function kaplanMeier(group: string, subjects: readonly AttritionSubject[]): SurvivalCurve {
  const timed = subjects.filter((s) => s.ageHours !== undefined && Number.isFinite(s.ageHours));
  const byAge = new Map<number, { events: number; censored: number }>();
  for (const s of timed) {
    const hour = Math.max(0, Math.round(s.ageHours!));
    const at = byAge.get(hour) ?? { events: 0, censored: 0 };
    if (s.outcome === 'unavailable') at.events += 1;
    else at.censored += 1;
    byAge.set(hour, at);
  }
  let atRisk = timed.length;
  let survival = 1;
  let greenwood = 0;
  let medianDays: number | null = null;
  const steps: SurvivalStep[] = [];
  for (const hour of [...byAge.keys()].sort((a, b) => a - b)) {
    const { events, censored } = byAge.get(hour)!;
    if (events > 0) {
      survival *= 1 - events / atRisk;
      greenwood += atRisk > events ? events / (atRisk * (atRisk - events)) : 0;
    }
    const ageDays = round(hour / 24, 3);
    if (medianDays === null && survival <= 0.5) medianDays = ageDays;
    steps.push({ ageDays, atRisk, events, censored, survival: round(survival, 6), standardError: round(survival * Math.sqrt(greenwood), 6) });
    atRisk -= events + censored;
  }
  const lastAge = steps.length > 0 ? steps[steps.length - 1]!.ageDays : -1;
  return {
    group,
    subjects: timed.length,
    events: steps.reduce((n, s) => n + s.events, 0),
    censored: steps.reduce((n, s) => n + s.censored, 0),
    withoutAge: subjects.length - timed.length,
    steps,
    at: SURVIVAL_READ_AGES.map((ageDays) => ({ ageDays, survival: ageDays > lastAge ? null : survivalAt(steps, ageDays) })),
    medianDays,
  };
}

/** S(t) of a curve at `ageDays`: the survival of the last step at or before it (1 before the first). */
export function survivalAt(steps: readonly SurvivalStep[], ageDays: number): number {
  let s = 1;
  for (const step of steps) {
    if (step.ageDays > ageDays) break;
    s = step.survival;
  }
  return s;
}

/** Hours between posting (Unix seconds) and an ISO instant, or undefined without a posting time. */
export function ageHoursAt(postedAtSeconds: number | undefined, at: string): number | undefined {
  if (postedAtSeconds === undefined) return undefined;
  const ms = Date.parse(at) - postedAtSeconds * 1000;
  return Number.isFinite(ms) ? Math.max(0, Math.round(ms / 3_600_000)) : undefined;
}

/**
 * What a purge event records for attrition (content-free: ages in whole hours, no posting time): the age at the
 * purge and at the record's last confirmation.
 */
export function purgeAgeEvidence(record: { platformCreatedAt?: number; lastSeenAt: string } | undefined, purgedAt: string): Record<string, number> {
  const atPurge = ageHoursAt(record?.platformCreatedAt, purgedAt);
  const atLastSeen = record ? ageHoursAt(record.platformCreatedAt, record.lastSeenAt) : undefined;
  return { ...(atPurge !== undefined ? { ageHours: atPurge } : {}), ...(atLastSeen !== undefined ? { lastSeenAgeHours: atLastSeen } : {}) };
}
