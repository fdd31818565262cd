/**
 * When is a record gone? Only on confirmed evidence. A 5xx, a timeout, a throttle, an empty answer or a lookup
 * that did not finish is never evidence: purging on those would delete data the researcher may keep.
 */
import type { Policy } from './policy';

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

export type Verdict =
  | { readonly kind: 'keep' }
  /** Not found, not yet confirmed: count the miss, try again next sweep. */
  | { readonly kind: 'miss'; readonly missCount: number }
  /** Confirmed unavailable: purge, with this evidence in the audit event. */
  | { readonly kind: 'purge'; readonly evidence: Readonly<Record<string, string | number>> }
  /** Nothing learned: leave the record as it is, it stays due. */
  | { readonly kind: 'retry'; readonly reason: string };

/** Decide what an observation means for a record that had `missCount` unconfirmed misses before. */
export function judge(observation: Observation, missCount: number, policy: Policy): Verdict {
  const rules = policy.confirmation;
  switch (observation.kind) {
    case 'found':
      return { kind: 'keep' };
    case 'failed':
      return { kind: 'retry', reason: observation.reason };
    case 'invalid-in-compliance-task':
      return rules.complianceTask
        ? { kind: 'purge', evidence: { rule: 'compliance-task', taskId: observation.taskId } }
        : miss(missCount, rules.consecutiveMisses, observation);
    case 'absent-from-lookup':
      if (rules.batchLookup && observation.peersFound > 0) {
        return { kind: 'purge', evidence: { rule: 'batch-lookup', logId: observation.logId, peersFound: observation.peersFound } };
      }
      return miss(missCount, rules.consecutiveMisses, observation);
  }
}

function miss(missCount: number, limit: number, observation: Observation): Verdict {
  const count = missCount + 1;
  if (count >= limit) {
    const last = 'logId' in observation ? observation.logId : 'taskId' in observation ? observation.taskId : '';
    return { kind: 'purge', evidence: { rule: 'consecutive-misses', misses: count, last } };
  }
  return { kind: 'miss', missCount: count };
}
