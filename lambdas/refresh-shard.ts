/**
 * Refresh worker: sweeps one due-index shard for the refresh state machine (lib/infra/refresh-fanout.ts). It takes
 * the shard's lease first (another worker on the shard means there is nothing to do here), stops starting new work
 * shortly before its Lambda time limit, and answers `done: false` so the state machine hands the rest of the shard
 * to a fresh invocation. Nothing is lost by stopping: what was not handled stays due.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { METRICS } from '../lib/config/deployed';
import { HoldIdSchema } from '../lib/domain/purge-fuse';
import { releaseHold } from '../lib/jobs/holds';
import { refresh, type RefreshReport } from '../lib/jobs/refresh';
import { DynamoDbLease } from '../lib/store/dynamodb-lease';
import { DUE_SHARDS } from '../lib/store/tables';
import { deployment } from './shared/purging-deployment';
import { jobHandler } from './shared/handler';
import { identifyMember, memberIfAny } from './shared/member-identity';
import { logger, metrics } from './shared/powertools';

export const RefreshShardEventSchema = z.union([
  z
    .object({
      shard: z.int().min(0).max(DUE_SHARDS - 1),
      /** Hand-offs so far in this execution (0 for the first worker). */
      round: z.int().min(0).default(0),
    })
    .strict(),
  /**
   * The PI releases a purge hold (`steward purge release HOLD`): this function looks records up and purges, as a
   * release must (re-check each held record, purge what is still gone). Who decided is the member whose alias was
   * invoked (`member-<name>`); `by`, if given, is a claim checked against it.
   */
  z.object({ holdRelease: HoldIdSchema, by: z.string().regex(/^[a-z0-9-]{1,64}$/).optional() }).strict(),
]);

/** Time kept back from the Lambda limit: the step in progress finishes and the run is recorded. */
export function stopMarginMs(remainingMs: number): number {
  return Math.max(60_000, Math.round(remainingMs * 0.15));
}

/** A lease outlives the invocation by this much, so a worker killed at the time limit blocks its shard briefly. */
const LEASE_GRACE_MS = 60_000;

const requests = (report: RefreshReport) => Object.values(report.requests).reduce((n, r) => n + r, 0);

export const handler = jobHandler(RefreshShardEventSchema, async (event, context) => {
  const { ctx, clients, stores } = await deployment();
  if ('holdRelease' in event) {
    const member = identifyMember(context, ctx.config.members, { action: 'purge.release', claimed: event.by, field: 'by' });
    const report = await releaseHold({ ...ctx, actor: { type: 'researcher', name: member.name } }, event.holdRelease, { clients: await clients() });
    logger.info('purge hold released', { ...report });
    return report;
  }
  // The state machine's workers come unqualified; a member alias (the PI's, for a release) may sweep only as refresh allows.
  memberIfAny(context, ctx.config.members, { action: 'refresh' });
  const { shard, round } = event;
  const lease = new DynamoDbLease(stores.doc, stores.ledger.tableName, ctx.clock);
  const leaseName = `refresh-shard-${String(shard).padStart(2, '0')}`;
  const remaining = context.getRemainingTimeInMillis();
  const now = ctx.clock.now().getTime();
  if (!(await lease.acquire(leaseName, context.awsRequestId, new Date(now + remaining + LEASE_GRACE_MS)))) {
    logger.info('shard is being swept by another worker', { shard, round });
    return { shard, round, done: true, leased: true };
  }
  try {
    const report = await refresh(ctx, { clients: await clients(), shards: [shard], deadline: new Date(now + remaining - stopMarginMs(remaining)) });
    const done = report.stopped !== 'deadline';
    metrics.addMetric('DueRecords', MetricUnit.Count, report.due);
    metrics.addMetric('RefreshedRecords', MetricUnit.Count, report.unchanged + report.validated);
    metrics.addMetric('ChangedRecords', MetricUnit.Count, report.changed);
    metrics.addMetric('MissedRecords', MetricUnit.Count, report.missed);
    metrics.addMetric('FailedRefreshes', MetricUnit.Count, report.failed);
    metrics.addMetric('PurgedRecords', MetricUnit.Count, report.purged + report.cascaded);
    metrics.addMetric(METRICS.purgeHeld, MetricUnit.Count, report.held);
    metrics.addMetric('ApiRequests', MetricUnit.Count, requests(report));
    // the quota ran out before this shard's due records were done: alarms (lib/infra/monitoring.ts)
    if (report.stopped === 'quota') metrics.addMetric(METRICS.refreshQuotaStops, MetricUnit.Count, Math.max(1, report.unprocessed));
    const { runId, due, unchanged, changed, validated, missed, failed, failures, purged, cascaded, held, completedPending, skippedExpired, restamped, unprocessed, alongside, stopped, resetsAt } = report;
    const counts = { due, unchanged, changed, validated, missed, failed, failures, purged, cascaded, held, completedPending, skippedExpired, restamped, unprocessed, alongside };
    logger.info('refresh shard finished', { runId, shard, round, done, stopped, resetsAt, requests: report.requests, ...counts });
    return { shard, round, done, runId, ...(stopped ? { stopped } : {}), ...counts };
  } finally {
    await lease.release(leaseName, context.awsRequestId);
  }
});
