/**
 * Compliance-first quota planning: pure arithmetic over what is read from the ledger (see lib/jobs/quota-plan.ts).
 *
 * What a refresh costs is priced in one place, `SweepCost`, which replays the refresh sweep (lib/jobs/refresh/)
 * over records in the order the sweep reads them, grouped as the sweep groups them (sweep-groups.ts): videos are
 * looked up 100 ids per request within fixed 30-day creation windows gathered across the whole sweep; a video's
 * comments are listed once per sweep for all its kept comments (one request per page of 100, the first ~1,000
 * served); accounts cost one `user/info` each and ads one detail lookup each; records checked by batch compliance
 * task gather in steps of 10,000 and cost a few requests per task. Both `steward quota plan` and the compliance
 * report's obligations table price with it.
 *
 * Sweeps run at least daily and take the earliest deadlines first, so with a tight quota a record is refreshed on
 * its deadline day at the latest: every record costs its requests once per `refreshWithinDays - 1` days (one day of
 * margin for the sweep's schedule).
 */
import { MS_PER_DAY, utcDayKey } from './clock';
import { creationDay, SweepGroups, type Lane } from './sweep-groups';
import type { RecordKind } from './records';

/** Ids per video lookup request (Research API limit). */
export const RECORDS_PER_REQUEST = 100;
/** Ids per batch compliance task, and the requests one task costs (create, a status poll, download). */
export const IDS_PER_COMPLIANCE_TASK = 10_000;
export const REQUESTS_PER_COMPLIANCE_TASK = 3;
/** Days of margin a daily sweep needs before a deadline. */
export const SWEEP_MARGIN_DAYS = 1;

export type RefreshMethod = 'lookup' | 'existence-check';
export type KindCounts = Partial<Record<RecordKind, number>>;

/**
 * Requests one record of `kind` costs per refresh. Comments are re-listed per video, so a video with few kept
 * comments costs a whole request: `commentsPerListing` is the average number of kept comments per video.
 */
export function requestsPerRecord(kind: RecordKind, method: RefreshMethod = 'lookup', commentsPerListing: number = RECORDS_PER_REQUEST): number {
  if (kind === 'user' || kind === 'ad') return 1;
  if (method === 'existence-check') return REQUESTS_PER_COMPLIANCE_TASK / IDS_PER_COMPLIANCE_TASK;
  if (kind === 'comment') return 1 / Math.max(1, Math.min(RECORDS_PER_REQUEST, commentsPerListing));
  return 1 / RECORDS_PER_REQUEST;
}

/** Requests to refresh `counts` once. */
export function requestsFor(counts: KindCounts, method: RefreshMethod = 'lookup', commentsPerListing: number = RECORDS_PER_REQUEST): number {
  let total = 0;
  for (const [kind, n] of Object.entries(counts) as Array<[RecordKind, number]>) total += n * requestsPerRecord(kind, method, commentsPerListing);
  return total;
}

/** Due records the refresh sweep handles per step (its default `batchSize`). */
export const SWEEP_STEP = 1000;
/** Comments per listing page the sweep asks for, and pages it reads per video before a listing counts as cut short. */
export const COMMENTS_PER_PAGE = 100;
export const MAX_COMMENT_PAGES = 12;
/** TikTok serves about the first 1,000 comments of a video. */
export const PLATFORM_COMMENT_CAP = 1_000;
/** Days one video lookup's creation window may span (Research API limit). */
export const LOOKUP_WINDOW_DAYS = 30;

/** One due record as the sweep sees it, for pricing. */
export interface SweepItem {
  readonly source: string;
  readonly kind: RecordKind;
  readonly method: RefreshMethod;
  /** The parent video's key (comments). */
  readonly parentKey?: string;
  /** Unix seconds (videos): lookups are grouped by creation window. */
  readonly platformCreatedAt?: number;
  /** Comments kept of the parent video, due or not: its one listing reads until the last of them is found. */
  readonly keptWithParent?: number;
}

/** What one step of the sweep holds, per source: video creation days, parents of comments, accounts and ads. */
interface StepTally {
  readonly check: boolean;
  readonly bySource: Map<string, { videoDays: number[]; undated: number; parents: Set<string>; single: Map<RecordKind, number> }>;
}

