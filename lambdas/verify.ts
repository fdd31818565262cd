/**
 * Compliance check (daily): verifies the audit log (hash chains and seals), the ledger against storage and the
 * audit log, and every obligation's deadline, and publishes what it found as metrics. `OverdueObligations` above 0
 * (or missing for a day) raises the overdue alarm. Logs counts by kind, never the violations' text (which names
 * object keys, i.e. platform ids); returns the same counts, or with `details` (`steward verify` without --local)
 * the whole report to the caller. With `certificate` it re-checks a deletion certificate instead.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { METRICS } from '../lib/config/deployed';
import { checkCertificate, parseCertificate } from '../lib/jobs/certify';
import { verify, VIOLATION_KINDS } from '../lib/jobs/verify';
import { deployment } from './shared/deployment';
import { jobHandler, schedulerFields } from './shared/handler';
import { logger, metrics } from './shared/powertools';

/** Violations a `details` answer lists: a synchronous Lambda answer is at most 6 MB. */
export const MAX_LISTED_VIOLATIONS = 10_000;

export const VerifyEventSchema = z
  .object({
    ...schedulerFields,
    /** Answer the whole report, violations included (the caller may read the objects they name). */
    details: z.boolean().optional(),
    /** Stored objects hashed against the ledger: `full`, or a random sample of this many (default 200). */
    content: z.union([z.literal('full'), z.number().int().min(0).max(1_000_000_000)]).optional(),
    /** A certificate written by `steward certify`, to re-check against the log as it is now. */
    certificate: z.unknown().optional(),
    /** The certificate file's exact text and its DER signature (base64), for the signature check. */
    certificateFile: z.object({ text: z.string(), signature: z.string().optional() }).strict().optional(),
  })
  .strict();

export const handler = jobHandler(VerifyEventSchema, async (event) => {
  const { ctx } = await deployment();
  if (event.certificate !== undefined) {
    const check = await checkCertificate(ctx, parseCertificate(event.certificate, 'the event\'s certificate'), event.certificateFile);
    logger.info('deletion certificate re-checked', { ok: check.ok, purges: check.purges, problems: check.problems.length });
    return check;
  }
  const report = await verify(ctx, event.content === undefined ? {} : { content: event.content });
  const byKind = Object.fromEntries(VIOLATION_KINDS.map((kind) => [kind, report.violations.filter((v) => v.kind === kind).length]));
  metrics.addMetric(METRICS.overdueObligations, MetricUnit.Count, byKind.overdue ?? 0);
  metrics.addMetric('ComplianceViolations', MetricUnit.Count, report.violations.length);
  const summary = { ok: report.ok, checkedAt: report.checkedAt, audit: report.audit, ledger: report.ledger, storage: report.storage, content: report.content, violations: byKind };
  if (report.ok) logger.info('compliance check passed', { scheduledTime: event.scheduledTime, ...summary });
  else logger.error('compliance check found violations', { scheduledTime: event.scheduledTime, ...summary });
  if (!event.details) return summary;
  const omitted = Math.max(0, report.violations.length - MAX_LISTED_VIOLATIONS);
  return { ...report, violations: report.violations.slice(0, MAX_LISTED_VIOLATIONS), ...(omitted ? { omittedViolations: omitted, violationsByKind: byKind } : {}) };
});
