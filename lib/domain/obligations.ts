/** Due dates: pure functions of retrieval time, policy and project end. */
import { MS_PER_DAY } from './clock';
import type { Policy } from './policy';

export interface Obligations {
  /** Deadline by which the record must be refreshed. */
  readonly refreshDueAt: Date;
  /** When the record must be gone (project end, or the policy's maximum retention if earlier). */
  readonly expiresAt: Date;
}

export function obligationsFor(retrievedAt: Date, firstCollectedAt: Date, policy: Policy, projectEnd: Date): Obligations {
  const refreshDueAt = new Date(retrievedAt.getTime() + policy.refreshWithinDays * MS_PER_DAY);
  const retentionEnd =
    policy.maxRetentionDays === undefined ? projectEnd.getTime() : firstCollectedAt.getTime() + policy.maxRetentionDays * MS_PER_DAY;
  return { refreshDueAt, expiresAt: new Date(Math.min(projectEnd.getTime(), retentionEnd)) };
}

/**
 * When a sweep must next look at the record: the refresh deadline less the policy's lead time, or expiry if that
 * comes first. This is the sort key of the due-index.
 */
export function nextActionAt(o: Obligations, policy: Policy): Date {
  const refreshFrom = o.refreshDueAt.getTime() - policy.refreshLeadHours * 3_600_000;
  return new Date(Math.min(refreshFrom, o.expiresAt.getTime()));
}