/** Lookup requests for videos created on `days` (Unix days): ≤100 ids per request, each within one ≤30-day window. */
export function videoLookupRequests(days: readonly number[]): number {
  const sorted = [...days].sort((a, b) => a - b);
  let requests = 0;
  let start = Number.NEGATIVE_INFINITY;
  let inBatch = 0;
  for (const day of sorted) {
    if (inBatch > 0 && inBatch < RECORDS_PER_REQUEST && day <= start + LOOKUP_WINDOW_DAYS - 1) {
      inBatch += 1;
      continue;
    }
    requests += 1;
    start = day;
    inBatch = 1;
  }
  return requests;
}

/** Requests one listing of a video's comments costs when `comments` of them are kept: pages of 100, first ~1,000 only. */
export function listingRequests(comments: number): number {
  return Math.min(MAX_COMMENT_PAGES, Math.max(1, Math.ceil(Math.min(comments, PLATFORM_COMMENT_CAP) / COMMENTS_PER_PAGE)));
}

/** The lane of a due record in the sweep's grouping (sweep-groups.ts). */
export function laneOfItem(item: SweepItem): Lane {
  if (item.method === 'existence-check' && (item.kind === 'video' || item.kind === 'comment')) return { lane: 'check' };
  if (item.kind === 'video') {
    const day = creationDay(item.platformCreatedAt);
    return day === undefined ? { lane: 'video' } : { lane: 'video', day };
  }
  if (item.kind === 'comment' && item.parentKey?.startsWith('tiktok:video:')) return { lane: 'comment', parent: item.parentKey };
  return { lane: 'other' };
}

/**
 * The requests a refresh sweep spends on the records added, in the order added (the sweep's read order). It groups
 * them exactly as the sweep does (`SweepGroups`): videos by 30-day creation window across the sweep, comments by
 * parent video (one listing per video per sweep, as long as all its kept comments), compliance-task records in
 * steps of at least 10,000.
 */
export class SweepCost {
  private readonly groups: SweepGroups<SweepItem>;
  private readonly steps: StepTally[] = [];
  /** Comments per parent video over the whole sweep: its one listing reads until the last of them is found. */
  private readonly commentsOfParent = new Map<string, number>();
  /** Kept comments per parent video, due or not, where the caller knows them (`keptWithParent`). */
  private readonly keptOfParent = new Map<string, number>();
  private readonly counts = new Map<string, KindCounts>();

  constructor(stepSize: number = SWEEP_STEP) {
    this.groups = new SweepGroups(laneOfItem, { stepSize, checkStepSize: Math.max(stepSize, IDS_PER_COMPLIANCE_TASK) });
  }

  add(item: SweepItem): void {
    const c = this.counts.get(item.source) ?? {};
    c[item.kind] = (c[item.kind] ?? 0) + 1;
    this.counts.set(item.source, c);
    const lane = laneOfItem(item);
    if (lane.lane === 'comment') {
      this.commentsOfParent.set(lane.parent, (this.commentsOfParent.get(lane.parent) ?? 0) + 1);
      if (item.keptWithParent !== undefined) this.keptOfParent.set(lane.parent, Math.max(item.keptWithParent, this.keptOfParent.get(lane.parent) ?? 0));
    }
    for (const step of this.groups.add(item).steps) this.steps.push(tally(step));
  }

  /** Records added, by source and kind. */
  countsOf(source: string): KindCounts {
    return { ...(this.counts.get(source) ?? {}) };
  }

  /** Requests the sweep spends for `source`, by kind. */
  requestsByKind(source: string): KindCounts {
    const out: KindCounts = {};
    const add = (kind: RecordKind, n: number) => {
      if (n > 0) out[kind] = (out[kind] ?? 0) + n;
    };
    for (const step of [...this.steps, ...this.groups.peek().map(tally)]) {
      const s = step.bySource.get(source);
      if (!s) continue;
      if (step.check) {
        for (const [kind, n] of s.single) {
          add(kind, kind === 'video' || kind === 'comment' ? Math.ceil(n / IDS_PER_COMPLIANCE_TASK) * REQUESTS_PER_COMPLIANCE_TASK : n);
        }
        continue;
      }
      add('video', videoLookupRequests(s.videoDays) + Math.ceil(s.undated / RECORDS_PER_REQUEST));
      let listings = 0;
      for (const parent of s.parents) listings += listingRequests(Math.max(this.commentsOfParent.get(parent) ?? 1, this.keptOfParent.get(parent) ?? 0));
      add('comment', listings);
      for (const [kind, n] of s.single) add(kind, n);
    }
    return out;
  }

