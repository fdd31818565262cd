/**
 * Overdue obligations of one active record: pure rules shared by `verify` and the compliance report.
 *
 * - refresh: the refresh deadline (`refreshDueAt`) has passed;
 * - expiry: the record should be gone (`expiresAt` has passed, or the maximum retention of the policy now in force);
 * - purge: a purge was decided (`purgePending`), or held by the purge fuse (`hold`), longer ago than the policy's
 *   `purgeWithinHours`.
 */
import { expiryInForce } from './obligations';
import type { Policy, PolicyId } from './policy';
import type { ActiveRecord } from './records';

export const OBLIGATION_KINDS = ['refresh', 'expiry', 'purge'] as const;
export type ObligationKind = (typeof OBLIGATION_KINDS)[number];

export interface OverdueObligation {
  readonly obligation: ObligationKind;
  /** When it fell due (ISO). */
  readonly dueAt: string;
  /** Whole hours past due (at least 0). */
  readonly hoursOverdue: number;
}

const MS_PER_HOUR = 3_600_000;

export function overdueObligations(record: ActiveRecord, now: Date, policies: Readonly<Record<PolicyId, Policy>>): OverdueObligation[] {
  const out: OverdueObligation[] = [];
  const t = now.getTime();
  const add = (obligation: ObligationKind, dueAtMs: number) => {
    if (Number.isNaN(dueAtMs) || dueAtMs >= t) return;
    out.push({ obligation, dueAt: new Date(dueAtMs).toISOString(), hoursOverdue: Math.floor((t - dueAtMs) / MS_PER_HOUR) });
  };
  // A record whose purge is pending is no longer owed a refresh: its purge deadline is what counts.
  if (record.purgePending) {
    const policy = policies[record.policyId as PolicyId];
    const hours = policy?.purgeWithinHours ?? 24;
    add('purge', Date.parse(record.purgePending.requestedAt) + hours * MS_PER_HOUR);
    return out;
  }
  // A record the purge fuse holds (purge-fuse.ts) owes the PI's decision within the same window: the terms still
  // oblige deletion of what really is gone.
  if (record.hold) {
    const policy = policies[record.policyId as PolicyId];
    add('purge', Date.parse(record.hold.heldAt) + (policy?.purgeWithinHours ?? 24) * MS_PER_HOUR);
    add('expiry', expiryInForce(record, policy).getTime());
    return out;
  }
  add('refresh', Date.parse(record.refreshDueAt));
  add('expiry', expiryInForce(record, policies[record.policyId as PolicyId]).getTime());
  return out;
}
