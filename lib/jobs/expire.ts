/**
 * Expiry: at the project's end date (or when a policy's maximum retention runs out) records are purged like any
 * other, reason `expired`. A record's `expiresAt` is its next action whenever it comes before the refresh, so the
 * due index finds every expired record without a Scan; at project end that is every record.
 *
 * When the project has ended and the sweep covered every shard and left nothing, the final step can schedule the
 * deletion of the project's content key (crypto-shredding); the local key manager only reports what it would do.
 */
import { projectEnd } from '../config/load';
import { expiryInForce } from '../domain/obligations';
import type { Policy, PolicyId } from '../domain/policy';
import { recordKeyOf, type ActiveRecord } from '../domain/records';
import type { KeyManager } from '../store/ports';
import { newRunId, type JobContext, type ProgressSink } from './context';
import { dueRecords, sweepShards } from './due';
import { startRun } from './runs';
import { readPolicyMarkers, reconcilePolicies, retentionMayAdvance } from './policy-change';
import { emptyPurgeReport, mergePurgeReports, planPurge, purgeRecords, type CountsBy, type PurgeTarget } from './purge';

export interface ExpireOptions {
  /** Count what would go, by reason, spec and kind; change nothing. */
  readonly dryRun?: boolean;
  /** Sweep only these due-index shards. Default: all (needed for the key step). */
  readonly shards?: readonly number[];
  /** Crypto-shredding at project end; without one, the key step is skipped. */
  readonly keyManager?: KeyManager;
  readonly progress?: ProgressSink;
}

export interface ExpireReport {
  readonly runId?: string;
  readonly dryRun: boolean;
  readonly projectEnd: string;
  /** The project's end date has passed: everything must go. */
  readonly projectEnded: boolean;
  /** Expired records found due. */
  readonly expired: number;
  /** Records purged (or that would be), cascades included. */
  readonly purged: number;
  readonly cascaded: number;
  readonly versionsRemoved: number;
  readonly byReason: CountsBy;
  readonly byKind: CountsBy;
  readonly bySpec: CountsBy;
  /** Active records left in the swept shards (0 after a complete expiry at project end). */
  readonly remaining?: number;
  readonly keyDeletion?: { readonly scheduled: boolean; readonly detail: string };
}

export async function expire(ctx: JobContext, options: ExpireOptions = {}): Promise<ExpireReport> {
  const now = ctx.clock.now();
  const end = projectEnd(ctx.config);
  const projectEnded = now.getTime() >= end.getTime();
  const shards = sweepShards(ctx.ledger, options.shards);
  const base = { projectEnd: end.toISOString(), projectEnded };

  const expiredTargets = (records: readonly ActiveRecord[]) => toTargets(records, now, projectEnded, ctx.policies);
  // A same-version duty change is refused here, before anything is written (as the sweeps refuse it).
  const markers = await readPolicyMarkers(ctx, shards);
  // Before the end, expired records are due (their expiry is their next action). After it, everything goes, also
  // records stamped under an end date that was later moved earlier: the whole due index is read. The same when a
  // policy now in force shortened the maximum retention and its shards are not re-stamped yet: expiry follows
  // the policy in force at once, not at the next refresh.
  const before = projectEnded || retentionMayAdvance(ctx, markers) ? new Date('9999-12-31T00:00:00Z') : now;

  if (options.dryRun) {
    const targets: PurgeTarget[] = [];
    for await (const page of dueRecords(ctx.ledger, before, shards)) targets.push(...expiredTargets(page.records));
    const plan = await planPurge(ctx, targets);
    return { ...base, dryRun: true, expired: targets.length, purged: plan.records, cascaded: plan.cascaded, versionsRemoved: 0, byReason: plan.byReason, byKind: plan.byKind, bySpec: plan.bySpec };
  }

  const runId = newRunId('expire', now);
  const startedAt = now.toISOString();
  const chain = await startRun(ctx, 'expire', runId, startedAt);
  await chain.append([
    { at: startedAt, action: 'run.started', actor: ctx.actor, runId, counts: { shards: shards.length } },
    {
      at: startedAt,
      action: 'expiry.started',
      actor: ctx.actor,
      runId,
      reason: projectEnded ? 'project end' : 'maximum retention',
      evidence: { projectEnd: end.toISOString(), projectEnded: projectEnded ? 'yes' : 'no' },
    },
  ]);

  // The due dates follow the policies in force now (a shortened retention re-stamps every covered record).
  await reconcilePolicies(ctx, shards, chain, runId, markers);

  // Page by page: each page's expired records (and their children) go before the next page is read.
  const report = emptyPurgeReport();
  let expired = 0;
  for await (const page of dueRecords(ctx.ledger, before, shards)) {
    const targets = expiredTargets(page.records);
    expired += targets.length;
    if (targets.length > 0) mergePurgeReports(report, await purgeRecords(ctx, targets, chain, { runId, progress: options.progress }));
  }

  let remaining: number | undefined;
  let keyDeletion: ExpireReport['keyDeletion'];
  if (projectEnded) {
    remaining = 0;
    for await (const page of dueRecords(ctx.ledger, new Date('9999-12-31T00:00:00Z'), shards, 100)) remaining += page.records.length;
    const everyShard = shards.length === ctx.ledger.dueShards;
    if (remaining === 0 && everyShard && options.keyManager) {
      keyDeletion = await options.keyManager.scheduleKeyDeletion();
      await chain.append([
        {
          at: ctx.clock.now().toISOString(),
          action: 'key.deletion-scheduled',
          actor: ctx.actor,
          runId,
          reason: keyDeletion.scheduled ? 'project ended and every record is purged' : 'reported only (no key to delete here)',
          evidence: { scheduled: keyDeletion.scheduled, detail: keyDeletion.detail.slice(0, 256) },
        },
      ]);
    }
  }

  const counts = { expired, purged: report.purged, cascaded: report.cascaded, versionsRemoved: report.versionsRemoved, ...(remaining !== undefined ? { remaining } : {}) };
  const finishedAt = ctx.clock.now().toISOString();
  await chain.append([{ at: finishedAt, action: 'run.finished', actor: ctx.actor, runId, counts }]);
  await ctx.ledger.putRun({ runId, job: 'expire', startedAt, finishedAt, actor: ctx.actor.name, status: 'finished', counts });
  return {
    ...base,
    runId,
    dryRun: false,
    expired,
    purged: report.purged,
    cascaded: report.cascaded,
    versionsRemoved: report.versionsRemoved,
    byReason: report.byReason,
    byKind: report.byKind,
    bySpec: report.bySpec,
    ...(remaining !== undefined ? { remaining } : {}),
    ...(keyDeletion ? { keyDeletion } : {}),
  };
}

/** Expired records of a due page (a pending purge of another reason keeps its reason: purgeRecords uses it). */
function toTargets(records: readonly ActiveRecord[], now: Date, projectEnded: boolean, policies: Readonly<Record<PolicyId, Policy>>): PurgeTarget[] {
  return records.flatMap((r) => {
    const policy = policies[r.policyId as PolicyId];
    const expiresAt = expiryInForce(r, policy);
    if (expiresAt.getTime() > now.getTime() && !projectEnded) return [];
    // A record stamped under an older version expires by the policy in force: the evidence names that version.
    const version = expiresAt.getTime() < Date.parse(r.expiresAt) ? policy!.version : r.policyVersion;
    return [{
      key: recordKeyOf(r.ref),
      reason: 'expired' as const,
      evidence: { rule: projectEnded ? 'project-end' : 'max-retention', expiresAt: expiresAt.toISOString(), policyId: r.policyId, policyVersion: version },
    }];
  });
}