  /** Requests the sweep spends for `source`. */
  requests(source: string): number {
    return Object.values(this.requestsByKind(source)).reduce((a, b) => a + (b ?? 0), 0);
  }
}

function tally(items: readonly SweepItem[]): StepTally {
  const step: StepTally = { check: items.length > 0 && laneOfItem(items[0]!).lane === 'check', bySource: new Map() };
  for (const item of items) {
    let s = step.bySource.get(item.source);
    if (!s) step.bySource.set(item.source, (s = { videoDays: [], undated: 0, parents: new Set(), single: new Map() }));
    const lane = laneOfItem(item);
    if (lane.lane === 'check') s.single.set(item.kind, (s.single.get(item.kind) ?? 0) + 1);
    else if (lane.lane === 'video') {
      if (lane.day === undefined) s.undated += 1;
      else s.videoDays.push(lane.day);
    } else if (lane.lane === 'comment') s.parents.add(lane.parent);
    else if (item.kind !== 'comment') s.single.set(item.kind, (s.single.get(item.kind) ?? 0) + 1); // no parent video: nothing to list
  }
  return step;
}

function sum(counts: KindCounts): number {
  return Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);
}

export interface QuotaPlanInput {
  readonly now: Date;
  /** Configured daily request quota of the source. */
  readonly dailyRequests: number;
  /** The policy's refresh interval and lead time for the source's records. */
  readonly refreshWithinDays: number;
  readonly refreshLeadHours: number;
  readonly refreshBy: RefreshMethod;
  /** Average kept comments per video (comments are re-listed per video). @default 100 */
  readonly commentsPerListing?: number;
  /**
   * Requests per record by kind as the sweeps really spend them (from `SweepCost` over the corpus); when given, it
   * prices the corpus and its growth instead of `requestsPerRecord`.
   */
  readonly perRecordRequests?: Partial<Record<RecordKind, number>>;
  /** What the records due today cost a sweep (`SweepCost`); default: `dueToday` priced per record. */
  readonly requestsDueToday?: number;
  /** What each deadline day's records cost a sweep (`SweepCost`); default: `dueByDay` priced per record. */
  readonly requestsDueByDay?: Readonly<Record<string, number>>;
  /** Active records by kind. */
  readonly active: KindCounts;
  /** Active records by the UTC day (YYYY-MM-DD) of their refresh deadline, by kind (overdue ones on past days). */
  readonly dueByDay: Readonly<Record<string, KindCounts>>;
  /** Records past their refresh deadline right now (default: those whose deadline day is before today). */
  readonly overdue?: number;
  /** Records whose next action is due today (what sweeps must still do today), by kind. */
  readonly dueToday: KindCounts;
  /** Net growth of the corpus: active records first collected per day, recent average, by kind. */
  readonly growthPerDay: KindCounts;
  /** Records expire then; no deadline after it. */
  readonly projectEnd: Date;
}

export interface QuotaPlan {
  readonly dailyRequests: number;
  readonly activeRecords: number;
  /** Requests per day that keep every record fresh, in the long run at today's corpus size. */
  readonly requestsPerDayNeeded: number;
  /** Requests the records due today still need. */
  readonly requestsNeededToday: number;
  /** What collection may use per day once refreshes have theirs. */
  readonly headroomForCollection: number;
  /** The largest corpus of videos (100 per request) this quota keeps compliant. */
  readonly maxCompliantRecords: number;
  /** The largest corpus at today's mix of kinds. */
  readonly maxCompliantCorpusAtMix: number;
  /** Net records added per day. */
  readonly growthPerDay: number;
  /** First UTC day a refresh deadline would be missed if the corpus keeps growing at this rate; null if none before project end. */
  readonly firstMissedDeadline: string | null;
  /** Overdue records right now. */
  readonly overdue: number;
}

