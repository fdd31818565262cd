/**
 * Expiry handler (daily): purges every record past its expiry (a policy's maximum retention, or the project's end
 * date, after which everything goes). Once the project has ended and nothing is left, it schedules the deletion of
 * the content key: crypto-shredding as the final guarantee. A run cut short by the Lambda time limit leaves purges
 * pending, which the next run (or the hourly purge) completes.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { expire } from '../lib/jobs/expire';
import { deployment, env } from './shared/purging-deployment';
import { jobHandler, schedulerFields, sweepFields } from './shared/handler';
import { KmsKeyManager, kmsClient } from './shared/kms-key-manager';
import { logger, metrics } from './shared/powertools';

/** Without `shards` the whole index is swept, which the crypto-shredding step needs. */
export const ExpireEventSchema = z.object({ ...sweepFields, ...schedulerFields }).strict();

const keyManager = new KmsKeyManager(kmsClient, env.contentKeyArn);

export const handler = jobHandler(ExpireEventSchema, async (event) => {
  const { ctx } = await deployment();
  const report = await expire(ctx, { keyManager, ...(event.shards ? { shards: event.shards } : {}), ...(event.dryRun ? { dryRun: true } : {}) });
  if (!report.dryRun) {
    metrics.addMetric('ExpiredRecords', MetricUnit.Count, report.expired);
    metrics.addMetric('PurgedRecords', MetricUnit.Count, report.purged);
    metrics.addMetric('VersionsRemoved', MetricUnit.Count, report.versionsRemoved);
  }
  logger.info('expiry finished', { scheduledTime: event.scheduledTime, ...report });
  return report;
});
