/**
 * Compliance report (on demand): refreshes on time and late, purges by reason and day, obligations ahead, quota use
 * and what is overdue, as the JSON `steward report --json` prints. With `attrition`, the attrition report
 * (`steward report attrition --json`) instead. Records appear as keyed hashes only.
 */
import * as z from 'zod';
import { attritionReport } from '../lib/jobs/attrition';
import { complianceReport } from '../lib/jobs/report';
import { deployment } from './shared/deployment';
import { jobHandler } from './shared/handler';
import { logger } from './shared/powertools';

export const ReportEventSchema = z
  .object({
    horizonDays: z.int().min(1).max(366).optional(),
    historyDays: z.int().min(1).max(366).optional(),
    overdueListLimit: z.int().min(0).max(10_000).optional(),
    /** Answer the attrition report (of one spec, or of all). */
    attrition: z.object({ spec: z.string().min(1).max(64).optional() }).strict().optional(),
  })
  .strict();

export const handler = jobHandler(ReportEventSchema, async (event) => {
  const { ctx } = await deployment();
  if (event.attrition) {
    const report = await attritionReport(ctx, event.attrition.spec !== undefined ? { spec: event.attrition.spec } : {});
    logger.info('attrition report built', { specs: report.shares.length, curves: report.survival.length });
    return report;
  }
  const { attrition: _none, ...options } = event;
  const report = await complianceReport(ctx, options);
  logger.info('compliance report built', { ok: report.ok, overdue: report.overdue.count, purges: report.purges.total, refreshes: report.refreshes.total });
  return report;
});
