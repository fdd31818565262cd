/**
 * Compliance-first quota planning: pure arithmetic over counts read from the ledger (see lib/jobs/quota-plan.ts).
 *
 * A refresh costs requests by kind: videos are looked up 100 ids per request, comments come 100 per page of their
 * video's listing, accounts and ads one per request; batch compliance tasks check up to 10,000 ids for a few
 * requests. Sweeps run at least daily and take the earliest deadlines first, so with a tight quota a record is
 * refreshed on its deadline day at the latest: every record costs its requests once per `refreshWithinDays - 1`
 * days (one day of margin for the sweep's schedule).
 */
import { MS_PER_DAY, utcDayKey } from './clock';
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
  const cost = (counts: KindCounts) => requestsFor(counts, refreshBy, input.commentsPerListing);
  const requestsPerDayNeeded = cost(input.active) / cycleDays;
  const requestsNeededToday = cost(input.dueToday);
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
  const price = (counts: KindCounts) => requestsFor(counts, input.refreshBy, input.commentsPerListing);
  const growth = price(input.growthPerDay);
  // Work in requests: the cost of the records due on each day.
  const due = new Map<number, number>();
  const add = (day: number, requests: number) => {
    if (requests > 0) due.set(day, (due.get(day) ?? 0) + requests);
  };
  for (const [day, counts] of Object.entries(input.dueByDay)) add(Math.floor(Date.parse(`${day}T00:00:00Z`) / MS_PER_DAY), price(counts));
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
