/**
 * Compliance report (on demand): refreshes on time and late, purges by reason and day, obligations ahead, quota use
 * and what is overdue, as the JSON `steward report --json` prints. Records appear as keyed hashes only.
 */
import * as z from 'zod';
import { complianceReport } from '../lib/jobs/report';
import { deployment } from './shared/deployment';
import { jobHandler } from './shared/handler';
import { logger } from './shared/powertools';

export const ReportEventSchema = z
  .object({
    horizonDays: z.int().min(1).max(366).optional(),
    historyDays: z.int().min(1).max(366).optional(),
    overdueListLimit: z.int().min(0).max(10_000).optional(),
  })
  .strict();

export const handler = jobHandler(ReportEventSchema, async (event) => {
  const { ctx } = await deployment();
  const report = await complianceReport(ctx, event);
  logger.info('compliance report built', { ok: report.ok, overdue: report.overdue.count, purges: report.purges.total, refreshes: report.refreshes.total });
  return report;
});
