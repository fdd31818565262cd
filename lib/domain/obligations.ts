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

/**
 * When a record must be gone under the policy in force: its stamped expiry, or earlier when the policy now in
 * force has a shorter maximum retention than the one it was stamped under (a policy change acts at once, before
 * any sweep re-stamps the record). Counted from first collection, as `obligationsFor` counts it.
 */
export function expiryInForce(record: { readonly expiresAt: string; readonly firstCollectedAt: string }, policy: Pick<Policy, 'maxRetentionDays'> | undefined): Date {
  const stamped = Date.parse(record.expiresAt);
  if (policy?.maxRetentionDays === undefined) return new Date(stamped);
  return new Date(Math.min(stamped, Date.parse(record.firstCollectedAt) + policy.maxRetentionDays * MS_PER_DAY));
}
