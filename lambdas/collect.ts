/**
 * Collect handler: runs one collection spec (the schedule of each spec names it) or, without `spec`, every due
 * spec. The collector cannot delete objects: the crash repair's deletions of orphaned objects go to the purge
 * function (lambdas/shared/orphans.ts). Logs and metrics carry counts only, never content.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { functionEnvOf } from '../lib/config/deployed';
import { auditCollectRefusal, collect, collectionRefusal, type SpecReport } from '../lib/jobs/collect';
import { deployment } from './shared/deployment';
import { requireEnv } from './shared/env';
import { jobHandler, schedulerFields } from './shared/handler';
import { invokeOrphanDeletion, withDelegatedDeletes } from './shared/orphans';
import { logger, metrics } from './shared/powertools';

const purgeFunction = requireEnv(functionEnvOf('purge'));

export const CollectEventSchema = z
  .object({
    /** The spec to run (config `specs[].name`); every due spec when absent. */
    spec: z.string().min(1).optional(),
    ...schedulerFields,
  })
  .strict();
export type CollectEvent = z.infer<typeof CollectEventSchema>;

const sum = (specs: readonly SpecReport[], field: 'newRecords' | 'changed' | 'unchanged' | 'requests') => specs.reduce((n, s) => n + s[field], 0);

export const handler = jobHandler(CollectEventSchema, async (event) => {
  const { ctx, sourceFor } = await deployment();
  // After the project end (a schedule left running, a manual invocation) nothing is collected: the refusal is
  // logged, audited and counted, and the answer says so.
  const refused = collectionRefusal(ctx);
  if (refused) {
    const runId = await auditCollectRefusal(ctx, refused);
    metrics.addMetric('CollectRefused', MetricUnit.Count, 1);
    logger.warn('collect refused', { runId, reason: refused, scheduledTime: event.scheduledTime });
    return { runId, specs: [], refused: refused };
  }
  const collector = { ...ctx, objects: withDelegatedDeletes(ctx.objects, (keys) => invokeOrphanDeletion(purgeFunction, keys)) };
  const report = await collect(collector, { sourceFor: await sourceFor(), ...(event.spec ? { specName: event.spec } : {}) });
  // A spec report holds counts, outcomes and times only: safe to log and return as it is.
  const { specs } = report;
  metrics.addMetric('NewRecords', MetricUnit.Count, sum(report.specs, 'newRecords'));
  metrics.addMetric('ChangedRecords', MetricUnit.Count, sum(report.specs, 'changed'));
  metrics.addMetric('UnchangedRecords', MetricUnit.Count, sum(report.specs, 'unchanged'));
  metrics.addMetric('ApiRequests', MetricUnit.Count, sum(report.specs, 'requests'));
  logger.info('collect finished', { runId: report.runId, scheduledTime: event.scheduledTime, specs });
  return { runId: report.runId, specs };
});
