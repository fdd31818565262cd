/**
 * The purge fuse: deletion is irreversible, so it must never follow from an anomaly. An outage that answers empty,
 * a wrong region, world or key, or an API bug looks to a sweep like records that vanished; the fuse tells such a
 * mass absence from the platform's natural attrition and holds those purges for the principal investigator.
 *
 * Per source, a sweep holds instead of purging when (policy `purgeFuse`):
 * - rate: the records newly confirmed unavailable within 24 h (by their own lookup or listing; records that go
 *   with a parent, such as the comments of a deleted video, are not counted) are at least `minCount` and more than
 *   `maxShare` of the records checked in those 24 h, or a share so far above `maxShare` that natural attrition
 *   would give it less than once in a million (small sources); the counts are kept in the ledger, shared by every
 *   shard worker and every hourly sweep;
 * - nothing found: a source confirms two or more deletions within 24 h while its answers of the last 48 h served
 *   nothing (a source too small for shares: a total outage would otherwise purge it);
 * - all missing: an id lookup of at least `allMissingBatch` ids (one video lookup request, one compliance task)
 *   answered successfully with none of them.
 * Once tripped, the source has an open hold: every purge it confirms joins that hold (records keep their object and
 * their ledger item, marked `held`), until the PI releases it (the held records are re-checked and those still
 * gone purged) or dismisses it (they return to active, due for a fresh look).
 *
 * Pure rules and shapes only; storage is lib/store/dynamodb-holds.ts, the sweep's use lib/jobs/fuse.ts.
 */
import * as z from 'zod';
import type { Policy } from './policy';

export type PurgeFuse = Policy['purgeFuse'];

/** What tripped a fuse. */
export const HOLD_RULES = ['rate', 'all-missing-batch', 'nothing-found'] as const;
export type HoldRule = (typeof HOLD_RULES)[number];

export const HOLD_STATUSES = ['open', 'released', 'dismissed'] as const;
export type HoldStatus = (typeof HOLD_STATUSES)[number];

/** Scalar evidence: counts, shares, log ids, task ids. Never content. */
export type HoldEvidence = Readonly<Record<string, string | number>>;

/** Counts of one source over the fuse's 24 h window. */
export interface FuseWindow {
  /**
   * Records whose refresh got an answer (found, absent, valid or invalid), failures left out; a record absent again
   * after a counted miss is not counted twice.
   */
  readonly checked: number;
  /** Of those, records newly confirmed unavailable by their own lookup or listing. */
  readonly confirmed: number;
  /** Of those, records the platform served (found, or valid in a compliance task). */
  readonly found: number;
}

/** The window the rate rule looks back over. */
export const FUSE_WINDOW_HOURS = 24;

/** Odds below which a share of confirmations cannot be natural attrition at `maxShare`: once in a million. */
const IMPLAUSIBLE_LOG_ODDS = Math.log(1e6);

/**
 * Whether `confirmed` of `checked` is implausible if records vanish independently at rate `p`: the Chernoff bound
 * P(X >= confirmed) <= exp(-checked * KL(q || p)), q = confirmed / checked, is below one in a million. This keeps a
 * small source (a few dozen ads) safe from a total outage that `minCount` alone would let through: 5 of 5 trips,
 * 4 of 4 does not.
 */
export function implausibleShare(counts: FuseWindow, p: number): boolean {
  if (counts.checked <= 0) return false;
  const q = Math.min(1, counts.confirmed / counts.checked);
  if (q <= p) return false;
  const kl = q * Math.log(q / p) + (q < 1 ? (1 - q) * Math.log((1 - q) / (1 - p)) : 0);
  return counts.checked * kl > IMPLAUSIBLE_LOG_ODDS;
}

/**
 * The rate rule: a trip's evidence, or undefined when within the fuse. Trips when the 24 h window's confirmations
 * are more than `maxShare` of its checks and at least `minCount`, or when the window's or this step's share is
 * implausible at `maxShare` (`implausibleShare`).
 */
