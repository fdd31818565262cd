/**
 * Purge handler. Scheduled: completes every purge that was decided and left pending (an interrupted refresh,
 * expiry or erasure), optionally on some due-index shards only. Invoked by the collector: deletes objects that a
 * crashed collect left without a ledger record (never one an active record owns). The purger never reads objects.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { HoldIdSchema } from '../lib/domain/purge-fuse';
import { dismissHold, listHolds } from '../lib/jobs/holds';
import { purge } from '../lib/jobs/purge';
import { deployment } from './shared/purging-deployment';
import { jobHandler, parseEvent, schedulerFields, sweepFields } from './shared/handler';
import { identifyMember, memberIfAny, refuseMemberAlias } from './shared/member-identity';
import { deleteOrphanObjects, OrphansEventSchema } from './shared/orphans';
import { logger, metrics } from './shared/powertools';

export const PurgeSweepEventSchema = z.object({ ...sweepFields, ...schedulerFields }).strict();
/**
 * The purge fuse's holds (`steward purge holds | dismiss HOLD`): list them, or dismiss one. The PI who dismisses is
 * the member whose alias was invoked (`member-<name>`); `by`, if given, is a claim checked against it. A release
 * looks records up, so the refresh worker runs it (lambdas/refresh-shard.ts).
 */
export const HoldsEventSchema = z
  .object({
    holds: z.discriminatedUnion('action', [
      z.object({ action: z.literal('list') }).strict(),
      z.object({ action: z.literal('dismiss'), hold: HoldIdSchema, by: z.string().regex(/^[a-z0-9-]{1,64}$/).optional() }).strict(),
    ]),
  })
  .strict();
/** The collector's orphan deletions carry `orphanObjectKeys`, hold decisions `holds`; anything else is a sweep (so errors name the right fields). */
function parsePurgeEvent(event: unknown) {
  const has = (field: string) => typeof event === 'object' && event !== null && field in event;
  if (has('holds')) return parseEvent(HoldsEventSchema, event);
  return has('orphanObjectKeys') ? parseEvent(OrphansEventSchema, event) : parseEvent(PurgeSweepEventSchema, event);
}

export const handler = jobHandler(z.unknown(), async (raw, context) => {
  const event = parsePurgeEvent(raw);
  const { ctx } = await deployment();
  const members = ctx.config.members;
  if ('holds' in event) {
    if (event.holds.action === 'list') {
      memberIfAny(context, members, { action: 'read' });
      return listHolds(ctx);
    }
    const member = identifyMember(context, members, { action: 'purge.dismiss', claimed: event.holds.by, field: 'holds.by' });
    const report = await dismissHold({ ...ctx, actor: { type: 'researcher', name: member.name } }, event.holds.hold);
    logger.info('purge hold dismissed', { ...report });
    return report;
  }
  if ('orphanObjectKeys' in event) {
    refuseMemberAlias(context, 'an orphan deletion');
    const report = await deleteOrphanObjects(ctx, event.orphanObjectKeys);
    metrics.addMetric('VersionsRemoved', MetricUnit.Count, report.versionsRemoved);
    logger.info('orphaned objects deleted', { objects: event.orphanObjectKeys.length, ...report });
    return report;
  }
  memberIfAny(context, members, { action: 'purge' });
  const report = await purge(ctx, { ...(event.shards ? { shards: event.shards } : {}), ...(event.dryRun ? { dryRun: true } : {}) });
  if (!report.dryRun) {
    metrics.addMetric('PurgedRecords', MetricUnit.Count, report.purged);
    metrics.addMetric('VersionsRemoved', MetricUnit.Count, report.versionsRemoved);
  }
  logger.info('purge finished', { scheduledTime: event.scheduledTime, ...report });
  return report;
});