/** How far the simulation looks ahead at most. */
const MAX_SIMULATED_DAYS = 5 * 366;

export function planQuota(input: QuotaPlanInput): QuotaPlan {
  const { dailyRequests: quota, refreshWithinDays, refreshBy } = input;
  const cycleDays = Math.max(1, refreshWithinDays - SWEEP_MARGIN_DAYS);
  const activeRecords = sum(input.active);
  const cost = (counts: KindCounts) => priceOf(input, counts);
  const requestsPerDayNeeded = cost(input.active) / cycleDays;
  const requestsNeededToday = input.requestsDueToday ?? cost(input.dueToday);
  const perRecordAtMix = activeRecords > 0 ? cost(input.active) / activeRecords : 1 / RECORDS_PER_REQUEST;
  const today = utcDayKey(input.now);
  const overdue =
    input.overdue ??
    Object.entries(input.dueByDay)
      .filter(([day]) => day < today)
      .reduce((n, [, counts]) => n + sum(counts), 0);
  return {
    dailyRequests: quota,
    activeRecords,
    requestsPerDayNeeded: round(requestsPerDayNeeded),
    requestsNeededToday: round(requestsNeededToday),
    headroomForCollection: Math.max(0, Math.floor(quota - Math.max(requestsPerDayNeeded, requestsNeededToday))),
    maxCompliantRecords: Math.floor(quota * RECORDS_PER_REQUEST * cycleDays),
    maxCompliantCorpusAtMix: Math.floor((quota * cycleDays) / perRecordAtMix),
    growthPerDay: round(sum(input.growthPerDay)),
    firstMissedDeadline: overdue > 0 ? today : firstMiss(input),
    overdue,
  };
}

/** Requests to refresh `counts` once: at the measured rates when the input has them. */
function priceOf(input: QuotaPlanInput, counts: KindCounts): number {
  const rates = input.perRecordRequests;
  if (!rates) return requestsFor(counts, input.refreshBy, input.commentsPerListing);
  let total = 0;
  for (const [kind, n] of Object.entries(counts) as Array<[RecordKind, number]>) {
    total += n * (rates[kind] ?? requestsPerRecord(kind, input.refreshBy, input.commentsPerListing));
  }
  return total;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/**
 * Day-by-day simulation of the sweeps: each day the quota refreshes the earliest deadlines first (those within the
 * lead time), a refreshed record's next deadline is `refreshWithinDays` later, and the corpus grows by the recent
 * net rate. The first day that ends with a deadline of that day or earlier not met is the answer.
 */
function firstMiss(input: QuotaPlanInput): string | null {
  const day0 = Math.floor(input.now.getTime() / MS_PER_DAY);
  const lastDay = Math.min(day0 + MAX_SIMULATED_DAYS, Math.floor(input.projectEnd.getTime() / MS_PER_DAY));
  const leadDays = Math.max(0, Math.floor(input.refreshLeadHours / 24));
  const price = (counts: KindCounts) => priceOf(input, counts);
  const growth = price(input.growthPerDay);
  // Work in requests: the cost of the records due on each day.
  const due = new Map<number, number>();
  const add = (day: number, requests: number) => {
    if (requests > 0) due.set(day, (due.get(day) ?? 0) + requests);
  };
  for (const [day, counts] of Object.entries(input.dueByDay)) {
    add(Math.floor(Date.parse(`${day}T00:00:00Z`) / MS_PER_DAY), input.requestsDueByDay?.[day] ?? price(counts));
  }
  for (let d = day0; d <= lastDay; d++) {
    let capacity = input.dailyRequests;
    for (const day of [...due.keys()].sort((a, b) => a - b)) {
      if (day > d + leadDays || capacity <= 0) break;
      const need = due.get(day)!;
      const done = Math.min(need, capacity);
      capacity -= done;
      if (done === need) due.delete(day);
      else due.set(day, need - done);
      add(d + input.refreshWithinDays, done);
    }
    // Deadlines of day d (or earlier) still open at the end of day d are missed.
    for (const day of due.keys()) if (day <= d && due.get(day)! > 1e-9) return utcDayKey(new Date(d * MS_PER_DAY));
    add(d + input.refreshWithinDays, growth);
  }
  return null;
}
