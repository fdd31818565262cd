/**
 * Compliance check (daily): verifies the audit log (hash chains and seals), the ledger against storage and the
 * audit log, and every obligation's deadline, and publishes what it found as metrics. `OverdueObligations` above 0
 * (or missing for a day) raises the overdue alarm. Returns and logs counts by kind, never the violations' text
 * (which names object keys, i.e. platform ids).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { METRICS } from '../lib/config/deployed';
import { verify, VIOLATION_KINDS } from '../lib/jobs/verify';
import { deployment } from './shared/deployment';
import { jobHandler, schedulerFields } from './shared/handler';
import { logger, metrics } from './shared/powertools';

export const VerifyEventSchema = z.object({ ...schedulerFields }).strict();

export const handler = jobHandler(VerifyEventSchema, async (event) => {
  const { ctx } = await deployment();
  const report = await verify(ctx);
  const byKind = Object.fromEntries(VIOLATION_KINDS.map((kind) => [kind, report.violations.filter((v) => v.kind === kind).length]));
  metrics.addMetric(METRICS.overdueObligations, MetricUnit.Count, byKind.overdue ?? 0);
  metrics.addMetric('ComplianceViolations', MetricUnit.Count, report.violations.length);
  const summary = { ok: report.ok, checkedAt: report.checkedAt, audit: report.audit, ledger: report.ledger, storage: report.storage, violations: byKind };
  if (report.ok) logger.info('compliance check passed', { scheduledTime: event.scheduledTime, ...summary });
  else logger.error('compliance check found violations', { scheduledTime: event.scheduledTime, ...summary });
  return summary;
});
