/**
 * Erasure handler (on demand): "erase everything by user X" or "erase video Y" or "erase comment Z", cascading to
 * the account's videos, their comments and derived records. The target is tombstoned even when it was never
 * stored, so it is never collected again. The member who files it is the one whose alias was invoked
 * (lambdas/shared/member-identity.ts); `requestedBy` in the event is a claim, refused when it disagrees. The audit
 * log records the request as that member's.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { erase } from '../lib/jobs/erase';
import { deployment } from './shared/purging-deployment';
import { jobHandler } from './shared/handler';
import { identifyMember } from './shared/member-identity';
import { logger, metrics } from './shared/powertools';

export const EraseEventSchema = z
  .object({
    user: z.string().min(1).optional(),
    video: z.string().min(1).optional(),
    comment: z.string().min(1).optional(),
    /** The lab member filing the request (lowercase name): a claim, checked against the member alias invoked. */
    requestedBy: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, { message: 'name the lab member filing the request (lowercase), e.g. "ada"' }).optional(),
  })
  .strict()
  .refine((e) => [e.user, e.video, e.comment].filter((v) => v !== undefined).length === 1, {
    message: 'name exactly one of "user", "video" or "comment"',
  });

export const handler = jobHandler(EraseEventSchema, async (event, context) => {
  const { ctx } = await deployment();
  const researcher = identifyMember(context, ctx.config.members, { action: 'erase', claimed: event.requestedBy, field: 'requestedBy' }).name;
  const { user, video, comment } = event;
  const target = user !== undefined ? { user } : video !== undefined ? { video } : { comment: comment! };
  const report = await erase({ ...ctx, actor: { type: 'researcher', name: researcher } }, target);
  metrics.addMetric('PurgedRecords', MetricUnit.Count, report.purged);
  metrics.addMetric('VersionsRemoved', MetricUnit.Count, report.versionsRemoved);
  // The target is named by its keyed hash only: an erased username or id never reaches a log line.
  const { runId, kind, recordHash, wasStored, purged, cascaded, alreadyPurged, versionsRemoved, byKind } = report;
  logger.info('erasure finished', { runId, kind, recordHash, wasStored, purged, cascaded, alreadyPurged, versionsRemoved, byKind, requestedBy: researcher });
  return report;
});
