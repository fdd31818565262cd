/**
 * Collect handler: runs one collection spec (the schedule of each spec names it) or, without `spec`, every due
 * spec. Logs and metrics carry counts only, never content.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { collect, type SpecReport } from '../lib/jobs/collect';
import { deployment } from './shared/deployment';
import { jobHandler, schedulerFields } from './shared/handler';
import { logger, metrics } from './shared/powertools';

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
  const report = await collect(ctx, { sourceFor: await sourceFor(), ...(event.spec ? { specName: event.spec } : {}) });
  const specs = report.specs.map(({ spec, outcome, pages, newRecords, changed, unchanged, skippedPurged, requests, repaired, resumed }) => ({
    spec,
    outcome,
    pages,
    newRecords,
    changed,
    unchanged,
    skippedPurged,
    requests,
    repaired,
    resumed,
  }));
  metrics.addMetric('NewRecords', MetricUnit.Count, sum(report.specs, 'newRecords'));
  metrics.addMetric('ChangedRecords', MetricUnit.Count, sum(report.specs, 'changed'));
  metrics.addMetric('UnchangedRecords', MetricUnit.Count, sum(report.specs, 'unchanged'));
  metrics.addMetric('ApiRequests', MetricUnit.Count, sum(report.specs, 'requests'));
  logger.info('collect finished', { runId: report.runId, scheduledTime: event.scheduledTime, specs });
  return { runId: report.runId, specs };
});
