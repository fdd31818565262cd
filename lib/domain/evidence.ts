/**
 * When is a record gone? Only on confirmed evidence. A 5xx, a timeout, a throttle, an empty answer or a lookup
 * that did not finish is never evidence: purging on those would delete data the researcher may keep.
 *
 * An answer that lacks the record without confirming anything (a lone id, a batch that returned none of its ids)
 * is a miss. One outage can give such empty answers for hours, and sweeps run hourly, so misses count towards
 * `consecutiveMisses` only when they lie at least `missSpacingHours` apart: N misses then span (N-1) spacings,
 * longer than an outage that answers empty, and still shorter than the refresh lead time (policy.ts checks it).
 */
import type { Policy } from './policy';

const MS_PER_HOUR = 3_600_000;

/** What one refresh attempt learned about one record. */
export type Observation =
  /** The platform returned the record. */
  | { readonly kind: 'found' }
  /**
   * A lookup that completed (every page read, error code ok) did not return the record. `peersFound` is how many
   * other ids of the same request it did return: the platform was answering, so the absence means something.
   */
  | { readonly kind: 'absent-from-lookup'; readonly peersFound: number; readonly logId: string }
  /** A completed batch compliance task did not list the record as valid. */
  | { readonly kind: 'invalid-in-compliance-task'; readonly taskId: string }
  /** The attempt failed (5xx, timeout, throttle, quota, cut short): nothing was learned. */
  | { readonly kind: 'failed'; readonly reason: string };

/** What is known of a record's earlier misses. */
export interface MissHistory {
  /** Misses counted since the record was last found. */
  readonly missCount: number;
  /** When the last counted miss was observed (from the audit log); unknown when there was none. */
  readonly lastMissAt?: Date;
}

export type Verdict =
  | { readonly kind: 'keep' }
  /** Not found, not yet confirmed: count the miss, look again no earlier than `notBefore`. */
  | { readonly kind: 'miss'; readonly missCount: number; readonly notBefore: Date; readonly evidence: Readonly<Record<string, string | number>> }
  /**
   * Not found again, but sooner than `missSpacingHours` after the last counted miss: the same outage may still be
   * answering empty, so this adds nothing. Not counted; look again at `notBefore`.
   */
  | { readonly kind: 'too-soon'; readonly notBefore: Date }
  /** Confirmed unavailable: purge, with this evidence in the audit event. */
  | { readonly kind: 'purge'; readonly evidence: Readonly<Record<string, string | number>> }
  /** Nothing learned: leave the record as it is, it stays due. */
  | { readonly kind: 'retry'; readonly reason: string };

/** Decide what an observation at `now` means for a record with this miss history. */
export function judge(observation: Observation, history: MissHistory, policy: Policy, now: Date): Verdict {
  const rules = policy.confirmation;
  switch (observation.kind) {
    case 'found':
      return { kind: 'keep' };
    case 'failed':
      return { kind: 'retry', reason: observation.reason };
    case 'invalid-in-compliance-task':
      return rules.complianceTask
        ? { kind: 'purge', evidence: { rule: 'compliance-task', taskId: observation.taskId } }
        : miss(observation, history, policy, now);
    case 'absent-from-lookup':
      if (rules.batchLookup && observation.peersFound > 0) {
        return { kind: 'purge', evidence: { rule: 'batch-lookup', logId: observation.logId, peersFound: observation.peersFound } };
      }
      return miss(observation, history, policy, now);
  }
}

function miss(observation: Exclude<Observation, { kind: 'found' | 'failed' }>, history: MissHistory, policy: Policy, now: Date): Verdict {
  const { consecutiveMisses: limit, missSpacingHours } = policy.confirmation;
  const spacing = missSpacingHours * MS_PER_HOUR;
  const last = history.missCount > 0 ? history.lastMissAt : undefined;
  if (last !== undefined && now.getTime() - last.getTime() < spacing) {
    return { kind: 'too-soon', notBefore: new Date(last.getTime() + spacing) };
  }
  const count = history.missCount + 1;
  const reference = observation.kind === 'absent-from-lookup' ? observation.logId : observation.taskId;
  const spaced = { missSpacingHours, ...(last !== undefined ? { previousMissAt: last.toISOString() } : {}) };
  if (count >= limit) {
    return { kind: 'purge', evidence: { rule: 'consecutive-misses', misses: count, last: reference, ...spaced } };
  }
  return { kind: 'miss', missCount: count, notBefore: new Date(now.getTime() + spacing), evidence: { missCount: count, ...spaced } };
}