export function rateTrip(window: FuseWindow, fuse: PurgeFuse, step?: FuseWindow): HoldEvidence | undefined {
  const over = window.confirmed > fuse.maxShare * window.checked;
  const trips = (over && window.confirmed >= fuse.minCount) || implausibleShare(window, fuse.maxShare) || (step !== undefined && implausibleShare(step, fuse.maxShare));
  if (!trips) return undefined;
  return {
    rule: 'rate',
    confirmed24h: window.confirmed,
    checked24h: window.checked,
    share: Math.round((window.confirmed / Math.max(1, window.checked)) * 10_000) / 10_000,
    ...(step ? { confirmedStep: step.confirmed, checkedStep: step.checked } : {}),
    maxShare: fuse.maxShare,
    minCount: fuse.minCount,
  };
}

/** How far back the nothing-found rule looks for a served record: misses 12 h apart take 24 h to confirm. */
export const NOTHING_FOUND_LOOKBACK_HOURS = 2 * FUSE_WINDOW_HOURS;

/**
 * The nothing-found rule, for sources too small for shares to mean anything (a few ads): at least two records
 * confirmed unavailable within 24 h while none of the source's answers of the last 48 h served anything. A lone
 * deletion is not held; two real deletions in such a source are, and the PI's release purges them.
 */
export function nothingFoundTrip(window: FuseWindow, lookback: FuseWindow): HoldEvidence | undefined {
  if (lookback.found > 0 || window.confirmed < 2) return undefined;
  return { rule: 'nothing-found', confirmed24h: window.confirmed, checked48h: lookback.checked, found48h: 0 };
}

/** One answered id lookup: how many ids it asked for and how many came back. */
export interface LookupAnswer {
  /** The platform's log id of the request, or the compliance task id. */
  readonly reference: string;
  readonly asked: number;
  readonly found: number;
}

/** The all-missing rule: a trip's evidence, or undefined when the answer is ordinary. */
export function allMissingTrip(answer: LookupAnswer, fuse: PurgeFuse): HoldEvidence | undefined {
  if (answer.found > 0 || answer.asked < fuse.allMissingBatch) return undefined;
  return { rule: 'all-missing-batch', asked: answer.asked, found: 0, reference: answer.reference.slice(0, 128), allMissingBatch: fuse.allMissingBatch };
}

/** What a held record carries in the ledger (attribute `hold`): its ledger status reads `held`. */
export const HoldMarkSchema = z.object({
  holdId: z.string(),
  heldAt: z.string(),
  /** The evidence the purge would have gone on (rule, log id, misses, ...). */
  evidence: z.record(z.string(), z.union([z.string(), z.number()])),
});
export type HoldMark = z.infer<typeof HoldMarkSchema>;

/** A hold as stored and listed. */
export const HoldSchema = z.object({
  id: z.string(),
  source: z.string(),
  status: z.enum(HOLD_STATUSES),
  openedAt: z.string(),
  /** The rule that tripped first. */
  reason: z.enum(HOLD_RULES),
  /** Evidence of the trip that opened the hold. */
  evidence: z.record(z.string(), z.union([z.string(), z.number()])),
  /** Records held in it (still held while it is open). */
  records: z.number().int().min(0),
  /** When its first record was held: the PI's decision is due within the policy's purge window from then. */
  firstHeldAt: z.string().optional(),
  /** Trips seen while it was open (each sweep step that found the fuse tripped). */
  trips: z.number().int().min(0),
  closedAt: z.string().optional(),
  closedBy: z.string().optional(),
});
export type Hold = z.infer<typeof HoldSchema>;

/** Hold ids: `hold-<source>-<YYYYMMDDTHHMMSSZ>`, readable and sortable by opening time. */
export function newHoldId(source: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `hold-${source}-${stamp}`;
}

/** A hold id as typed on the command line. */
export const HoldIdSchema = z
  .string()
  .regex(/^hold-[a-z0-9][a-z0-9-]{0,62}-\d{8}T\d{6}Z$/, { message: 'is not a hold id: use the id `steward purge holds` lists, e.g. hold-research-20260301T120000Z' });

/**
 * When an open hold must be decided: the policy's purge window after its first record was held (the terms still
 * oblige deletion of what really is gone). Undefined while it holds no record (it only warns).
 */
export function holdDecisionDue(hold: Pick<Hold, 'firstHeldAt'>, purgeWithinHours: number): Date | undefined {
  return hold.firstHeldAt === undefined ? undefined : new Date(Date.parse(hold.firstHeldAt) + purgeWithinHours * 3_600_000);
}
