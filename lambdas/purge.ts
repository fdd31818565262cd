/**
 * Purge handler. Scheduled: completes every purge that was decided and left pending (an interrupted refresh,
 * expiry or erasure), optionally on some due-index shards only. Invoked by the collector: deletes objects that a
 * crashed collect left without a ledger record (never one an active record owns). The purger never reads objects.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { purge } from '../lib/jobs/purge';
import { deployment } from './shared/deployment';
import { jobHandler, parseEvent, schedulerFields, sweepFields } from './shared/handler';
import { deleteOrphanObjects, OrphansEventSchema } from './shared/orphans';
import { logger, metrics } from './shared/powertools';

export const PurgeSweepEventSchema = z.object({ ...sweepFields, ...schedulerFields }).strict();
/** The collector's orphan deletions carry `orphanObjectKeys`; anything else is a sweep (so errors name the right fields). */
function parsePurgeEvent(event: unknown) {
  const orphans = typeof event === 'object' && event !== null && 'orphanObjectKeys' in event;
  return orphans ? parseEvent(OrphansEventSchema, event) : parseEvent(PurgeSweepEventSchema, event);
}

export const handler = jobHandler(z.unknown(), async (raw) => {
  const event = parsePurgeEvent(raw);
  const { ctx } = await deployment();
  if ('orphanObjectKeys' in event) {
    const report = await deleteOrphanObjects(ctx, event.orphanObjectKeys);
    metrics.addMetric('VersionsRemoved', MetricUnit.Count, report.versionsRemoved);
    logger.info('orphaned objects deleted', { objects: event.orphanObjectKeys.length, ...report });
    return report;
  }
  const report = await purge(ctx, { ...(event.shards ? { shards: event.shards } : {}), ...(event.dryRun ? { dryRun: true } : {}) });
  if (!report.dryRun) {
    metrics.addMetric('PurgedRecords', MetricUnit.Count, report.purged);
    metrics.addMetric('VersionsRemoved', MetricUnit.Count, report.versionsRemoved);
  }
  logger.info('purge finished', { scheduledTime: event.scheduledTime, ...report });
  return report;
});
